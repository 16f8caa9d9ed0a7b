"""Every Jira endpoint syncreport calls, and the page sizes it asks for, in one place.

The pull (:mod:`syncreport.jira.fetch` and its dialects), ``syncreport check``
(:mod:`syncreport.jira.checks`), the agenda (:mod:`syncreport.jira.agenda`) and ``syncreport init``
(:mod:`syncreport.setup_wizard`) take their paths from here; the paging rules that go with them are in
:mod:`syncreport.jira.paging`. Sources: JIRA.md and docs/jira-notes.md.

Cloud speaks REST v3 (``/rest/api/3``: the enhanced search ``search/jql``, issue/bulkfetch,
changelog/bulkfetch); Data Center speaks REST v2 (``/rest/api/2``: ``search`` with startAt and total).
The agile API (boards, sprints) is the same on both. serverInfo is asked on v2 everywhere (Cloud answers it
too, and it is the one call made before the dialect is known).
"""

from __future__ import annotations

from syncreport.kinds import Deployment as Deployment  # the one deployment type, named here for jira/

# --- both dialects ------------------------------------------------------------------------------------
SERVER_INFO = "/rest/api/2/serverInfo"
PROJECTS = "/rest/api/2/project"
LINK_TYPES = "/rest/api/2/issueLinkType"
BOARDS = "/rest/agile/1.0/board"
# ``syncreport init`` reads the account and the field list on v2 on both dialects (Cloud serves v2 too, and
# the answers it reads are the same)
MYSELF_V2 = "/rest/api/2/myself"
FIELDS_V2 = "/rest/api/2/field"


def api(deployment: Deployment | None) -> str:
    """The platform API's base path: ``/rest/api/3`` on Cloud, ``/rest/api/2`` on Data Center."""
    return "/rest/api/3" if deployment == "cloud" else "/rest/api/2"


def fields(deployment: Deployment | None) -> str:
    return f"{api(deployment)}/field"


def statuses(deployment: Deployment | None) -> str:
    return f"{api(deployment)}/status"


def myself(deployment: Deployment | None) -> str:
    return f"{api(deployment)}/myself"


def issue(deployment: Deployment | None, id_or_key: str) -> str:
    return f"{api(deployment)}/issue/{id_or_key}"


def issue_changelog(deployment: Deployment | None, id_or_key: str) -> str:
    """An issue's changelog in startAt pages (oldest first)."""
    return f"{api(deployment)}/issue/{id_or_key}/changelog"


def project_versions(project: str) -> str:
    return f"/rest/api/2/project/{project}/versions"


def board(board_id: int | str) -> str:
    return f"{BOARDS}/{board_id}"


def board_sprints(board_id: int | str) -> str:
    return f"{BOARDS}/{board_id}/sprint"


SPRINT_STATES = "closed,active,future"

# --- Cloud --------------------------------------------------------------------------------------------
CLOUD_SEARCH = "/rest/api/3/search/jql"  # by nextPageToken; no total
CLOUD_COUNT = "/rest/api/3/search/approximate-count"
CLOUD_BULK_ISSUES = "/rest/api/3/issue/bulkfetch"
CLOUD_BULK_CHANGELOGS = "/rest/api/3/changelog/bulkfetch"
CLOUD_TENANT_INFO = "/_edge/tenant_info"  # the site's cloud id, anonymous: {"cloudId": ...}
# Scoped API tokens and service accounts call the platform gateway, {gateway}/ex/jira/{cloudId}/rest/...
ATLASSIAN_GATEWAY = "https://api.atlassian.com"

CLOUD_ID_PAGE = 5000  # "requesting id or key only": the largest page search/jql serves
BULK_ISSUES = 100  # issue/bulkfetch: issueIdsOrKeys, at most 100
CHANGELOG_BULK_ISSUES = 1000  # changelog/bulkfetch: issueIdsOrKeys, 1 to 1,000
CHANGELOG_PAGE = 1000  # the documented default; Jira documents no higher cap, so none is assumed
RECONCILE_ISSUES = 50  # search/jql's reconcileIssues: "Accepts max 50 ids"

# --- Data Center --------------------------------------------------------------------------------------
DC_SEARCH = "/rest/api/2/search"  # startAt / maxResults / total
DC_PAGE = 1000  # the server's default cap on maxResults
DC_WINDOW = 10_000  # no page may reach past the 10,000th result (the search platform's max_result_window)
DC_FETCH_BATCH = 200  # ids per "id in (...)" search of changed issues
DC_CHANGELOG_PAGE = 100

# --- agile (both) -------------------------------------------------------------------------------------
AGILE_PAGE = 50


def search(deployment: Deployment | None) -> str:
    """The issue search of the dialect (Cloud: search/jql; Data Center: search)."""
    return CLOUD_SEARCH if deployment == "cloud" else DC_SEARCH
