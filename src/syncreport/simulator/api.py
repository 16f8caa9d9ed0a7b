"""Jira's REST endpoints over a :class:`Site`: request parameters in, (status, JSON) out. No sockets here.

Cloud and Data Center differ where the real products differ (see /work/shared/design/JIRA.md and the
module docstring of :mod:`syncreport.simulator.render`): search endpoints, page caps, changelog truncation,
the sprint field's shape, auth.

This module holds the platform endpoints (serverInfo, myself, fields, statuses, projects, link types) and the
router (:data:`ROUTES`, :func:`find_route`); :mod:`.issues_api` the searches and issue fetches,
:mod:`.agile_api` boards and sprints, :mod:`.api_core` what they share.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from syncreport.simulator.agile_api import AgileApi
from syncreport.simulator.api_core import ApiError, Params
from syncreport.simulator.fields import field_list
from syncreport.simulator.issues_api import IssuesApi
from syncreport.simulator.render import jira_time

__all__ = ["ROUTES", "Api", "ApiError", "Route", "find_route"]

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


class Api(IssuesApi, AgileApi):
    """Jira's REST endpoints over a site, one method per route (groups from the path, parameters)."""

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
