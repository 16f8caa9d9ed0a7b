"""`syncreport init`: write a working config from what a live Jira site says about itself.

It asks for the site URL and the NAME of the environment variable that holds the token (never the token),
checks the credentials, lists the projects and their boards, finds the Sprint / Story points / Team fields
in ``/field``, proposes the dependency link types and a JQL, and writes a commented TOML file. With no
prompter (``--non-interactive``) every answer comes from :class:`InitOptions` or a sensible default, and a
missing answer that has none is a one-line :class:`ConfigError` that lists the choices.

This is the only place syncreport ever asks a question; the questions go through a :class:`Prompter` the
CLI provides, so this module prints nothing itself.

Longer than 400 lines: the wizard's questions and the site probing they need, in the order they are asked.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from syncreport.config import JiraSettings, check_site_url, config_from_dict, is_env_name
from syncreport.deliver.files import atomic_write
from syncreport.errors import ConfigError, JiraError
from syncreport.jira import endpoints
from syncreport.jira.agenda import ACTUAL_VALUE_NAMES, PLANNED_VALUE_NAMES
from syncreport.jira.client import JiraClient
from syncreport.jira.endpoints import Deployment
from syncreport.jira.fields import EPIC_LINK_SCHEMA, SPRINT_SCHEMA, STORY_POINTS_SCHEMA, TEAM_SCHEMAS
from syncreport.jira.probe import anonymous_probe, detect_deployment
from syncreport.logs import register_secret

_PI_NAME = re.compile(r"(?i)(^|[^a-z])PI([^a-z]|$)|program increment")
_STORY_POINT_NAMES = ("story points", "story point estimate")
_ATTEMPTS = 3  # wrong answers to one question before init gives up


class Prompter(Protocol):
    def say(self, message: str) -> None: ...

    def ask(self, question: str, default: str | None = None) -> str: ...

    def confirm(self, question: str, default: bool = True) -> bool: ...


@dataclass(frozen=True, slots=True)
class InitOptions:
    path: Path = Path("syncreport.toml")
    url: str | None = None
    token_env: str | None = None
    email: str | None = None
    projects: tuple[str, ...] = ()
    boards: tuple[int, ...] = ()
    train: str | None = None
    jql: str | None = None
    link_types: tuple[str, ...] = ()  # "NAME:outward" / "NAME:inward"
    force: bool = False
    api_url: str | None = None  # Cloud scoped tokens: the API gateway URL, when the user knows it
    gateway: str = endpoints.ATLASSIAN_GATEWAY  # where scoped tokens go (tests hand in a loopback simulator)


@dataclass(frozen=True, slots=True)
class InitResult:
    path: Path
    config: dict[str, Any]
    deployment: str


@dataclass(frozen=True, slots=True)
class SiteFields:
    """What ``/field`` says: the names to put in the config (None: the site has no such field)."""

    sprint: str | None
    story_points: str  # a field name, or "auto" when there are several candidates
    team: str | None
    parent: str
    notes: tuple[str, ...] = field(default=())
    planned_value: str | None = None  # PI objectives' business value fields ([objectives])
    actual_value: str | None = None


class _Silent:
    """The non-interactive "prompter": never asks; a question without a default is an error."""

    def say(self, message: str) -> None:
        pass

    def ask(self, question: str, default: str | None = None) -> str:
        if default is None:
            raise ConfigError(f"--non-interactive: no answer for '{question}'; pass it as an option")
        return default

    def confirm(self, question: str, default: bool = True) -> bool:  # noqa: ARG002 - the Prompter's signature
        return default


# --- what the site says ----------------------------------------------------------------------------------


def find_fields(fields: Sequence[dict[str, Any]], deployment: str) -> SiteFields:
    """Pick the Sprint, Story points, Team and parent fields from a ``/field`` answer."""

    def custom(item: dict[str, Any]) -> str:
        return str((item.get("schema") or {}).get("custom") or "")

    def named(item: dict[str, Any]) -> str:
        return str(item.get("name") or "")

    notes: list[str] = []
    sprint = next((named(f) for f in fields if custom(f) == SPRINT_SCHEMA), None)
    if sprint is None:
        notes.append("no Sprint field (is Jira Software installed?): sprint indicators will be empty")
    point_fields = sorted(
        {
            named(f)
            for f in fields
            if custom(f) == STORY_POINTS_SCHEMA or named(f).lower() in _STORY_POINT_NAMES
        }
    )
    story_points = point_fields[0] if len(point_fields) == 1 else "auto"
    if not point_fields:
        notes.append("no Story points field: points-based figures will be left out")
    team = next((named(f) for f in fields if custom(f) in TEAM_SCHEMAS), None) or next(
        (named(f) for f in fields if named(f).lower() == "team"), None
    )
    epic_link = next((named(f) for f in fields if custom(f) == EPIC_LINK_SCHEMA), None)
    parent = "parent" if deployment == "cloud" or epic_link is None else epic_link
    by_name = {named(f).casefold(): named(f) for f in fields}
    planned = next((by_name[n] for n in PLANNED_VALUE_NAMES if n in by_name), None)
    actual = next((by_name[n] for n in ACTUAL_VALUE_NAMES if n in by_name), None)
    if planned is None or actual is None:
        notes.append(
            "no planned and actual business value fields found: PI objectives will show no predictability "
            "until [objectives] planned_value_field and actual_value_field are set"
        )
    return SiteFields(sprint, story_points, team, parent, tuple(notes), planned, actual)


def _projects(client: JiraClient) -> list[dict[str, Any]]:
    answer = client.get(endpoints.PROJECTS, missing_ok=True)
    return [p for p in answer or [] if isinstance(p, dict) and p.get("key")]


def _boards(client: JiraClient, project: str) -> list[dict[str, Any]]:
    return client.library.boards(project)


def pi_versions(client: JiraClient, projects: Sequence[str]) -> list[str]:
    """Version names that look like PIs ("PI 26.4", "2026 PI-1"), oldest release date first."""
    found: dict[str, str] = {}
    for key in projects:
        for version in client.get(endpoints.project_versions(key), missing_ok=True) or []:
            name = str(version.get("name") or "")
            if _PI_NAME.search(name) and name not in found:
                found[name] = str(version.get("releaseDate") or "9999")
    return sorted(found, key=lambda name: (found[name], name))


def _link_types(client: JiraClient) -> list[dict[str, Any]]:
    answer = client.get(endpoints.LINK_TYPES, missing_ok=True) or {}
    return [t for t in answer.get("issueLinkTypes") or [] if t.get("name")]


# --- the questions ---------------------------------------------------------------------------------------


def _ask_url(options: InitOptions, prompt: Prompter) -> str:
    url = options.url or prompt.ask("Jira site URL (e.g. https://acme.atlassian.net)")
    try:
        return check_site_url(url)
    except ValueError as exc:  # never echo the URL: it may carry a token
        raise ConfigError(f"the Jira URL {exc}") from None


def _ask_api_url(options: InitOptions) -> str | None:
    if options.api_url is None:
        return None
    try:
        return check_site_url(options.api_url)
    except ValueError as exc:
        raise ConfigError(f"--api-url {exc}") from None


def _sign_in(
    settings: JiraSettings, options: InitOptions, prompt: Prompter, path: Path
) -> tuple[JiraSettings, dict[str, Any]]:
    """Sign in (GET myself); on Cloud, a token the site URL refuses with 401 may be a scoped API token, which
    works only through the platform gateway: the site's cloud id (its anonymous /_edge/tenant_info) gives the
    gateway URL, which is proposed and tried. Returns the settings that worked and who signed in."""
    assert settings.deployment in ("cloud", "datacenter")
    try:
        with JiraClient(settings, settings.deployment, config_name=str(path)) as client:
            return settings, client.library.myself(v2=True)
    except JiraError as exc:
        if settings.deployment != "cloud" or settings.api_url or exc.status != 401:
            raise
        refused = exc
    cloud_id = _cloud_id(settings)
    if cloud_id is None:
        raise refused
    gateway = f"{options.gateway.rstrip('/')}/ex/jira/{cloud_id}"
    prompt.say(
        f"{settings.url} refused the token (HTTP 401). A scoped API token (the only kind a service account "
        f"has) works through Atlassian's API gateway instead: {gateway}"
    )
    if not prompt.confirm("Try the token through the API gateway?", True):
        raise refused
    through = settings.model_copy(update={"api_url": gateway})
    try:
        with JiraClient(through, settings.deployment, config_name=str(path)) as client:
            me = client.library.myself(v2=True)
    except JiraError as exc:
        if exc.status != 401:
            raise
        raise JiraError(
            f"Jira Cloud rejected the API token in ${settings.token_env} for {settings.email} on the site URL "
            f"and through the API gateway {gateway} (HTTP 401): check [jira].email and the token's scopes, "
            "or create a new token at https://id.atlassian.com/manage-profile/security/api-tokens",
            status=401,
        ) from None
    prompt.say(f"The token works through the gateway: [jira].api_url = {gateway}")
    return through, me


def _cloud_id(settings: JiraSettings) -> str | None:
    """The site's cloud id from its anonymous ``/_edge/tenant_info`` ({"cloudId": ...}); None without one."""
    try:
        with JiraClient(settings.model_copy(update={"api_url": None}), None) as anonymous:
            answer = anonymous.get(endpoints.CLOUD_TENANT_INFO, missing_ok=True)
    except JiraError:
        return None
    cloud_id = answer.get("cloudId") if isinstance(answer, dict) else None
    return str(cloud_id) if cloud_id and re.fullmatch(r"[0-9a-fA-F-]{8,64}", str(cloud_id)) else None


def _ask_token_env(options: InitOptions, prompt: Prompter, kind: str) -> str:
    name = options.token_env or prompt.ask(
        f"NAME of the environment variable that holds your {kind} (not the token itself)", "JIRA_API_TOKEN"
    )
    if not is_env_name(name):
        register_secret(name)  # it may be a pasted token: keep it out of every log
        raise ConfigError(
            "that is not an environment variable name (did you paste the token?); export the token as "
            "JIRA_API_TOKEN=... in your shell and give the NAME JIRA_API_TOKEN"
        )
    return name


def _choose_projects(options: InitOptions, prompt: Prompter, projects: list[dict[str, Any]]) -> list[str]:
    keys = [str(p["key"]) for p in projects]
    if options.projects:
        unknown = [k for k in options.projects if keys and k not in keys]
        if unknown:
            raise ConfigError(
                f"project {', '.join(unknown)} is not on this site or not visible to you; "
                f"projects you can see: {', '.join(keys[:30])}"
            )
        return list(options.projects)
    if isinstance(prompt, _Silent):
        raise ConfigError(
            "--non-interactive needs --project (repeat for each team project); "
            f"projects you can see: {', '.join(keys[:30]) or '(none listed)'}"
        )
    for project in projects:
        prompt.say(f"  {project['key']:<10} {project.get('name', '')}")
    for _ in range(_ATTEMPTS):
        answer = prompt.ask("Project keys of the train (comma-separated)")
        chosen = tuple(k.strip().upper() for k in answer.split(",") if k.strip())
        try:
            if not chosen:
                raise ConfigError("no project chosen; name the train's projects")
            return _choose_projects(InitOptions(projects=chosen), prompt, projects)
        except ConfigError as exc:
            prompt.say(f"  {exc.message}")
    raise ConfigError("no valid project keys given; run 'syncreport init' again")


def _choose_boards(options: InitOptions, prompt: Prompter, boards: list[dict[str, Any]]) -> list[int]:
    if options.boards:
        return list(options.boards)
    scrum = [int(b["id"]) for b in boards if str(b.get("type", "scrum")) == "scrum"]
    for board in boards:
        prompt.say(f"  {board['id']:<6} {board.get('name', '')} ({board.get('type', '?')})")
    if not boards:
        return []
    answer = prompt.ask("Board ids of the train's teams (comma-separated)", ", ".join(map(str, scrum)))
    try:
        return [int(part) for part in answer.replace(" ", "").split(",") if part]
    except ValueError:
        raise ConfigError(f"'{answer}' is not a list of board ids") from None


def _parse_link_type(spec: str, known: set[str]) -> dict[str, str]:
    name, _, side = spec.rpartition(":")
    if not name or side not in ("outward", "inward"):
        raise ConfigError(
            f"--link-type '{spec}' must be NAME:outward or NAME:inward (the side that provides)"
        )
    if known and name not in known:
        raise ConfigError(f"link type '{name}' is not on this site; it has: {', '.join(sorted(known))}")
    return {"name": name, "provider": side}


def _choose_link_types(
    options: InitOptions, prompt: Prompter, types: list[dict[str, Any]]
) -> list[dict[str, str]]:
    known = {str(t["name"]) for t in types}
    if options.link_types:
        return [_parse_link_type(spec, known) for spec in options.link_types]
    chosen: list[dict[str, str]] = []
    if isinstance(prompt, _Silent):
        if known and "Blocks" not in known:
            raise ConfigError(
                f"this site has no 'Blocks' link type; pass --link-type NAME:outward|inward, one of: "
                f"{', '.join(sorted(known))}"
            )
        return [{"name": "Blocks", "provider": "outward"}]
    for link in types:
        text = f"{link['name']} {link.get('outward', '')} {link.get('inward', '')}".lower()
        if not any(word in text for word in ("block", "depend", "need", "provide")):
            continue
        outward = link.get("outward", "relates to")
        if not prompt.confirm(
            f"Is '{link['name']}' a dependency link (A {outward} B)?", link["name"] == "Blocks"
        ):
            continue
        question = f"In 'A {outward} B', which issue delivers what the other needs? (A/B)"
        side = ""
        for _ in range(_ATTEMPTS):
            side = prompt.ask(question, "A").strip().upper()
            if side in ("A", "B"):
                break
            prompt.say("  answer A or B")
        else:
            raise ConfigError(
                f"no A/B answer for the direction of '{link['name']}'; run 'syncreport init' again"
            )
        chosen.append({"name": str(link["name"]), "provider": "outward" if side == "A" else "inward"})
    return chosen or [{"name": "Blocks", "provider": "outward"}]


# --- writing ---------------------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def render_toml(config: dict[str, Any], notes: Sequence[str] = ()) -> str:
    lines = [
        "# syncreport configuration, written by 'syncreport init'. Every key: config.example.toml.",
        "# Secrets are never stored here: the token is read from the environment variable named in token_env.",
    ]
    lines += [f"# NOTE: {note}" for note in notes]
    order = ("jira", "train", "iterations", "thresholds", "report", "email", "cache", "logging")
    for section in sorted(config, key=lambda name: order.index(name) if name in order else len(order)):
        values = config[section]
        lines += ["", f"[{section}]"]
        nested = []
        for key, value in values.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                nested.append((key, value))
            elif value is not None:
                lines.append(f"{key} = {_toml(value)}")
        for key, tables in nested:
            for table in tables:
                lines += ["", f"[[{section}.{key}]]"] + [f"{k} = {_toml(v)}" for k, v in table.items()]
    lines += [
        "",
        "# To e-mail the PDF, add (password from the environment, never here):",
        "# [email]",
        "# enabled = true",
        '# smtp_host = "smtp.example.com"',
        '# security = "starttls"',
        '# username = "reports@example.com"',
        '# password_env = "SYNCREPORT_SMTP_PASSWORD"',
        '# sender = "reports@example.com"',
        '# to = ["rte@example.com"]',
    ]
    return "\n".join(lines) + "\n"


def _train_name(
    options: InitOptions, prompt: Prompter, projects: list[dict[str, Any]], keys: list[str]
) -> str:
    names = {str(p["key"]): str(p.get("name") or p["key"]) for p in projects}
    default = names.get(keys[0], keys[0]) if len(keys) == 1 else f"{names.get(keys[0], keys[0])} train"
    return options.train or prompt.ask("Name of the train (shown on the report)", default)


def _site_and_credentials(
    url: str, options: InitOptions, prompt: Prompter
) -> tuple[Deployment, str, str | None]:
    """Cloud or Data Center from serverInfo's deploymentType (never guessed from the URL), the token's
    variable and (Cloud) the account's e-mail. A site that refuses anonymous callers is asked signed in,
    as ``deployment = "auto"`` does (:func:`~syncreport.jira.probe.detect_deployment`)."""
    probe = anonymous_probe(JiraSettings(url=url), config_name=str(options.path))
    if probe is not None:
        cloud = probe.deployment == "cloud"
        prompt.say(f"{url} is Jira {'Cloud' if cloud else 'Data Center'}.")
        token_env = _ask_token_env(options, prompt, "API token" if cloud else "personal access token")
        email = None
        if cloud:
            email = options.email or prompt.ask("E-mail of the Atlassian account that owns the API token")
        return probe.deployment, token_env, email
    prompt.say(
        f"{url} does not tell anonymous callers whether it is Jira Cloud or Data Center; signing in to ask."
    )
    token_env = _ask_token_env(options, prompt, "API token (Cloud) or personal access token (Data Center)")
    email = options.email or prompt.ask(
        "E-mail of the Atlassian account (Jira Cloud only; empty for Data Center)", ""
    )
    settings = JiraSettings(url=url, api_url=_ask_api_url(options), email=email or None, token_env=token_env)
    register_secret(settings.token(), user=email or None)
    if not settings.token():
        raise ConfigError(
            f"the environment variable {token_env} is empty or not set: export your Jira token in it, then run "
            "'syncreport init' again"
        )
    found = detect_deployment(settings, config_name=str(options.path)).deployment
    prompt.say(f"{url} is Jira {'Cloud' if found == 'cloud' else 'Data Center'}.")
    return found, token_env, (email or None) if found == "cloud" else None  # Cloud answers signed in with one


def run_init(options: InitOptions, prompter: Prompter | None = None) -> InitResult:
    """Ask (or take from ``options``), discover, and write the config; return what was written."""
    prompt: Prompter = prompter or _Silent()
    path = Path(options.path)
    if path.exists() and not options.force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it or choose another --config")
    url = _ask_url(options, prompt)
    deployment, token_env, email = _site_and_credentials(url, options, prompt)
    api_url = _ask_api_url(options) if deployment == "cloud" else None
    settings = JiraSettings(url=url, api_url=api_url, deployment=deployment, email=email, token_env=token_env)
    register_secret(settings.token(), user=email)
    settings, me = _sign_in(settings, options, prompt, path)
    with JiraClient(settings, deployment, config_name=str(path)) as client:
        prompt.say(f"Signed in as {me.get('displayName') or me.get('name') or 'you'}.")
        projects = _projects(client)
        keys = _choose_projects(options, prompt, projects)
        boards = [board for key in keys for board in _boards(client, key)]
        board_ids = _choose_boards(options, prompt, list({int(b["id"]): b for b in boards}.values()))
        found = find_fields(client.library.fields(v2=True), deployment)
        site_link_types = _link_types(client)
        link_types = _choose_link_types(options, prompt, site_link_types)
        pi_order = pi_versions(client, keys)
    notes = list(found.notes)
    unused = sorted({str(t["name"]) for t in site_link_types} - {t["name"] for t in link_types})
    if unused:
        notes.append(
            f"link types not used as dependencies: {', '.join(unused)}; add a [[train.dependency_link_types]] "
            "entry for any that is one (provider = the side that delivers)"
        )
    if not pi_order:
        notes.append(
            "no versions named like a PI found; set train.pi_order (oldest first) if the order matters"
        )
    train: dict[str, Any] = {
        "name": _train_name(options, prompt, projects, keys),
        "jql": options.jql or prompt.ask("JQL of the train's issues", f"project in ({', '.join(keys)})"),
        "pi_source": "fixVersion",
        "pi_order": pi_order,
    }
    if found.team:
        train.update(team_source="field", team_field=found.team)
    else:
        train["team_source"] = "project" if len(keys) > 1 else "component"
        notes.append(f"no Team field: teams are taken from the issue's {train['team_source']}")
    train.update(
        sprint_field=found.sprint or "Sprint",
        story_points_field=found.story_points,
        parent_field=found.parent,
        boards=board_ids,
        dependency_link_types=link_types,
    )
    jira: dict[str, Any] = {"url": url, "deployment": deployment, "token_env": token_env}
    if settings.api_url:
        jira["api_url"] = settings.api_url
    if email:
        jira["email"] = email
    data: dict[str, Any] = {"jira": jira, "train": train}
    if found.planned_value and found.actual_value:
        data["objectives"] = {
            "planned_value_field": found.planned_value,
            "actual_value_field": found.actual_value,
        }
    config_from_dict(data, source=path)  # what we write must load
    for note in notes:
        prompt.say(f"Note: {note}")
    text = render_toml(data, notes)
    if tomllib.loads(text) != data:
        raise AssertionError("the written TOML does not read back as the config it was made from")
    atomic_write(path, text.encode("utf-8"))
    return InitResult(path=path, config=data, deployment=deployment)
