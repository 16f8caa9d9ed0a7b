"""``syncreport check``: is this config good to pull a train? One result per check, each with its fix.

The checks run in order (config, token, connectivity, authentication, field mapping, the JQL's count,
boards, risks and PI objectives); when one fails, those that depend on it are reported as not run rather than failing noisily.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncreport.config import Config
from syncreport.errors import JiraError, SyncreportError
from syncreport.jira import endpoints
from syncreport.jira.agenda import AgendaFetcher, agenda_fields
from syncreport.jira.client import JiraClient
from syncreport.jira.fields import FieldMap, discover_fields
from syncreport.jira.probe import ServerProbe, detect_deployment
from syncreport.kinds import Deployment

_DIALECTS: dict[Deployment, str] = {
    "cloud": "Cloud API (REST v3, search/jql, bulk fetches)",
    "datacenter": "Data Center API (REST v2, search with startAt)",
}


class _Failed(SyncreportError):
    """A check's own finding (the step's fix applies); errors from the client carry their own fix."""


class _Warned(SyncreportError):
    """Not a failure, but worth saying (the step's fix applies): the pull will still work."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # ok, but with something to look at (``detail`` says what)


def _quick(config: Config) -> Config:
    """The config with a short retry budget: a check should answer in seconds, not minutes."""
    jira = config.jira.model_copy(update={"max_retry_seconds": min(config.jira.max_retry_seconds, 10.0)})
    return config.model_copy(update={"jira": jira})


class _Checker:
    def __init__(self, config: Config) -> None:
        self.config = _quick(config)
        self.source = str(config.source or "the config")
        self.results: list[CheckResult] = []
        self.deployment: Deployment | None = None
        self.client: JiraClient | None = None
        self.fields: FieldMap | None = None
        self.projects: list[str] = []
        self.site_fields: list[dict[str, Any]] = []

    def step(self, name: str, action: Callable[[], str], fix: str) -> bool:
        try:
            detail = action()
        except _Failed as exc:
            self.results.append(CheckResult(name, False, exc.message, fix))
            return False
        except _Warned as exc:
            self.results.append(CheckResult(name, True, exc.message, fix, warning=True))
            return True
        except SyncreportError as exc:
            self.results.append(CheckResult(name, False, exc.message))
            return False
        self.results.append(CheckResult(name, True, detail))
        return True

    def skip(self, *names: str) -> None:
        for name in names:
            self.results.append(
                CheckResult(name, False, "not checked: an earlier check failed", "fix the first failure")
            )

    # --- the checks -------------------------------------------------------------------------------------

    def config_ok(self) -> str:
        return f"{self.source} is valid (train '{self.config.train.name}', site {self.config.jira.url})"

    def token(self) -> str:
        settings = self.config.jira
        if not settings.token():
            raise _Failed(f"the environment variable {settings.token_env} is empty or not set")
        return f"a token is set in ${settings.token_env}"

    def connectivity(self) -> str:
        configured = self.config.jira.deployment
        try:
            probe: ServerProbe | None = detect_deployment(self.config.jira, config_name=self.source)
        except JiraError as exc:
            if configured == "auto" or not exc.message.startswith("cannot tell whether"):
                raise
            probe = None  # the site does not say; the configured dialect is used
        info = probe.info if probe else {}
        found: Deployment = probe.deployment if probe else "cloud" if configured == "cloud" else "datacenter"
        deployment: Deployment = found if configured == "auto" else configured
        self.deployment = deployment
        version = info.get("version") or "version not shown"
        kind = "Jira Cloud" if found == "cloud" else "Jira Data Center / Server"
        if probe is not None and configured not in ("auto", found):
            raise _Failed(
                f"reached {self.config.jira.api_base}: {kind} ({version}); but [jira].deployment says {configured}"
            )
        how = "signed in" if probe and probe.signed_in else "anonymously"
        said = f"{kind} ({version}), serverInfo asked {how}" if probe else "serverInfo does not say"
        using = _DIALECTS[deployment]
        why = "detected" if configured == "auto" else "[jira].deployment"
        return f"reached {self.config.jira.api_base}: {said}; using the {using} ({why})"

    def auth(self) -> str:
        assert self.deployment is not None
        self.client = JiraClient(self.config.jira, self.deployment, config_name=self.source)
        me = self.client.library.myself()
        who = me.get("displayName") or me.get("name") or "?"
        mail = me.get("emailAddress")
        settings = self.config.jira
        through = (
            f"through the API gateway {settings.api_url} ([jira].api_url; report links use {settings.url})"
            if settings.api_url
            else f"at {settings.url}"
        )
        return f"authenticated as {who}" + (f" <{mail}>" if mail else "") + f", API base URL {through}"

    def field_mapping(self) -> str:
        assert self.client is not None
        self.site_fields = self.client.library.fields()
        fm = discover_fields(self.site_fields, self.config.train, source=self.source)
        self.fields = fm
        parts = [f"sprint={fm.sprint}"]
        parts.append(f"story points={fm.points or 'none found (points-based figures will be omitted)'}")
        if fm.team:
            parts.append(f"team={fm.team}")
        parts.append(f"parent={fm.parent}" + (f" (+ Epic Link {fm.epic_link})" if fm.epic_link else ""))
        if fm.pi:
            parts.append(f"PI={fm.pi}")
        if fm.business_value_planned:
            parts.append(f"business value={fm.business_value_planned}/{fm.business_value_actual}")
        return ", ".join(parts)

    def jql_count(self) -> str:
        assert self.client is not None
        jql = self.config.train.jql
        cloud = self.deployment == "cloud"
        approximate = self.client.post(endpoints.CLOUD_COUNT, {"jql": jql}) if cloud else None
        page = self.client.post(
            endpoints.search(self.deployment), {"jql": jql, "fields": ["project"], "maxResults": 100}
        )
        count = int((approximate.get("count") if approximate is not None else page.get("total")) or 0)
        self.projects = sorted(
            {str(((i.get("fields") or {}).get("project") or {}).get("key")) for i in page.get("issues") or ()}
        )
        if count == 0:
            raise _Failed(f"the train's JQL matches no issue ({' '.join(jql.split())})")
        about = "about " if self.deployment == "cloud" else ""
        return f"the JQL matches {about}{count} issues in {', '.join(self.projects) or 'no project'}"

    def boards(self) -> str:
        assert self.client is not None
        configured = self.config.train.boards
        if configured:
            found = [self.client.get(endpoints.board(b), missing_ok=True) for b in configured]
            missing = [str(b) for b, f in zip(configured, found, strict=True) if f is None]
            if missing:
                raise _Failed(f"board(s) {', '.join(missing)} of [train].boards not found or not visible")
            boards = [f for f in found if f]
        else:
            boards = []
            for project in self.projects:
                boards.extend(self.client.library.boards(project))
        if not boards:
            raise _Warned(
                "no board found for the train's projects: the report still runs, with the sprints its issues "
                "name (sprints no issue is in yet are not shown)"
            )
        names = ", ".join(f"{b.get('name')} ({b.get('id')})" for b in boards[:12])
        more = f" and {len(boards) - 12} more" if len(boards) > 12 else ""
        return f"{len(boards)} board(s): {names}{more}"

    def agenda(self) -> str:
        """Risks and PI objectives: their fields found by name, their JQL run; what is missing is named
        (not a failure: a train may run its ROAM board elsewhere)."""
        assert self.client is not None and self.fields is not None
        agenda, notes = agenda_fields(self.site_fields, self.config, source=self.source)
        found = AgendaFetcher(
            self.client,
            cloud=self.deployment == "cloud",
            config=self.config,
            fields=self.fields,
            agenda=agenda,
            statuses=self.client.get(endpoints.statuses(self.deployment)),
        ).fetch(self.projects, notes)
        risks, objectives = self.config.risks, self.config.objectives
        parts = [
            f"{len(found.risks)} risk(s), ROAM state from the {risks.roam_source}"
            + (f" {agenda.roam}" if agenda.roam else ""),
            f"{len(found.objectives)} PI objective(s), business value "
            f"{agenda.planned or 'none'}/{agenda.actual or 'none'}, commitment from the "
            f"{objectives.committed_source}" + (f" {agenda.committed}" if agenda.committed else ""),
        ]
        missing = [*found.risk_notes, *found.objective_notes]
        return "; ".join(parts) + (f". Not set up: {'; '.join(missing)}" if missing else "")

    def run(self) -> list[CheckResult]:
        try:
            self._run()
        finally:
            if self.client is not None:
                self.client.close()
        return self.results

    def _run(self) -> None:
        self.step("config", self.config_ok, "")
        if not self.step(
            "token",
            self.token,
            f"export the token in ${self.config.jira.token_env}, or change [jira].token_env",
        ):
            self.skip("connectivity", "authentication", "fields", "jql", "boards", "risks and objectives")
            return
        if not self.step(
            "connectivity",
            self.connectivity,
            "check [jira].url (the site's base URL), network, proxy or [jira].ca_bundle",
        ):
            self.skip("authentication", "fields", "jql", "boards", "risks and objectives")
            return
        auth_fix = (
            "check [jira].email and create a new API token at https://id.atlassian.com/manage-profile/security/api-tokens"
            if self.deployment == "cloud"
            else "create a new personal access token under your Jira profile"
        )
        if not self.step("authentication", self.auth, auth_fix):
            self.skip("fields", "jql", "boards", "risks and objectives")
            return
        self.step(
            "fields",
            self.field_mapping,
            f"set the field's name or id in [train] of {self.source} (see the candidates)",
        )
        if self.step(
            "jql", self.jql_count, f"fix [train].jql in {self.source} (try it in Jira's issue search first)"
        ):
            self.step(
                "boards",
                self.boards,
                "set [train].boards to the ids of the teams' boards, or check board permissions",
            )
            if self.fields is not None:
                self.step(
                    "risks and objectives",
                    self.agenda,
                    f"set [risks] / [objectives] in {self.source} (see docs/configuration.md)",
                )
            else:
                self.skip("risks and objectives")
        else:
            self.skip("boards", "risks and objectives")


def run_checks(config: Config) -> list[CheckResult]:
    """Check config, connectivity, auth, field mapping, the JQL's count and boards; one result each."""
    return _Checker(config).run()
