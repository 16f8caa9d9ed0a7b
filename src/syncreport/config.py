"""TOML configuration -> typed, validated config.

Parsing is tomllib; validation is pydantic (unknown keys are refused, types are checked). Every error is
one line that names the file and the key, raised as :class:`ConfigError` (exit code 2). Secrets never live
in this file: the config names the *environment variable* that holds the token or password.

Every key is documented in ``config.example.toml``.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from syncreport.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JiraSettings(_Section):
    url: str
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    email: str | None = None  # Cloud: the account e-mail that owns the API token
    token_env: str = "JIRA_API_TOKEN"  # NAME of the environment variable holding the API token / PAT
    verify_tls: bool = True
    ca_bundle: Path | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=4, ge=1, le=32)
    max_retry_seconds: float = Field(default=120.0, ge=0)  # total time budget for retries of one request

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// for a local simulator)")
        return value.rstrip("/")

    def token(self) -> str | None:
        """The secret, read from the environment at the moment it is needed; never stored on the model."""
        return os.environ.get(self.token_env) or None


class DependencyLinkType(_Section):
    name: str  # the link type's name as Jira shows it in issuelinks[].type.name, e.g. "Blocks"
    provider: Literal["outward", "inward"] = "outward"
    # "outward": in "X <outward text> Y" (X holds outwardIssue Y) X is the provider. For Blocks, X blocks Y.


class TrainSettings(_Section):
    name: str
    jql: str
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
    boards: list[int] = Field(default_factory=list)  # empty: discover the boards of the train's projects
    dependency_link_types: list[DependencyLinkType] = Field(
        default_factory=lambda: [DependencyLinkType(name="Blocks", provider="outward")]
    )


class IterationSettings(_Section):
    """The train's cadence. Without pi_start the iterations are derived from the sprints (INDICATORS.md)."""

    pi_start: date | None = None
    length_days: int = Field(default=14, ge=1)
    count: int = Field(default=6, ge=1)


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

    cadence_tolerance_days: int = Field(default=1, ge=0)
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
    ageing_days_amber: int = Field(default=5, ge=0)
    ageing_days_red: int = Field(default=10, ge=0)
    off_cadence_sprints_amber: int = Field(default=1, ge=0)  # 0 switches the rule off
    off_cadence_sprints_red: int = Field(default=0, ge=0)  # 0: off cadence alone never makes a team red
    # Status names that count as blocked for ageing (compared case-insensitively; status names are free text
    # per workflow and language, so the default covers the common translations of "Blocked").
    blocked_statuses: list[str] = Field(default_factory=lambda: list(DEFAULT_BLOCKED_STATUSES))
    # Risks (ROAM): a high risk not ROAMed this many days after its creation is a finding and makes its team amber
    risk_roam_days: int = Field(default=5, ge=0)
    high_risk_priorities: list[str] = Field(default_factory=lambda: list(DEFAULT_HIGH_RISK_PRIORITIES))


# ROAM state -> the status names (or select options, or label suffixes) that mean it, compared
# case-insensitively; status names are free text per workflow and language, like the blocked statuses.
DEFAULT_ROAM_NAMES: dict[str, tuple[str, ...]] = {
    "resolved": ("Resolved", "Gelöst", "Behoben", "Résolu", "已解决", "Resuelto", "Risolto"),
    "owned": ("Owned", "Übernommen", "Zugewiesen", "Pris en charge", "Assumé", "已认领", "Asumido"),
    "accepted": ("Accepted", "Akzeptiert", "Accepté", "已接受", "Aceptado", "Accettato"),
    "mitigated": ("Mitigated", "Gemindert", "Entschärft", "Atténué", "已缓解", "Mitigado", "Mitigato"),
}


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


class ReportSettings(_Section):
    out_dir: Path = Path("reports")
    formats: list[Literal["html", "pdf", "json"]] = Field(default_factory=lambda: ["html", "pdf", "json"])  # type: ignore[arg-type]
    paper: Literal["A4", "Letter"] = "A4"
    templates_dir: Path | None = None  # your own templates, in front of the packaged ones
    keep: int = Field(default=12, ge=1)  # how many dated reports to keep in out_dir
    pdf_list_limit: int = Field(default=25, ge=1)  # longer lists are capped in the PDF ("and N more")
    fail_on: Literal["red", "amber"] | None = None
    # Where the previous runs' JSON documents (for "changes since last") and the run lock live.
    # Default: next to the reports, in <out_dir>/.syncreport/ (see syncreport.deliver.state for why).
    state_dir: Path | None = None
    # 0: compare with the previous run; 7: with the latest run at least 7 days older (daily cron, weekly sync)
    changes_since_days: int = Field(default=0, ge=0)


class EmailSettings(_Section):
    enabled: bool = False
    smtp_host: str = "localhost"
    smtp_port: int | None = None  # default: 587 starttls, 465 tls, 25 plain
    security: Literal["starttls", "tls", "plain"] = "starttls"
    username: str | None = None
    password_env: str | None = None  # NAME of the environment variable holding the SMTP password
    sender: str = "syncreport@localhost"
    to: list[str] = Field(default_factory=list)
    subject: str = "ART sync report: {train} {pi} ({date})"
    timeout_seconds: float = Field(default=30.0, gt=0)
    ca_bundle: Path | None = None  # a PEM file of CAs to trust for the SMTP server's certificate (private CA)


class CacheSettings(_Section):
    enabled: bool = True
    path: Path | None = None  # default: the user's cache directory (platformdirs)
    sprints_max_age_minutes: int = Field(
        default=60, ge=0
    )  # board and sprint lists older than this are re-fetched


class LoggingSettings(_Section):
    file: Path | None = None
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    jira: JiraSettings
    train: TrainSettings
    iterations: IterationSettings = Field(default_factory=IterationSettings)
    thresholds: ThresholdSettings = Field(default_factory=ThresholdSettings)
    risks: RiskSettings = Field(default_factory=RiskSettings)
    objectives: ObjectiveSettings = Field(default_factory=ObjectiveSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    source: Path | None = Field(
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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist; copy config.example.toml or run 'syncreport init'"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return _paths_relative_to(path.parent, config_from_dict(data, path))


_PATH_KEYS = {
    "jira": ("ca_bundle",),
    "report": ("out_dir", "state_dir", "templates_dir"),
    "email": ("ca_bundle",),
    "cache": ("path",),
    "logging": ("file",),
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
