"""What the simulator's endpoints share: Jira's page caps and messages, the error an endpoint raises, and
:class:`ApiCore` (the site, the dialect, the JQL cache, request parameters and page tokens).

The endpoints are in :mod:`syncreport.simulator.api` (the platform's, and the router),
:mod:`syncreport.simulator.issues_api` (searches, bulk fetches, an issue and its changelog) and
:mod:`syncreport.simulator.agile_api` (boards and sprints).
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from syncreport.simulator.consistency import SearchIndex
from syncreport.simulator.fields import field_ids
from syncreport.simulator.jql import JqlError, parse_jql, run_query
from syncreport.simulator.model import Issue, Site
from syncreport.simulator.render import SYSTEM_FIELDS, Renderer

CLOUD_INLINE_CHANGELOG = 40  # search/jql and issue/bulkfetch keep only the most recent 40 histories
CLOUD_ISSUE_CHANGELOG = 100  # GET issue?expand=changelog on Cloud
DC_INLINE_CHANGELOG = 100  # /rest/api/2/search on Data Center
CLOUD_ID_PAGE = 5000  # search/jql page cap when only id/key are asked
CLOUD_PAGE = 100  # ... and with any other field or changelog
DC_PAGE = 1000  # Data Center's jira.search.views.default.max
CHANGELOG_PAGE = 100
BULK_ISSUES = 100
BULK_ISSUES_SHAPED = 1000  # issue/bulkfetch with named fields and no heavy expand
HEAVY_EXPANDS = frozenset(
    {"changelog", "editmeta", "operations", "renderedFields", "transitions", "versionedRepresentations"}
)
BULK_CHANGELOG_ISSUES = 1000
BULK_CHANGELOG_FIELDS = 10
BULK_CHANGELOG_PAGE = (
    1,
    10_000,
)  # BulkChangelogRequestBean.maxResults: minimum 1, maximum 10000, default 1000
TOKEN_LIFETIME = timedelta(days=7)  # search/jql: "This token will expire in 7 days"
# The request beans' properties (the OpenAPI's SearchAndReconcileRequestBean and BulkChangelogRequestBean):
# a body with any other property is refused, as Jira's JSON binding refuses an unknown field.
SEARCH_JQL_KEYS = frozenset(
    {"jql", "nextPageToken", "maxResults", "fields", "expand", "properties", "fieldsByKeys", "failFast",
     "reconcileIssues"}
)  # fmt: skip
BULK_CHANGELOG_KEYS = frozenset({"issueIdsOrKeys", "fieldIds", "maxResults", "nextPageToken"})
AGILE_PAGE = 50

UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
NO_ISSUE = "Issue does not exist or you do not have permission to see it."
KANBAN_NO_SPRINTS = "The board does not support sprints"
SEARCH_LIMIT = (
    "Search limit exceeded. We couldn't complete your search because it requests {wanted:,} results which "
    "exceeded the search platform limit of {window:,}. Try refining your query or contact your Jira "
    "administrator. Repeating the same search may not work."
)
DC_MAX_RESULT_WINDOW = 10_000  # jira.search.platform.max.result.window's default (OpenSearch's too)
SPRINT_STATE_ORDER = {"closed": 0, "active": 1, "future": 2}


class ApiError(Exception):
    def __init__(self, status: int, *messages: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(messages[0] if messages else str(status))
        self.status = status
        self.body = {"errorMessages": list(messages), "errors": errors or {}}


Params = dict[str, Any]


class ApiCore:
    """The site, the dialect and the helpers every endpoint shares (the queries' cache, parameters, page
    tokens); :class:`~syncreport.simulator.api.Api` adds the endpoints."""

    def __init__(
        self,
        site: Site,
        deployment: str,
        base_url: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if deployment not in ("cloud", "datacenter"):
            raise ValueError(f"deployment must be 'cloud' or 'datacenter', not {deployment!r}")
        self.site = site
        self.clock = clock  # the simulator's "now": JQL's now() and serverTime
        self.deployment = deployment
        self.cloud = deployment == "cloud"
        self.render = Renderer(site, deployment, base_url)
        self.base_url = base_url
        self.max_result_window = DC_MAX_RESULT_WINDOW if not self.cloud else 10**9
        ids = field_ids(deployment)
        self.all_field_ids = SYSTEM_FIELDS | {
            ids.sprint, ids.team, ids.points, ids.flagged, ids.rank, ids.bv_planned, ids.bv_actual,
        }  # fmt: skip
        if ids.epic_link:
            self.all_field_ids |= {ids.epic_link}
        self._cache: OrderedDict[tuple[Any, ...], list[Issue]] = OrderedDict()
        self.index = SearchIndex()  # Cloud search's eventual consistency (the ``search_lag_s`` knob)
        self._by_id_cache: tuple[int, dict[int, Issue], frozenset[str]] = (-1, {}, frozenset())
        # changelog/bulkfetch: each request's histories in Jira's order, kept while its pages are asked for
        self._changelog_orders: OrderedDict[tuple[str, int], list[tuple[Issue, int]]] = OrderedDict()
        # The server's paging fault for the request being answered ("repeat_token" | "never_last" | None)
        self.paging_fault: str | None = None

    # --- helpers ---------------------------------------------------------------------------------------

    def query(
        self, jql: str, *, validate: bool = True, reconcile: frozenset[int] = frozenset()
    ) -> list[Issue]:
        """The issues a JQL selects (visible ones only), cached per query and data version.

        Cloud's searches see the index (:mod:`syncreport.simulator.consistency`): with the ``search_lag_s``
        knob, recent edits and deletions are not seen yet, except for the ``reconcile`` ids."""
        now = self.clock()
        lagging = self.cloud and self.index.lag_s > 0
        state = self.index.version(now) if lagging else None
        cache_key = (jql, self.site.version, validate, state, reconcile if lagging else None)
        hit = self._cache.get(cache_key)
        if hit is not None:
            self._cache.move_to_end(cache_key)
            return hit
        try:
            query = parse_jql(jql, self.site, self.deployment, now=now, validate=validate)
        except JqlError as exc:
            raise ApiError(400, str(exc)) from None
        issues = [i for i in self.site.issues if self.site.visible(i)]
        if lagging:
            issues, _ = self.index.view(issues, now, reconcile)
            issues = [i for i in issues if self.site.visible(i)]
        result = run_query(query, issues)
        self._cache[cache_key] = result
        if len(self._cache) > 32:
            self._cache.popitem(last=False)
        return result

    def bounded(self, jql: str) -> bool:
        try:
            return parse_jql(jql, self.site, self.deployment, now=self.clock()).bounded
        except JqlError as exc:
            raise ApiError(400, str(exc)) from None

    def issue_by_ref(self, ref: str) -> Issue | None:
        """The visible issue with this id or key (a key is never all digits)."""
        by_id, visible = self._by_id()
        if ref.isdigit():
            issue = by_id.get(int(ref))
        else:  # "a case-insensitive search and check for moved issues is performed" (GET issue, bulkfetch)
            key = ref.upper()
            issue = self.site.by_key.get(key) or self.site.by_key.get(self.site.moved.get(key, ""))
        if issue is None or issue.project not in visible:
            return None
        return issue

    def _by_id(self) -> tuple[dict[int, Issue], frozenset[str]]:
        """Issues by id, and the keys of the projects the API user may browse, for this version of the site."""
        if self._by_id_cache[0] != self.site.version:
            visible = frozenset(p.key for p in self.site.projects if p.visible)
            self._by_id_cache = (self.site.version, {i.id: i for i in self.site.issues}, visible)
        return self._by_id_cache[1], self._by_id_cache[2]

    def wanted(self, fields: Any, default: str) -> set[str] | None:
        """Jira's ``fields`` parameter: *all, *navigable, ids, -exclusions. None = every field."""
        names = as_list(fields)
        if not names:
            names = [default]
        every = any(n in ("*all", "*navigable") for n in names)
        excluded = {n[1:] for n in names if n.startswith("-")}
        if every:
            return None if not excluded else self.all_field_ids - excluded
        return {n for n in names if not n.startswith("-") and not n.startswith("*")} or {"id"}

    @staticmethod
    def integer(params: Params, name: str, default: int) -> int:
        value = params.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"The value '{value}' is not valid for the parameter '{name}'.") from None

    @staticmethod
    def text(params: Params, name: str) -> str:
        value = params.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return "" if value is None else str(value)

    def token(self, payload: dict[str, Any]) -> str:
        """A page token: the request it belongs to (``q``), the offset (``o``) and when it was made (``t``)."""
        payload = {**payload, "t": payload.get("t", int(self.clock().timestamp()))}
        return (
            base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        )

    def untoken(self, token: Any, digest: str) -> tuple[int, int]:
        """(offset, time made) of a token of this request; refused when malformed, made for another request
        (search/jql: "the token encodes the query") or older than 7 days ("This token will expire in 7
        days")."""
        try:
            if not isinstance(token, str):
                raise TypeError("a token is a string")
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if data["q"] != digest:
                raise ValueError("token of another query")
            made = int(data["t"])
            if datetime.fromtimestamp(made, UTC) + TOKEN_LIFETIME < self.clock():
                raise ValueError("expired")
            return int(data["o"]), made
        except (ValueError, KeyError, TypeError):
            raise ApiError(400, "The provided next page token is invalid or expired.") from None


NOT_A_STRING = "Cannot deserialize value of type `java.lang.String` from Array value (property '{name}')."


def bean(params: Params, keys: frozenset[str], bean: str) -> Params:
    """A POST's JSON body as its request bean: only the body counts (not the query string), and a property
    the bean does not declare is refused with 400, as Jira's JSON binding does."""
    body = params.get("@body")
    if not isinstance(body, dict):
        raise ApiError(400, f"The request body must be a JSON object ({bean}).")
    unknown = sorted(set(body) - keys)
    if unknown:
        raise ApiError(400, f'Unrecognized field "{unknown[0]}" (class {bean}), not marked as ignorable')
    return body


def as_list(value: Any) -> list[Any]:
    """A parameter given as a list, a repeated query parameter or a comma-separated string, as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    out: list[Any] = []
    for v in value:
        if isinstance(v, str):
            if "," in v:
                out.extend(p.strip() for p in v.split(",") if p.strip())
            elif v := v.strip():
                out.append(v)
        elif v is not None:
            out.append(v)
    return out
