"""TOML configuration -> typed, validated config.

Parsing is tomllib; validation is pydantic (unknown keys are refused, types are checked). Every error is
one line that names the file and the key, raised as :class:`ConfigError` (exit code 2). Secrets never live
in this file: the config names the *environment variable* that holds the token or password.

Every key is documented in ``config.example.toml``.

Longer than 400 lines: one pydantic section per TOML table, each with its validators beside it.
"""

from __future__ import annotations

import os
import re
import ssl
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from syncreport.errors import ConfigError
from syncreport.kinds import Deployment, FailOn, Format
from syncreport.logs import register_secret


class _Section(BaseModel):
    # strict: TOML has real booleans and numbers, so "no" is not false and "4" is not 4; inf and nan are
    # refused. Paths are the one exception (TOML has no path type): see _PathValue.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


_PathValue = Annotated[Path, Field(strict=False)]
# Names that end up in file names, titles and headers: one line, and short enough for a file name.
_Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
_Text = Annotated[str, StringConstraints(max_length=2000)]
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_Seconds = Annotated[float, Field(gt=0, le=3600)]
_Port = Annotated[int, Field(ge=1, le=65535)]
_Days = Annotated[int, Field(ge=0, le=3660)]


def is_env_name(value: str) -> bool:
    """True for an environment variable's NAME; False for anything else, such as a pasted token.

    API tokens and PATs are long random strings: besides characters a name cannot have (``-``, ``=``,
    ``+``, ``/``), a run of 20 or more letters and digits in mixed case with no ``_`` is taken for one.
    """
    if not _ENV_NAME.match(value):
        return False
    random_looking = len(value) >= 20 and "_" not in value and not value.isupper() and not value.islower()
    return not random_looking


def _env_name(value: str | None, key: str) -> str | None:
    """An environment variable's NAME; a value that is not one may be a pasted secret: never echo it."""
    if value is None or is_env_name(value):
        return value
    register_secret(value)  # it may be the token itself: keep it out of every log from now on
    raise ValueError(
        f"must be the NAME of an environment variable (letters, digits, _), not the secret itself; "
        f'export the secret as NAME=... and set {key} = "NAME" (did you paste the token?)'
    )


def check_site_url(value: str) -> str:
    """The Jira base URL without a trailing slash; refuses one that carries credentials (never echoed)."""
    try:
        parts = urlsplit(value.strip())
        has_credentials = parts.username is not None or parts.password is not None
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError:
        raise ValueError("is not a URL; use the site's base URL, e.g. https://acme.atlassian.net") from None
    if has_credentials or "@" in parts.netloc:
        for secret in (parts.password, parts.username, value):
            register_secret(secret)
        raise ValueError(
            "must not contain a user name or token (https://user:token@...); remove them from the URL "
            "and put the token in the environment variable named by jira.token_env"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must start with https:// (or http:// for a local simulator) and name a host")
    if parts.query or parts.fragment or any(ch.isspace() for ch in value.strip()) or port == 0:
        raise ValueError(
            "must be the site's base URL only, e.g. https://acme.atlassian.net (no ?query or #part)"
        )
    return value.strip().rstrip("/")


class JiraSettings(_Section):
    url: str
    # Cloud, scoped API tokens and service accounts: the REST API's base URL when it is not the site's, i.e.
    # the platform gateway https://api.atlassian.com/ex/jira/{cloudId}; the report's links keep using ``url``
    api_url: str | None = None
    deployment: Literal["auto"] | Deployment = "auto"
    email: _Text | None = None  # Cloud: the account e-mail that owns the API token
    token_env: str = "JIRA_API_TOKEN"  # NAME of the environment variable holding the API token / PAT
    verify_tls: bool = True
    ca_bundle: _PathValue | None = None
    timeout_seconds: _Seconds = 30.0
    # the most requests in flight; the pull adapts below it to what the site says (jira/limiter.py)
    concurrency: int = Field(default=16, ge=1, le=32)
    max_retry_seconds: float = Field(default=120.0, ge=0, le=86400)  # retry budget of one request
    # The whole pull (every request, retry and wait) ends with one line past this: a run never hangs for good
    run_timeout_seconds: float = Field(default=1800.0, gt=0, le=7 * 86400)

    @field_validator("url")
    @classmethod
    def _url_is_a_site(cls, value: str) -> str:
        return check_site_url(value)

    @field_validator("api_url")
    @classmethod
    def _api_url_is_a_base(cls, value: str | None) -> str | None:
        return check_site_url(value) if value is not None else None

    @property
    def api_base(self) -> str:
        """Where REST requests go: ``api_url`` when set, else the site's own URL."""
        return self.api_url or self.url

    @field_validator("token_env")
    @classmethod
    def _token_env_is_a_name(cls, value: str) -> str:
        return _env_name(value, "jira.token_env") or value

    def token(self) -> str | None:
        """The secret, read from the environment at the moment it is needed; never stored on the model."""
        return os.environ.get(self.token_env) or None


class DependencyLinkType(_Section):
    name: _Name  # the link type's name as Jira shows it in issuelinks[].type.name, e.g. "Blocks"
    provider: Literal["outward", "inward"] = "outward"
    # "outward": in "X <outward text> Y" (X holds outwardIssue Y) X is the provider. For Blocks, X blocks Y.


class TrainSettings(_Section):
    name: _Name
    jql: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    pi_source: Literal["fixVersion", "field", "label"] = "fixVersion"
    pi_field: str | None = None  # custom field name or id when pi_source = "field"
    pi_label_prefix: str = "PI-"  # when pi_source = "label"
    pi_order: list[str] = Field(default_factory=list)  # oldest first; empty = order of first appearance/name
    current_pi: str | None = None  # default: the last PI in pi_order that the train's issues use most
    team_source: Literal["field", "component", "project", "label"] = "field"
    team_field: str = "Team"  # custom field name or id when team_source = "field"
    team_label_prefix: str = "team-"
    teams: list[str] = Field(
        default_factory=list
    )  # optional: the train's teams, so a team with no issue shows
    sprint_field: str = "Sprint"
    story_points_field: str = "auto"  # "auto": discover "Story Points" / "Story point estimate"
    parent_field: str = "parent"  # "parent" (Cloud), or "Epic Link" / "Parent Link" on Data Center
    business_value_planned_field: str | None = None
    business_value_actual_field: str | None = None
    boards: list[Annotated[int, Field(ge=1, le=2**53)]] = Field(
        default_factory=list
    )  # empty: discover the boards of the train's projects
    dependency_link_types: list[DependencyLinkType] = Field(
        default_factory=lambda: [DependencyLinkType(name="Blocks", provider="outward")]
    )


class IterationSettings(_Section):
    """The train's cadence. Without pi_start the iterations are derived from the sprints (docs/indicators.md)."""

    pi_start: Annotated[date, Field(strict=False)] | None = None  # a TOML date, or "2025-09-01"
    length_days: int = Field(default=14, ge=1, le=366)
    count: int = Field(default=6, ge=1, le=52)


DEFAULT_BLOCKED_STATUSES = (
    "Blocked", "Impeded", "On Hold", "Blockiert", "Bloqué", "Bloqueado", "Bloccato", "Geblokkeerd",
    "受阻", "阻塞", "已阻止", "ブロック",
)  # fmt: skip


DEFAULT_HIGH_RISK_PRIORITIES = (
    "Highest", "High", "Critical", "Blocker", "Höchste", "Hoch", "Kritisch", "La plus haute", "Haute",
    "Élevée", "Critique", "最高", "高", "严重",
)  # fmt: skip


class ThresholdSettings(_Section):
    """Green/amber/red rules for team and train health (defaults documented in config.example.toml)."""

    cadence_tolerance_days: int = Field(default=1, ge=0, le=366)
    late_dependencies_amber: int = Field(default=1, ge=0)
    late_dependencies_red: int = Field(default=3, ge=0)
    carry_over_share_amber: float = Field(default=0.15, ge=0, le=1)
    carry_over_share_red: float = Field(default=0.30, ge=0, le=1)
    reliability_amber: float = Field(default=0.80, ge=0, le=1)
    reliability_red: float = Field(default=0.60, ge=0, le=1)
    unscheduled_dependencies_amber: int = Field(default=1, ge=0)
    unscheduled_dependencies_red: int = Field(default=3, ge=0)
    orphan_share_amber: float = Field(default=0.20, ge=0, le=1)
    orphan_share_red: float = Field(default=0.40, ge=0, le=1)
    ageing_days_amber: _Days = 5
    ageing_days_red: _Days = 10
    off_cadence_sprints_amber: int = Field(default=1, ge=0)  # 0 switches the rule off
    off_cadence_sprints_red: int = Field(default=0, ge=0)  # 0: off cadence alone never makes a team red
    # Status names that count as blocked for ageing (compared case-insensitively; status names are free text
    # per workflow and language, so the default covers the common translations of "Blocked").
    blocked_statuses: list[str] = Field(default_factory=lambda: list(DEFAULT_BLOCKED_STATUSES))
    # Risks (ROAM): a high risk not ROAMed this many days after its creation is a finding and makes its team amber
    risk_roam_days: int = Field(default=5, ge=0)
    high_risk_priorities: list[str] = Field(default_factory=lambda: list(DEFAULT_HIGH_RISK_PRIORITIES))
    # Capacity: an iteration (current or future) planned beyond this share of the team's velocity is
    # overloaded, and makes the team amber (0 switches the rule off)
    overload_share: float = Field(default=1.10, ge=0, le=10)


# ROAM state -> the status names (or select options, or label suffixes) that mean it, compared
# case-insensitively; status names are free text per workflow and language, like the blocked statuses.
DEFAULT_ROAM_NAMES: dict[str, tuple[str, ...]] = {
    "resolved": ("Resolved", "Gelöst", "Behoben", "Résolu", "已解决", "Resuelto", "Risolto"),
    "owned": ("Owned", "Übernommen", "Zugewiesen", "Pris en charge", "Assumé", "已认领", "Asumido"),
    "accepted": ("Accepted", "Akzeptiert", "Accepté", "已接受", "Aceptado", "Accettato"),
    "mitigated": ("Mitigated", "Gemindert", "Entschärft", "Atténué", "已缓解", "Mitigado", "Mitigato"),
}


class CapacitySettings(_Section):
    """Capacity against load: the demonstrated velocity a team's planned work is compared with."""

    # velocity = mean completed points (issues where the team has no points) of the team's last N closed sprints
    velocity_sprints: int = Field(default=3, ge=1, le=26)
    # a team's velocity set by hand (team name -> points per iteration), instead of the measured one
    velocity: dict[str, Annotated[float, Field(gt=0, le=100_000)]] = Field(default_factory=dict)


_Day = Annotated[date, Field(strict=False)]


class BaselineSettings(_Section):
    """The PI baseline (the plan as it stood at PI planning); by default the first run inside the PI's
    first iteration, kept in the state folder apart from the rolling history."""

    snapshot: _PathValue | None = None  # a saved snapshot file (syncreport fetch --snapshot) of PI planning
    date: _Day | None = None  # instead: the first run on or after this day (a TOML date, or "2026-11-16")


class RiskSettings(_Section):
    """ROAM risks: which issues are risks and how their ROAM state is read (see config.example.toml)."""

    enabled: bool = True
    jql: str | None = None  # default: project in (<the train's projects>) AND issuetype = "<issue_type>"
    issue_type: str = "Risk"
    roam_source: Literal["status", "field", "label"] = "status"
    roam_field: str | None = None  # a select field (name or id) when roam_source = "field"
    roam_label_prefix: str = "roam:"  # labels roam:owned, roam:accepted ... when roam_source = "label"
    resolved: list[str] = Field(default_factory=lambda: list(DEFAULT_ROAM_NAMES["resolved"]))
    owned: list[str] = Field(default_factory=lambda: list(DEFAULT_ROAM_NAMES["owned"]))
    accepted: list[str] = Field(default_factory=lambda: list(DEFAULT_ROAM_NAMES["accepted"]))
    mitigated: list[str] = Field(default_factory=lambda: list(DEFAULT_ROAM_NAMES["mitigated"]))
    impact_field: str | None = None  # a select field for the impact; default: the issue's priority


class ObjectiveSettings(_Section):
    """PI objectives: which issues they are, their business value fields and commitment."""

    enabled: bool = True
    source: Literal["issuetype", "label"] = "issuetype"
    issue_type: str = "PI Objective"
    label: str = "pi-objective"
    jql: str | None = None  # default: project in (<the train's projects>) AND (issuetype or labels) = ...
    # "auto": a field named "Planned Business Value" or "Business Value" (actual: "Actual Business Value");
    # empty: none. Defaults to [train].business_value_*_field when those are set.
    planned_value_field: str = "auto"
    actual_value_field: str = "auto"
    committed_source: Literal["label", "field", "checkbox"] = "label"
    uncommitted_label: str = "uncommitted"  # committed_source = "label": objectives with it are uncommitted
    committed_field: str | None = None  # committed_source = "field" (a select) or "checkbox" (checkboxes)
    committed_values: list[str] = Field(default_factory=lambda: ["Committed", "Yes", "Ja", "Oui", "是"])
    uncommitted_values: list[str] = Field(default_factory=lambda: ["Uncommitted", "No", "Nein", "Non", "否"])


_DEFAULT_FORMATS: tuple[Format, ...] = ("html", "pdf", "json")
_DEFAULT_ATTACH: tuple[Literal["pdf", "html"], ...] = ("pdf", "html")


class ReportSettings(_Section):
    out_dir: _PathValue = Path("reports")
    formats: list[Format] = Field(default_factory=lambda: list(_DEFAULT_FORMATS))
    paper: Literal["A4", "Letter"] = "A4"
    templates_dir: _PathValue | None = None  # your own templates, in front of the packaged ones
    keep: int = Field(default=12, ge=1, le=10_000)  # how many dated reports to keep in out_dir
    pdf_list_limit: int = Field(
        default=10, ge=1, le=10_000
    )  # longer lists are capped in the PDF ("and N more, see the HTML"): the PDF summarises
    fail_on: FailOn | None = None
    # Where the previous runs' JSON documents (for "changes since last") and the run lock live.
    # Default: next to the reports, in <out_dir>/.syncreport/ (see syncreport.deliver.state for why).
    state_dir: _PathValue | None = None
    # 0: compare with the previous run; 7: with the latest run at least 7 days older (daily cron, weekly sync)
    changes_since_days: _Days = 0
    # How far back the trends look: the runs of the last N days (their small trend summaries are kept that
    # long in the state folder). 91 days = 13 weeks, a whole PI of six two-week iterations.
    history_days: int = Field(default=91, ge=1, le=3660)


class EmailSettings(_Section):
    enabled: bool = False
    smtp_host: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=253)] = (
        "localhost"
    )
    smtp_port: _Port | None = None  # default: 587 starttls, 465 tls, 25 plain
    security: Literal["starttls", "tls", "plain"] = "starttls"
    username: _Text | None = None
    password_env: str | None = None  # NAME of the environment variable holding the SMTP password
    sender: _Text = "syncreport@localhost"
    to: list[_Text] = Field(default_factory=list)
    subject: Annotated[str, StringConstraints(max_length=500)] = "ART sync report: {train} {pi} ({date})"
    timeout_seconds: _Seconds = 30.0
    ca_bundle: _PathValue | None = None  # a PEM file of CAs to trust for the SMTP server's certificate
    # "password": SMTP AUTH LOGIN/PLAIN with password_env; "xoauth2": an OAuth 2.0 access token (Microsoft 365,
    # Google), from exactly one of token_env, token_command or the Microsoft 365 client-credentials flow.
    auth: Literal["password", "xoauth2"] = "password"
    token_env: str | None = None  # NAME of the variable holding an access token
    token_command: list[_Text] | None = (
        None  # a command (argv) that prints an access token, like a git helper
    )
    oauth_tenant: str | None = None  # Microsoft 365: the Entra tenant id (pip install 'syncreport[m365]')
    oauth_client_id: str | None = None  # Microsoft 365: the app registration's client id
    oauth_client_secret_env: str | None = None  # NAME of the variable holding the app's client secret
    oauth_scope: _Text = "https://outlook.office365.com/.default"

    @field_validator("smtp_host")
    @classmethod
    def _host_is_a_name(cls, value: str) -> str:
        if any(ch.isspace() or ch in "/:@" for ch in value):
            raise ValueError(
                "must be a host name or address only, e.g. smtp.acme.com (the port is smtp_port)"
            )
        return value

    @field_validator("sender")
    @classmethod
    def _sender_is_an_address(cls, value: str) -> str:
        if value.count("@") != 1 or value.startswith("@") or value.endswith("@") or value != value.strip():
            raise ValueError("must be an e-mail address, e.g. syncreport@acme.com")
        return value

    @field_validator("password_env")
    @classmethod
    def _password_env_is_a_name(cls, value: str | None) -> str | None:
        return _env_name(value, "email.password_env")

    @field_validator("token_env", "oauth_client_secret_env")
    @classmethod
    def _token_vars_are_names(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _env_name(value, f"email.{info.field_name}")


class ChatSettings(_Section):
    """Chat cards after each delivered run (syncreport.deliver.chat). The URLs are secrets: name their variables."""

    slack_webhook_env: str | None = None  # NAME of the variable holding the Slack incoming-webhook URL
    teams_webhook_env: str | None = None  # NAME of the variable holding the Teams workflow webhook URL
    report_url: str | None = (
        None  # where readers open the full report; default: the HTML (or PDF) file's path
    )
    timeout_seconds: _Seconds = 15.0

    @field_validator("slack_webhook_env", "teams_webhook_env")
    @classmethod
    def _webhook_vars_are_names(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _env_name(value, f"chat.{info.field_name}")


class ConfluenceSettings(_Section):
    """Publish the report to a Confluence page after each run (syncreport.deliver.confluence); off without url."""

    url: str | None = None  # Cloud: https://<site>.atlassian.net/wiki; Data Center: the base URL
    deployment: Deployment = "cloud"
    space: str = "ART"  # the space key
    parent_id: str | None = None  # create the page under this page
    title: str = "ART sync report: {train}"  # one page per title: add {date} for one page per run
    email: str | None = None  # Cloud: the account e-mail that owns the API token
    token_env: str = "CONFLUENCE_API_TOKEN"  # NAME of the variable holding the API token / PAT
    attach: list[Literal["pdf", "html"]] = Field(default_factory=lambda: list(_DEFAULT_ATTACH))
    timeout_seconds: _Seconds = 30.0

    @field_validator("url")
    @classmethod
    def _url_has_no_credentials(cls, value: str | None) -> str | None:
        return check_site_url(value) if value is not None else None

    @field_validator("token_env")
    @classmethod
    def _token_env_is_a_name(cls, value: str) -> str:
        checked = _env_name(value, "confluence.token_env")
        assert checked is not None
        return checked


class CacheSettings(_Section):
    enabled: bool = True
    path: _PathValue | None = None  # default: the user's cache directory (platformdirs)
    # board and sprint lists older than this are re-fetched (at most a year)
    sprints_max_age_minutes: int = Field(default=60, ge=0, le=527_040)


class LoggingSettings(_Section):
    file: _PathValue | None = None
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    jira: JiraSettings
    train: TrainSettings
    iterations: IterationSettings = Field(default_factory=IterationSettings)
    thresholds: ThresholdSettings = Field(default_factory=ThresholdSettings)
    risks: RiskSettings = Field(default_factory=RiskSettings)
    objectives: ObjectiveSettings = Field(default_factory=ObjectiveSettings)
    capacity: CapacitySettings = Field(default_factory=CapacitySettings)
    baseline: BaselineSettings = Field(default_factory=BaselineSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    confluence: ConfluenceSettings = Field(default_factory=ConfluenceSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    source: _PathValue | None = Field(
        default=None, exclude=True
    )  # set by load_config, for messages; not a TOML key


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts)


def _one_line(error: dict[str, Any]) -> str:
    key = _key_path(tuple(error["loc"]))
    kind = error["type"]
    if kind == "missing":
        return f"required key '{key}' is missing"
    if kind == "extra_forbidden":
        return f"unknown key '{key}' (see config.example.toml for the keys there are)"
    if kind == "value_error" and "error" in error.get("ctx", {}):
        return f"key '{key}' {error['ctx']['error']}"  # our validators' messages read "<key> must ..."
    return f"key '{key}': {error['msg']}"


def config_from_dict(data: dict[str, Any], source: Path | str = "<config>") -> Config:
    if "source" in data:
        raise ConfigError(f"{source}: unknown key 'source' (see config.example.toml for the keys there are)")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{source}: {_one_line(dict(first))}{more}") from None
    return config.model_copy(update={"source": Path(source)})


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist; copy config.example.toml or run 'syncreport init'"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line} is not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    config = _paths_relative_to(path.parent, config_from_dict(data, path))
    check_paths(config)
    return config


_PATH_KEYS = {
    "jira": ("ca_bundle",),
    "report": ("out_dir", "state_dir", "templates_dir"),
    "email": ("ca_bundle",),
    "cache": ("path",),
    "logging": ("file",),
    "baseline": ("snapshot",),
}


def _paths_relative_to(folder: Path, config: Config) -> Config:
    """Relative paths in a config file mean "next to this file", wherever cron runs it from."""

    def anchored(value: Path | None) -> Path | None:
        if value is None:
            return None
        value = value.expanduser()
        return value if value.is_absolute() else folder / value

    sections = {
        name: getattr(config, name).model_copy(
            update={key: anchored(getattr(getattr(config, name), key)) for key in keys}
        )
        for name, keys in _PATH_KEYS.items()
    }
    return config.model_copy(update=sections)


def _where(config: Config) -> str:
    return str(config.source or "<config>")


def check_paths(config: Config) -> None:
    """The files and folders the config names can be used: checked before any slow work starts."""
    for key, value in (
        ("jira.ca_bundle", config.jira.ca_bundle),
        ("email.ca_bundle", config.email.ca_bundle),
    ):
        if value is not None and not value.is_file():
            what = "is a folder" if value.is_dir() else "does not exist"
            raise ConfigError(
                f"{_where(config)}: key '{key}': {value} {what}; give the PEM file of your certificate authority"
            )
        if value is not None:
            try:
                ssl.create_default_context(cafile=str(value))
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise ConfigError(
                    f"{_where(config)}: key '{key}': {value} is not a PEM file of certificates "
                    f"({getattr(exc, 'reason', None) or type(exc).__name__}); give your certificate authority's PEM file"
                ) from None
    templates = config.report.templates_dir
    if templates is not None and not templates.is_dir():
        raise ConfigError(
            f"{_where(config)}: key 'report.templates_dir': {templates} is not a folder; create it or remove "
            "the key to use the built-in templates"
        )
    for key, file in (("cache.path", config.cache.path if config.cache.enabled else None),
                      ("logging.file", config.logging.file)):  # fmt: skip
        if file is not None:
            problem = _unwritable_file(file)
            if problem:
                raise ConfigError(
                    f"{_where(config)}: key '{key}': {file} {problem}; choose a file you can write"
                )
    for key, folder in (
        ("report.out_dir", config.report.out_dir),
        ("report.state_dir", config.report.state_dir),
    ):
        if folder is not None and folder.exists() and not folder.is_dir():
            raise ConfigError(f"{_where(config)}: key '{key}': {folder} is a file, not a folder")


def _unwritable_file(path: Path) -> str | None:
    """Why ``path`` cannot be a file this user writes (None: it can, or its folder can be created)."""
    if path.is_dir():
        return "is a folder"
    if path.exists():
        return None if os.access(path, os.W_OK) else "is not writable"
    parent = path.parent
    while not parent.exists():
        if parent == parent.parent:
            return "is in a folder that cannot be created"
        parent = parent.parent
    if not parent.is_dir():
        return f"is under {parent}, which is a file"
    return None if os.access(parent, os.W_OK | os.X_OK) else f"cannot be created ({parent} is not writable)"
