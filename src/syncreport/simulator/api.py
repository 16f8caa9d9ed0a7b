"""Jira's REST endpoints over a :class:`Site`: request parameters in, (status, JSON) out. No sockets here.

Cloud and Data Center differ where the real products differ (see /work/shared/design/JIRA.md and the
module docstring of :mod:`syncreport.simulator.render`): search endpoints, page caps, changelog truncation,
the sprint field's shape, auth.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from syncreport.simulator.consistency import RECONCILE_MAX, SearchIndex
from syncreport.simulator.fields import field_ids, field_list
from syncreport.simulator.jql import JqlError, parse_jql, run_query
from syncreport.simulator.model import Issue, Site
from syncreport.simulator.render import SYSTEM_FIELDS, Json, Renderer, jira_time

CLOUD_INLINE_CHANGELOG = 40  # search/jql and issue/bulkfetch keep only the most recent 40 histories
CLOUD_ISSUE_CHANGELOG = 100  # GET issue?expand=changelog on Cloud
DC_INLINE_CHANGELOG = 100  # /rest/api/2/search on Data Center
CLOUD_ID_PAGE = 5000  # search/jql page cap when only id/key are asked
CLOUD_PAGE = 100  # ... and with any other field or changelog
DC_PAGE = 1000  # Data Center's jira.search.views.default.max
CHANGELOG_PAGE = 100
BULK_ISSUES = 100
BULK_ISSUES_SHAPED = 1000  # issue/bulkfetch with named fields and no heavy expand
_HEAVY_EXPANDS = frozenset(
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
_SPRINT_STATE_ORDER = {"closed": 0, "active": 1, "future": 2}


class ApiError(Exception):
    def __init__(self, status: int, *messages: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(messages[0] if messages else str(status))
        self.status = status
        self.body = {"errorMessages": list(messages), "errors": errors or {}}


Params = dict[str, Any]
Handler = Callable[["Api", dict[str, str], Params], Any]


@dataclass(frozen=True, slots=True)
class Route:
    methods: tuple[str, ...]
    template: str
    handler: Handler
    dialects: tuple[str, ...] = ("cloud", "datacenter")
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.template)
        for name, part in (("v", "(?P<v>2|3|latest)"), ("key", "(?P<key>[^/]+)"), ("id", "(?P<id>[0-9]+)")):
            regex = regex.replace(re.escape("{" + name + "}"), part)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    def name(self, method: str, groups: dict[str, str]) -> str:
        """The stats name: the template with the API version filled in, e.g. GET /rest/api/3/search/jql."""
        return f"{method} {self.template.replace('{v}', groups.get('v', '{v}'))}"


class Api:
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
        names = _as_list(fields)
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

    # --- platform ----------------------------------------------------------------------------------------

    def server_info(self, groups: dict[str, str], params: Params) -> Any:
        now = self.clock()
        if self.cloud:
            return {
                "baseUrl": self.base_url, "displayUrl": self.base_url, "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud", "buildNumber": 100296,
                "buildDate": "2026-11-20T00:00:00.000+0000", "serverTime": jira_time(now),
                "scmInfo": "5d0a9a1c1f9cf1e7d4f2b0e3c41c5a6b7e8f9a0b", "serverTitle": "Jira (simulator)",
                "defaultLocale": {"locale": "en_US"}, "serverTimeZone": "Etc/UTC",
            }  # fmt: skip
        return {
            "baseUrl": self.base_url, "version": "9.12.15", "versionNumbers": [9, 12, 15],
            "deploymentType": "DataCenter", "buildNumber": 9120015, "buildDate": "2024-10-01T00:00:00.000+0000",
            "serverTime": jira_time(now), "scmInfo": "1a2b3c4d", "serverTitle": "Jira (simulator)",
        }  # fmt: skip

    def myself(self, groups: dict[str, str], params: Params) -> Any:
        return self.render.myself()

    def fields(self, groups: dict[str, str], params: Params) -> Any:
        return field_list(self.deployment, legacy_points=self.site.legacy_points_field)

    def statuses(self, groups: dict[str, str], params: Params) -> Any:
        return [self.render.status(s) for s in self.site.statuses.values()]

    def projects(self, groups: dict[str, str], params: Params) -> Any:
        return [self.render.project(p.key) for p in self.site.projects if p.visible]

    def project(self, groups: dict[str, str], params: Params) -> Any:
        ref = groups["key"].lower()
        match = next((p for p in self.site.projects if p.visible and ref in (p.key.lower(), p.id)), None)
        if match is None:
            raise ApiError(404, f"No project could be found with key '{groups['key']}'.")
        return self.render.project(match.key)

    def project_versions(self, groups: dict[str, str], params: Params) -> Any:
        """GET project/{key}/versions: every version of the project (not paged), as the platform API lists them."""
        ref = groups["key"].lower()
        match = next((p for p in self.site.projects if p.visible and ref in (p.key.lower(), p.id)), None)
        if match is None:
            raise ApiError(404, f"No project could be found with key '{groups['key']}'.")
        return [
            {**self.render.version(v.project, v.name), "projectId": int(match.id)}
            for v in self.site.versions
            if v.project == match.key
        ]

    def link_types(self, groups: dict[str, str], params: Params) -> Any:
        return {
            "issueLinkTypes": [
                {"id": t.id, "name": t.name, "inward": t.inward, "outward": t.outward,
                 "self": f"{self.render.api}/issueLinkType/{t.id}"}
                for t in self.site.link_types
            ]
        }  # fmt: skip

    def removed_search(self, groups: dict[str, str], params: Params) -> Any:
        raise ApiError(410, REMOVED_SEARCH)

    # --- issues ------------------------------------------------------------------------------------------

    def issue(self, groups: dict[str, str], params: Params) -> Any:
        issue = self.issue_by_ref(groups["key"])
        if issue is None:
            raise ApiError(404, NO_ISSUE)
        expand = _as_list(params.get("expand"))
        limit = CLOUD_ISSUE_CHANGELOG if self.cloud else None
        return self.render.issue(
            issue,
            self.wanted(params.get("fields"), "*all"),
            changelog_limit=limit,
            with_changelog="changelog" in expand,
        )

    def issue_changelog(self, groups: dict[str, str], params: Params) -> Any:
        issue = self.issue_by_ref(groups["key"])
        if issue is None:
            raise ApiError(404, NO_ISSUE)
        start = max(0, self.integer(params, "startAt", 0))
        size = min(max(1, self.integer(params, "maxResults", CHANGELOG_PAGE)), CHANGELOG_PAGE)
        page = issue.histories[start : start + size]
        total = len(issue.histories)
        url = f"{self.render.api}/issue/{issue.key}/changelog"
        data: dict[str, Any] = {
            "self": f"{url}?maxResults={size}&startAt={start}", "maxResults": size, "startAt": start,
            "total": total, "isLast": start + size >= total, "values": self.render.histories(page),
        }  # fmt: skip
        if start + size < total:
            data["nextPage"] = f"{url}?maxResults={size}&startAt={start + size}"
        return data

    def search_jql(self, groups: dict[str, str], params: Params) -> Any:
        """Cloud's enhanced search: nextPageToken, isLast, no total, page caps, unbounded queries refused.

        GET reads the query string, POST only its body (a SearchAndReconcileRequestBean: any other property,
        or ``expand`` as a list where the bean has a comma-separated string, is refused). ``maxResults``
        outside 1-5000 is refused, not clamped; the token is bound to its JQL (and reconcileIssues) and
        expires after 7 days; an empty or null token is the first page."""
        if params.get("@method") == "POST":
            params = _bean(params, SEARCH_JQL_KEYS, "SearchAndReconcileRequestBean")
            if params.get("expand") is not None and not isinstance(params["expand"], str):
                raise ApiError(400, _NOT_A_STRING.format(name="expand"))
        jql = self.text(params, "jql")
        reconcile = self._reconcile(params.get("reconcileIssues"))
        wanted = self.wanted(params.get("fields"), "id")
        expand = _as_list(params.get("expand"))
        changelog = "changelog" in expand
        digest = hashlib.sha1(json.dumps([jql, sorted(reconcile)]).encode()).hexdigest()[:16]
        token = params.get("nextPageToken")
        token = token[0] if isinstance(token, list) and len(token) == 1 else token
        start = self.untoken(token, digest)[0] if token not in (None, "") else 0
        size = self.integer(params, "maxResults", 50)
        if not 1 <= size <= CLOUD_ID_PAGE:
            raise ApiError(400, f"The maxResults value must be between 1 and {CLOUD_ID_PAGE}.")
        if not self.bounded(jql):
            raise ApiError(400, UNBOUNDED)
        hits = self.query(jql, reconcile=reconcile)
        # "To manage page size, Jira may return fewer items per page where a large number of fields are
        # requested. The greatest number of items returned per page is achieved when requesting id or key
        # only" (search/jql, maxResults): 5,000 for id/key alone, 100 with any other field (even updated)
        only_ids = wanted is not None and wanted <= {"id", "key"} and not changelog
        size = min(size, CLOUD_ID_PAGE if only_ids else CLOUD_PAGE)
        page = hits[start : start + size]
        issues: list[Any]
        if only_ids:
            # search/jql with only id (its default) answers {"id": ...}; with key as well, {"id", "key"}
            with_key = wanted is not None and "key" in wanted
            issues = [{"id": str(i.id), "key": i.key} if with_key else {"id": str(i.id)} for i in page]
        else:
            current = [self.site.by_key.get(i.key) is i for i in page]
            # issues as the index still has them (copies from before an edit) are rendered apart, uncached
            stale = None if all(current) else Renderer(self.site, self.deployment, self.base_url)
            issues = [
                (self.render if now else stale or self.render).issue(
                    i, wanted, changelog_limit=CLOUD_INLINE_CHANGELOG, with_changelog=changelog
                )
                for i, now in zip(page, current, strict=True)
            ]
        data: dict[str, Any] = {"issues": issues}
        more = start + size < len(hits)
        if more:
            data["nextPageToken"] = self.token({"q": digest, "o": start + size})
        data["isLast"] = not more
        return self._paging_fault(data, str(token or ""), digest, start, size)

    @staticmethod
    def _reconcile(value: Any) -> frozenset[int]:
        """reconcileIssues: "Strong consistency issue ids to be reconciled with search results. Accepts max 50
        ids" (numeric ids; a comma-separated string on GET)."""
        ids = _as_list(value)
        try:
            found = frozenset(int(i) for i in ids)
        except (TypeError, ValueError):
            raise ApiError(400, "reconcileIssues must be a list of numeric issue ids.") from None
        if len(found) > RECONCILE_MAX:
            raise ApiError(400, f"reconcileIssues accepts at most {RECONCILE_MAX} issue ids.")
        return found

    def _paging_fault(self, data: dict[str, Any], token: str, digest: str, start: int, size: int) -> Any:
        """A broken server's token paging: the token just used again, or a next page for ever."""
        if self.paging_fault == "repeat_token":
            data["nextPageToken"] = token or self.token({"q": digest, "o": start})
        elif self.paging_fault == "never_last":
            data["nextPageToken"] = self.token({"q": digest, "o": start + size})
        else:
            return data
        if "isLast" in data:
            data["isLast"] = False
        return data

    def approximate_count(self, groups: dict[str, str], params: Params) -> Any:
        """ "Provide an estimated count of the issues that match the JQL. Recent updates might not be
        immediately visible in the returned output": counted on the search index (``search_lag_s``)."""
        jql = self.text(params, "jql")
        if not self.bounded(jql):
            raise ApiError(400, UNBOUNDED)
        return {"count": len(self.query(jql))}

    def search_dc(self, groups: dict[str, str], params: Params) -> Any:
        """Data Center's search: startAt, maxResults (capped at 1000), total."""
        jql = self.text(params, "jql")
        hits = self.query(jql, validate=str(params.get("validateQuery", True)).lower() not in ("false", "0"))
        wanted = self.wanted(params.get("fields"), "*navigable")
        changelog = "changelog" in _as_list(params.get("expand"))
        start = max(0, self.integer(params, "startAt", 0))
        size = self.integer(params, "maxResults", 50)
        size = DC_PAGE if size < 0 else min(size, DC_PAGE)
        if start + size > self.max_result_window and start < len(hits):
            # Atlassian KB "Handling JQL REST API searching exceeding max_result_window in Jira" (Data
            # Center): past the search platform's window (default 10,000) the search answers 500.
            raise ApiError(500, SEARCH_LIMIT.format(wanted=start + size, window=self.max_result_window))
        page = hits[start : start + size]
        return {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(hits),
            "issues": [
                self.render.issue(i, wanted, changelog_limit=DC_INLINE_CHANGELOG, with_changelog=changelog)
                for i in page
            ],
        }

    def bulkfetch(self, groups: dict[str, str], params: Params) -> Any:
        """POST issue/bulkfetch: "By default you can request up to 100 issues in a single call. You can
        request up to 1000 issues in a single call when the request is shaped so that it can be served
        efficiently": fields named explicitly (no wildcard, not only exclusions, at most 100), none with
        several values (comment, worklog, attachment), no expand of changelog, editmeta, operations,
        renderedFields, transitions or versionedRepresentations. Larger requests are refused with 400."""
        refs = _as_list(params.get("issueIdsOrKeys"))
        if not refs:
            raise ApiError(400, "issueIdsOrKeys must not be empty.")
        named = [str(f) for f in _as_list(params.get("fields"))]
        expand = {str(e) for e in _as_list(params.get("expand"))}
        efficient = (
            any(not f.startswith(("-", "*")) for f in named)
            and not any(f.startswith("*") for f in named)
            and len([f for f in named if not f.startswith("-")]) <= 100
            and not {"comment", "worklog", "attachment"} & set(named)
            and not _HEAVY_EXPANDS & expand
        )
        limit = BULK_ISSUES_SHAPED if efficient else BULK_ISSUES
        if len(refs) > limit:
            raise ApiError(400, f"issueIdsOrKeys must contain at most {limit} issues for this request.")
        wanted = self.wanted(params.get("fields"), "*navigable")
        changelog = "changelog" in expand
        found: dict[int, Issue] = {}
        for ref in refs:
            issue = self.issue_by_ref(str(ref))
            if issue is None:  # Jira: issues not found or not visible are left out, and not listed as errors
                continue
            found[issue.id] = issue  # an issue asked by id and by (an old) key is answered once
        # "Issues will be returned in ascending id order" (whatever the order asked); an old key of a moved
        # issue answers with the issue under its new key
        issues = [
            self.render.issue(
                found[issue_id], wanted, changelog_limit=CLOUD_INLINE_CHANGELOG, with_changelog=changelog
            )
            for issue_id in sorted(found)
        ]
        # issueErrors lists issues Jira could not return this time ("a retriable error or payload constraint"):
        # the server's "issue_errors" fault fills it.
        return {"expand": "schema,names", "issues": issues, "issueErrors": []}

    def changelog_bulkfetch(self, groups: dict[str, str], params: Params) -> Any:
        """POST changelog/bulkfetch: a BulkChangelogRequestBean (unknown properties refused, maxResults 1 to
        10,000, default 1,000), histories "sorted by changelog date and issue IDs", ``created`` as an epoch
        number (the OpenAPI's example: ``"created": 1492070429``, seconds; the schema says date-time and real
        answers are not documented, so the simulator sends milliseconds: a client must accept any of the
        three), and ``"nextPageToken": null`` on the last page (the response bean's token is nullable)."""
        params = _bean(params, BULK_CHANGELOG_KEYS, "BulkChangelogRequestBean")
        refs = [str(r) for r in _as_list(params.get("issueIdsOrKeys"))]
        if not 1 <= len(refs) <= BULK_CHANGELOG_ISSUES:
            raise ApiError(400, f"issueIdsOrKeys must contain between 1 and {BULK_CHANGELOG_ISSUES} issues.")
        field_filter = [str(f) for f in _as_list(params.get("fieldIds"))]
        if len(field_filter) > BULK_CHANGELOG_FIELDS:
            raise ApiError(400, f"fieldIds must contain at most {BULK_CHANGELOG_FIELDS} fields.")
        size = self.integer(params, "maxResults", 1000)
        low, high = BULK_CHANGELOG_PAGE
        if not low <= size <= high:
            raise ApiError(400, f"maxResults must be between {low} and {high}.")
        digest = hashlib.sha1(json.dumps([refs, field_filter]).encode()).hexdigest()[:16]
        token = self.text(params, "nextPageToken")
        start = self.untoken(token, digest)[0] if token else 0
        wanted = set(field_filter) if field_filter else None
        flat = self._changelog_order(refs, wanted, digest)
        page = flat[start : start + size]
        logs: dict[int, tuple[Issue, list[Json]]] = {}
        for issue, index in page:
            logs.setdefault(issue.id, (issue, []))[1].append(
                self.render.history(issue.histories[index], wanted, epoch_created=True)
            )
        data: dict[str, Any] = {
            "issueChangeLogs": [
                Json(f'{{"issueId":"{issue.id}","changeHistories":[{",".join(h.text for h in histories)}]}}')
                for issue, histories in logs.values()
            ]
        }
        more = start + size < len(flat)
        data["nextPageToken"] = self.token({"q": digest, "o": start + size}) if more else None
        return self._paging_fault(data, token, digest, start, size)

    def _changelog_order(
        self, refs: list[str], wanted: set[str] | None, digest: str
    ) -> list[tuple[Issue, int]]:
        """(issue, history index) of every history a changelog/bulkfetch lists, in Jira's order: "sorted by
        changelog date and issue IDs, starting from the oldest changelog and smallest issue ID" (so one issue's
        histories can be spread over several pages). Kept per request and site version for its next pages."""
        cache_key = (digest, self.site.version)
        flat = self._changelog_orders.get(cache_key)
        if flat is not None:
            self._changelog_orders.move_to_end(cache_key)
            return flat
        flat = []
        seen: set[int] = set()
        field_id = self.render.field_id
        for ref in refs:
            issue = self.issue_by_ref(ref)
            if issue is None or issue.id in seen:
                continue
            seen.add(issue.id)
            for index, history in enumerate(issue.histories):
                if wanted is None or any(field_id(i) in wanted for i in history.items):
                    flat.append((issue, index))
        flat.sort(key=lambda entry: (entry[0].histories[entry[1]].created, entry[0].id, entry[1]))
        self._changelog_orders[cache_key] = flat
        if len(self._changelog_orders) > 64:
            self._changelog_orders.popitem(last=False)
        return flat

    # --- agile -------------------------------------------------------------------------------------------

    def boards(self, groups: dict[str, str], params: Params) -> Any:
        project = self.text(params, "projectKeyOrId")
        boards = [b for b in self.site.boards if self.site.project(b.project).visible]
        if project:
            match = next(
                (p for p in self.site.projects if p.visible and project.lower() in (p.key.lower(), p.id)),
                None,
            )
            if match is None:
                raise ApiError(400, f"No project could be found with key or id '{project}'.")
            boards = [b for b in boards if b.project == match.key]
        start = max(0, self.integer(params, "startAt", 0)) if self.paging_fault != "never_last" else 0
        size = max(1, min(self.integer(params, "maxResults", AGILE_PAGE), AGILE_PAGE))
        page = boards[start : start + size]
        return {
            "maxResults": size, "startAt": start, "total": len(boards),
            "isLast": start + size >= len(boards) and self.paging_fault != "never_last",
            "values": [self._board(b.id) for b in page],
        }  # fmt: skip

    def _board(self, board_id: int) -> dict[str, Any]:
        board = next(b for b in self.site.boards if b.id == board_id)
        project = self.site.project(board.project)
        return {
            "id": board.id, "self": f"{self.base_url}/rest/agile/1.0/board/{board.id}", "name": board.name,
            "type": board.kind,
            "location": {
                "projectId": int(project.id), "displayName": f"{project.name} ({project.key})",
                "projectName": project.name, "projectKey": project.key, "projectTypeKey": "software",
                "name": f"{project.name} ({project.key})",
            },
        }  # fmt: skip

    def board(self, groups: dict[str, str], params: Params) -> Any:
        board_id = int(groups["id"])
        if not any(b.id == board_id for b in self.site.boards):
            raise ApiError(404, "Board does not exist or you do not have permission to see it.")
        return self._board(board_id)

    def board_sprints(self, groups: dict[str, str], params: Params) -> Any:
        board_id = int(groups["id"])
        board = next((b for b in self.site.boards if b.id == board_id), None)
        if board is None:
            raise ApiError(404, "Board does not exist or you do not have permission to see it.")
        if board.kind != "scrum":
            # A kanban board has no sprints: real Jira answers 400 {"errorMessages": ["The board does not
            # support sprints"]}, not an empty list (docs/jira-notes.md).
            raise ApiError(400, KANBAN_NO_SPRINTS)
        states = [s.strip().lower() for s in self.text(params, "state").split(",") if s.strip()]
        bad = [s for s in states if s not in ("future", "active", "closed")]
        if bad:
            raise ApiError(
                400, f"The sprint state '{bad[0]}' is not valid. Valid states are: future, active, closed."
            )
        sprints = self._board_sprints(board_id)
        if states:
            sprints = [s for s in sprints if s.state in states]
        start = max(0, self.integer(params, "startAt", 0)) if self.paging_fault != "never_last" else 0
        size = max(1, min(self.integer(params, "maxResults", AGILE_PAGE), AGILE_PAGE))
        page = sprints[start : start + size]
        return {
            "maxResults": size, "startAt": start, "total": len(sprints),
            "isLast": start + size >= len(sprints) and self.paging_fault != "never_last",
            "values": [self.render.sprint(s) for s in page],
        }  # fmt: skip

    def _board_sprints(self, board_id: int) -> list[Any]:
        """The board's own sprints and the sprints of other boards that its issues are in (originBoardId)."""
        team_index = next((i for i, t in enumerate(self.site.teams) if t.board_id == board_id), None)
        shared = self.site.shared_boards.get(board_id)
        ids = {s.id for s in self.site.sprints.values() if s.board_id in (board_id, shared)}
        if team_index is not None:
            for issue in self.site.issues:
                if issue.team == team_index:
                    ids.update(s for s in issue.sprints if s in self.site.sprints)
        sprints = [self.site.sprints[i] for i in ids]
        # Jira Software, Get all sprints: "Returns all sprints from a board ... Sprints will be ordered first by
        # state (i.e. closed, active, future) then by their position in the backlog." (position: id order here)
        sprints.sort(key=lambda s: (_SPRINT_STATE_ORDER.get(s.state, 3), s.id))
        return sprints

    def sprint(self, groups: dict[str, str], params: Params) -> Any:
        sprint = self.site.sprints.get(int(groups["id"]))
        if sprint is None:
            raise ApiError(404, "Sprint does not exist or you do not have permission to see it.")
        return self.render.sprint(sprint)


_NOT_A_STRING = "Cannot deserialize value of type `java.lang.String` from Array value (property '{name}')."


def _bean(params: Params, keys: frozenset[str], bean: str) -> Params:
    """A POST's JSON body as its request bean: only the body counts (not the query string), and a property
    the bean does not declare is refused with 400, as Jira's JSON binding does."""
    body = params.get("@body")
    if not isinstance(body, dict):
        raise ApiError(400, f"The request body must be a JSON object ({bean}).")
    unknown = sorted(set(body) - keys)
    if unknown:
        raise ApiError(400, f'Unrecognized field "{unknown[0]}" (class {bean}), not marked as ignorable')
    return body


def _as_list(value: Any) -> list[Any]:
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


ROUTES: list[Route] = [
    Route(("GET",), "/rest/api/{v}/serverInfo", Api.server_info),
    Route(("GET",), "/rest/api/{v}/myself", Api.myself),
    Route(("GET",), "/rest/api/{v}/field", Api.fields),
    Route(("GET",), "/rest/api/{v}/status", Api.statuses),
    Route(("GET",), "/rest/api/{v}/project", Api.projects),
    Route(("GET",), "/rest/api/{v}/project/{key}/versions", Api.project_versions),
    Route(("GET",), "/rest/api/{v}/project/{key}", Api.project),
    Route(("GET",), "/rest/api/{v}/issueLinkType", Api.link_types),
    Route(("GET", "POST"), "/rest/api/{v}/search/jql", Api.search_jql, ("cloud",)),
    Route(("POST",), "/rest/api/{v}/search/approximate-count", Api.approximate_count, ("cloud",)),
    Route(("GET", "POST"), "/rest/api/{v}/search", Api.removed_search, ("cloud",)),
    Route(("GET", "POST"), "/rest/api/{v}/search", Api.search_dc, ("datacenter",)),
    Route(("POST",), "/rest/api/{v}/issue/bulkfetch", Api.bulkfetch, ("cloud",)),
    Route(("POST",), "/rest/api/{v}/changelog/bulkfetch", Api.changelog_bulkfetch, ("cloud",)),
    Route(("GET",), "/rest/api/{v}/issue/{key}/changelog", Api.issue_changelog),
    Route(("GET",), "/rest/api/{v}/issue/{key}", Api.issue),
    Route(("GET",), "/rest/agile/1.0/board", Api.boards),
    Route(("GET",), "/rest/agile/1.0/board/{id}", Api.board),
    Route(("GET",), "/rest/agile/1.0/board/{id}/sprint", Api.board_sprints),
    Route(("GET",), "/rest/agile/1.0/sprint/{id}", Api.sprint),
]


def find_route(method: str, path: str, deployment: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request, or None (404). Data Center has no /rest/api/3."""
    for route in ROUTES:
        if deployment not in route.dialects or method not in route.methods:
            continue
        match = route.pattern.match(path)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        if deployment == "datacenter" and groups.get("v") == "3":
            return None
        return route, groups
    return None
