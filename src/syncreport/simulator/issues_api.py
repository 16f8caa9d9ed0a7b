"""The simulator's issue endpoints: Cloud's enhanced search (search/jql, approximate-count), Data Center's
search, the bulk fetches (issue/bulkfetch, changelog/bulkfetch), GET issue and its changelog, and the removed
``/rest/api/{2,3}/search`` on Cloud (410). Page caps and truncation per dialect are in :mod:`.api_core`."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from operator import itemgetter
from typing import Any

from syncreport.simulator.api_core import (
    BULK_CHANGELOG_FIELDS,
    BULK_CHANGELOG_ISSUES,
    BULK_CHANGELOG_KEYS,
    BULK_CHANGELOG_PAGE,
    BULK_ISSUES,
    BULK_ISSUES_SHAPED,
    CHANGELOG_PAGE,
    CLOUD_ID_PAGE,
    CLOUD_INLINE_CHANGELOG,
    CLOUD_ISSUE_CHANGELOG,
    CLOUD_PAGE,
    DC_INLINE_CHANGELOG,
    DC_PAGE,
    HEAVY_EXPANDS,
    NO_ISSUE,
    NOT_A_STRING,
    REMOVED_SEARCH,
    SEARCH_JQL_KEYS,
    SEARCH_LIMIT,
    UNBOUNDED,
    ApiCore,
    ApiError,
    Params,
    as_list,
    bean,
)
from syncreport.simulator.consistency import RECONCILE_MAX
from syncreport.simulator.model import Issue
from syncreport.simulator.render import Json, Renderer


class IssuesApi(ApiCore):
    # --- issues ------------------------------------------------------------------------------------------

    def issue(self, groups: dict[str, str], params: Params) -> Any:
        issue = self.issue_by_ref(groups["key"])
        if issue is None:
            raise ApiError(404, NO_ISSUE)
        expand = as_list(params.get("expand"))
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
            params = bean(params, SEARCH_JQL_KEYS, "SearchAndReconcileRequestBean")
            if params.get("expand") is not None and not isinstance(params["expand"], str):
                raise ApiError(400, NOT_A_STRING.format(name="expand"))
        jql = self.text(params, "jql")
        reconcile = self._reconcile(params.get("reconcileIssues"))
        wanted = self.wanted(params.get("fields"), "id")
        expand = as_list(params.get("expand"))
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
        ids = as_list(value)
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
        changelog = "changelog" in as_list(params.get("expand"))
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
        refs = as_list(params.get("issueIdsOrKeys"))
        if not refs:
            raise ApiError(400, "issueIdsOrKeys must not be empty.")
        named = [str(f) for f in as_list(params.get("fields"))]
        expand = {str(e) for e in as_list(params.get("expand"))}
        efficient = (
            any(not f.startswith(("-", "*")) for f in named)
            and not any(f.startswith("*") for f in named)
            and len([f for f in named if not f.startswith("-")]) <= 100
            and not {"comment", "worklog", "attachment"} & set(named)
            and not HEAVY_EXPANDS & expand
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
        params = bean(params, BULK_CHANGELOG_KEYS, "BulkChangelogRequestBean")
        refs = [str(r) for r in as_list(params.get("issueIdsOrKeys"))]
        if not 1 <= len(refs) <= BULK_CHANGELOG_ISSUES:
            raise ApiError(400, f"issueIdsOrKeys must contain between 1 and {BULK_CHANGELOG_ISSUES} issues.")
        field_filter = [str(f) for f in as_list(params.get("fieldIds"))]
        if len(field_filter) > BULK_CHANGELOG_FIELDS:
            raise ApiError(400, f"fieldIds must contain at most {BULK_CHANGELOG_FIELDS} fields.")
        size = self.integer(params, "maxResults", 1000)
        low, high = BULK_CHANGELOG_PAGE
        if not low <= size <= high:
            raise ApiError(400, f"maxResults must be between {low} and {high}.")
        digest = hashlib.sha1(json.dumps([refs, field_filter]).encode()).hexdigest()[:16]
        token = self.text(params, "nextPageToken")
        start = self.untoken(token, digest)[0] if token else 0
        wanted = frozenset(field_filter) if field_filter else None
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
        self, refs: list[str], wanted: frozenset[str] | None, digest: str
    ) -> list[tuple[Issue, int]]:
        """(issue, history index) of every history a changelog/bulkfetch lists, in Jira's order: "sorted by
        changelog date and issue IDs, starting from the oldest changelog and smallest issue ID" (so one issue's
        histories can be spread over several pages). Kept per request and site version for its next pages."""
        cache_key = (digest, self.site.version)
        flat = self._changelog_orders.get(cache_key)
        if flat is not None:
            self._changelog_orders.move_to_end(cache_key)
            return flat
        keyed: list[tuple[datetime, int, int, Issue]] = []  # (created, issue id, index): a total order
        seen: set[int] = set()
        field_id = self.render.field_id
        for ref in refs:
            issue = self.issue_by_ref(ref)
            if issue is None or issue.id in seen:
                continue
            seen.add(issue.id)
            for index, history in enumerate(issue.histories):
                if wanted is None or any(field_id(i) in wanted for i in history.items):
                    keyed.append((history.created, issue.id, index, issue))
        keyed.sort(key=itemgetter(0, 1, 2))
        flat = [(issue, index) for _, _, index, issue in keyed]
        self._changelog_orders[cache_key] = flat
        if len(self._changelog_orders) > 64:
            self._changelog_orders.popitem(last=False)
        return flat

    def removed_search(self, groups: dict[str, str], params: Params) -> Any:
        raise ApiError(410, REMOVED_SEARCH)
