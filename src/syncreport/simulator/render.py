"""The simulator's objects as the JSON a Cloud or Data Center site answers with.

Shapes follow recorded real responses: timestamps as "2026-10-05T09:12:33.000+0200" in the API user's zone,
due dates "YYYY-MM-DD", the sprint field as objects (Cloud) or greenhopper strings (Data Center), changelog
items with ``fieldId`` on Cloud only, issue links with ``inwardIssue``/``outwardIssue``.

Decisions worth knowing (the real API leaves room):
- Team field value: Cloud ``{"id": <uuid>, "name", "title", "isVisible", "isVerified", "isShared", "avatarUrl"}``;
  Data Center (Advanced Roadmaps) ``{"id": <number>, "title", "isShared"}``: no "name" there, read "title".
- The parent of a story: Cloud ``fields.parent {id, key, fields}``; Data Center the "Epic Link" custom
  field holding the feature's key.
- A changelog cut short keeps the *most recent* histories, oldest first, with the true ``total``.
- Changelog item field names as Jira writes them: "status", "Sprint" (ids "38, 41"), "Fix Version" (one
  item per version added or removed, ids in from/to), "duedate", "Flagged", "Team" (names only), "Link"
  ("This issue blocks X"), "resolution", the story points field's name; Cloud adds ``fieldId``, DC does not.
- Timestamps are rendered in the API user's zone (Europe/Berlin: +0100 or +0200), as Jira does.

Speed: the simulator stands in for Jira's servers and shares the benchmark's machine with the client, so it
renders each issue's fields and each changelog history once, as JSON text (:class:`Json`), and splices those
fragments into every answer (:func:`dump`). The cache is dropped whenever the site changes (``Site.version``).
Each issue's fields are kept one by one (any set of fields asked is a join of them), each history's items
too (a changelog/bulkfetch's ``fieldIds`` filter is a join), and whole inline changelogs.
:meth:`Renderer.prerender` renders the whole site at once (the benchmarks call it before measuring: a real
Jira's CPU is not on the client's machine, and every pull measured, the naive one included, gets it).

Longer than 400 lines: one job, every JSON shape the site answers with, in one :class:`Renderer` that shares
that fragment cache and the dialect's field ids; a shape split from the others would need both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any
from zoneinfo import ZoneInfo

from syncreport.simulator.fields import FieldIds, field_ids
from syncreport.simulator.model import History, Issue, Item, Link, Site, Sprint, Status, User

USER_ZONE = ZoneInfo("Europe/Berlin")
SHARED_COMPONENT = "Shared Services"  # a component several teams' issues carry besides their own
_CATEGORY = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
_PRIORITY_IDS = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
_ISSUETYPES = {
    "Feature": ("10000", 1), "Story": ("10001", 0), "Bug": ("10004", 0), "Risk": ("10005", 0),
    "PI Objective": ("10006", 1),
}  # fmt: skip
SYSTEM_FIELDS = {
    "summary", "issuetype", "project", "status", "priority", "labels", "fixVersions", "duedate", "created",
    "updated", "resolutiondate", "resolution", "issuelinks", "assignee", "parent",
}  # fmt: skip


def jira_time(moment: datetime) -> str:
    """Jira's timestamp format in the user's zone: 2026-10-05T09:12:33.000+0200."""
    text = moment.astimezone(USER_ZONE).isoformat(timespec="milliseconds")  # ...33.000+02:00
    return text[:-3] + text[-2:]


def agile_time(moment: datetime | None) -> str | None:
    """The agile API's format: UTC with Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


#: Fields whose value comes from the issue alone, in the order of ``Renderer.all_fields``.
_PLAIN_FIELDS: dict[str, Callable[[Issue], Any]] = {
    "summary": lambda issue: issue.summary,
    "labels": lambda issue: list(issue.labels),
    "duedate": lambda issue: issue.duedate.isoformat() if issue.duedate else None,
    "created": lambda issue: jira_time(issue.created),
    "updated": lambda issue: jira_time(issue.updated),
    "resolutiondate": lambda issue: jira_time(issue.resolved) if issue.resolved else None,
}


class Json:
    """JSON text rendered before (a cached fragment): :func:`dump` splices it into an answer verbatim."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self) -> Any:
        """The fragment decoded (for the rare fault that edits an answer)."""
        return json.loads(self.text)


class _HasFragment(Exception):
    pass


def _refuse_fragment(value: Any) -> Any:
    if isinstance(value, Json):
        raise _HasFragment
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_refuse_fragment).encode


def _string(value: str | None) -> str:
    """A changelog item's from/to value as JSON (what ``_encode`` gives for it)."""
    if value is None:
        return "null"
    return encode_basestring(value) if isinstance(value, str) else _encode(value)


def dump(data: Any) -> str:
    """``data`` as compact JSON text (as the server sends it), with every :class:`Json` fragment spliced in.

    Containers without fragments are encoded in one go; only the path down to a fragment is walked.
    """
    if isinstance(data, Json):
        return data.text
    try:
        return _encode(data)
    except _HasFragment:
        pass
    if isinstance(data, dict):
        return "{" + ",".join(f"{_encode(str(k))}:{dump(v)}" for k, v in data.items()) + "}"
    return "[" + ",".join(dump(v) for v in data) + "]"


class Renderer:
    def __init__(self, site: Site, deployment: str, base_url: str) -> None:
        self.site = site
        self.deployment = deployment
        self.cloud = deployment == "cloud"
        self.base = base_url
        self.ids: FieldIds = field_ids(deployment)
        self.api = f"{base_url}/rest/api/{'3' if self.cloud else '2'}"
        self._items = self._item_table()
        # Rendered JSON text, valid for one version of the site:
        self._version = site.version
        self._heads: dict[int, str] = {}  # Issue.id -> see _head
        self._fields_text: dict[int, dict[frozenset[str] | None, str]] = {}  # Issue.id -> see _fields
        self._field_parts: dict[int, list[tuple[str, str]]] = {}  # Issue.id -> [(name, '"name":value')]
        self._changelog_text: dict[tuple[int, int | None], str] = {}  # (Issue.id, limit) -> see changelog
        self._item_texts: dict[int, list[tuple[str | None, str]]] = {}  # History.id -> [(fieldId, item)]
        self._filtered: dict[tuple[frozenset[str], bool], dict[int, str]] = {}  # see history
        self._history_text: dict[int, str] = {}  # History.id -> the whole history
        self._epoch_history_text: dict[int, str] = {}  # ... with "created" as epoch milliseconds
        self._user_text: dict[int, str] = {}  # index into Site.users -> the user as a history's author
        self._small: dict[tuple[Any, ...], Any] = {}  # see _shared
        self._item_heads: dict[str, str] = {}  # logical field -> '{"field":..,"fieldtype":..[,"fieldId":..]'

    def _current(self) -> None:
        """Drop every rendered fragment once the site has changed (an issue touched, linked or removed)."""
        if self._version != self.site.version:
            self._heads.clear()
            self._fields_text.clear()
            self._field_parts.clear()
            self._changelog_text.clear()
            self._item_texts.clear()
            self._filtered.clear()
            self._history_text.clear()
            self._epoch_history_text.clear()
            self._user_text.clear()
            self._small.clear()
            self._version = self.site.version

    # --- small objects ---------------------------------------------------------------------------------

    def user(self, user: User) -> dict[str, Any]:
        avatars = {"48x48": f"{self.base}/avatar/{user.account_id}.png"}
        if self.cloud:
            return {
                "self": f"{self.api}/user?accountId={user.account_id}", "accountId": user.account_id,
                "avatarUrls": avatars, "displayName": user.display_name, "active": True,
                "timeZone": user.time_zone, "accountType": "atlassian",
            }  # fmt: skip
        return {
            "self": f"{self.api}/user?username={user.name}", "name": user.name, "key": user.name,
            "emailAddress": user.email, "avatarUrls": avatars, "displayName": user.display_name, "active": True,
            "timeZone": user.time_zone,
        }  # fmt: skip

    def myself(self) -> dict[str, Any]:
        data = self.user(self.site.users[-1])
        data["emailAddress"] = self.site.users[-1].email
        data["locale"] = "en_US"
        data["groups"] = {"size": 2, "items": []}
        return data

    def status(self, status: Status) -> dict[str, Any]:
        category = dict(_CATEGORY[status.category])
        category["self"] = f"{self.base}/rest/api/2/statuscategory/{category['id']}"
        return {
            "self": f"{self.base}/rest/api/2/status/{status.id}", "description": "",
            "iconUrl": f"{self.base}/images/icons/status_generic.gif", "name": status.name, "id": status.id,
            "statusCategory": category,
        }  # fmt: skip

    def project(self, key: str) -> dict[str, Any]:
        p = self.site.project(key)
        return {
            "self": f"{self.api}/project/{p.id}", "id": p.id, "key": p.key, "name": p.name,
            "projectTypeKey": "software", "simplified": False,
            "avatarUrls": {"48x48": f"{self.base}/secure/projectavatar?pid={p.id}"},
        }  # fmt: skip

    def issuetype(self, name: str) -> dict[str, Any]:
        type_id, level = _ISSUETYPES[name]
        return {
            "self": f"{self.api}/issuetype/{type_id}", "id": type_id, "description": "", "name": name,
            "iconUrl": f"{self.base}/images/icons/issuetypes/{name.lower()}.svg", "subtask": False,
            "hierarchyLevel": level,
        }  # fmt: skip

    def priority(self, name: str) -> dict[str, Any]:
        pid = _PRIORITY_IDS.get(name, "3")
        return {"self": f"{self.api}/priority/{pid}", "iconUrl": f"{self.base}/images/icons/priorities/{name.lower()}.svg",
                "name": name, "id": pid}  # fmt: skip

    def version(self, project: str, name: str) -> dict[str, Any]:
        v = next(x for x in self.site.versions if x.project == project and x.name == name)
        return {
            "self": f"{self.api}/version/{v.id}", "id": v.id, "description": "", "name": v.name,
            "archived": False, "released": v.released, "releaseDate": v.release_date.isoformat(),
        }  # fmt: skip

    def sprint(self, sprint: Sprint) -> dict[str, Any]:
        """An agile API sprint (board/{id}/sprint, sprint/{id})."""
        data: dict[str, Any] = {
            "id": sprint.id, "self": f"{self.base}/rest/agile/1.0/sprint/{sprint.id}", "state": sprint.state,
            "name": sprint.name, "startDate": agile_time(sprint.start), "endDate": agile_time(sprint.end),
            "originBoardId": sprint.board_id, "goal": sprint.goal,
        }  # fmt: skip
        if not sprint.dated:  # Jira leaves a future sprint's dates out until someone sets them
            del data["startDate"], data["endDate"]
        if sprint.state != "future":
            data["activatedDate"] = agile_time(sprint.start)
        if sprint.complete is not None:
            data["completeDate"] = agile_time(sprint.complete)
        return data

    def sprint_field(self, sprint: Sprint) -> Any:
        """The sprint as it sits in an issue's sprint field."""
        if self.cloud:
            data: dict[str, Any] = {
                "id": sprint.id, "name": sprint.name, "state": sprint.state, "boardId": sprint.board_id,
                "goal": sprint.goal, "startDate": agile_time(sprint.start), "endDate": agile_time(sprint.end),
            }  # fmt: skip
            if not sprint.dated:
                del data["startDate"], data["endDate"]
            if sprint.complete is not None:
                data["completeDate"] = agile_time(sprint.complete)
            return data

        def value(moment: datetime | None) -> str:
            return agile_time(moment) or "<null>"

        return (
            f"com.atlassian.greenhopper.service.sprint.Sprint@{(sprint.id * 2654435761) % (1 << 32):x}"
            f"[id={sprint.id},rapidViewId={sprint.board_id},state={sprint.state.upper()},name={sprint.name},"
            f"goal={sprint.goal},startDate={value(sprint.start if sprint.dated else None)},"
            f"endDate={value(sprint.end if sprint.dated else None)},"
            f"completeDate={value(sprint.complete)},activatedDate={value(sprint.start if sprint.state != 'future' else None)},"
            f"sequence={sprint.id},autoStartStop=false,synced=false]"
        )

    def team(self, index: int | None) -> Any:
        if index is None:
            return None
        team = self.site.teams[index]
        if self.cloud:
            return {
                "id": team.uuid, "name": team.name, "avatarUrl": "", "isVisible": True, "isVerified": False,
                "title": team.name, "isShared": True,
            }  # fmt: skip
        return {"id": team.number, "title": team.name, "isShared": True}

    # --- issues ----------------------------------------------------------------------------------------

    def issue_ref(self, issue: Issue) -> dict[str, Any]:
        """A linked or parent issue: id, key and a few fields."""
        return {
            "id": str(issue.id), "key": issue.key, "self": f"{self.api}/issue/{issue.id}",
            "fields": {
                "summary": issue.summary, "status": self.status(self.site.statuses[issue.status]),
                "priority": self.priority(issue.priority), "issuetype": self.issuetype(issue.issuetype),
            },
        }  # fmt: skip

    def links(self, issue: Issue) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        link: Link
        for link in self.site.links_by_issue.get(issue.key, []):
            other_key = link.target if link.source == issue.key else link.source
            other = self.site.by_key.get(other_key)
            if other is None:
                continue
            # a linked issue the user may not browse is still in the link, with its summary and status (and
            # category): the link shows what the caller could not fetch
            link_type = next(t for t in self.site.link_types if t.name == link.type)
            data: dict[str, Any] = {
                "id": link.id, "self": f"{self.api}/issueLink/{link.id}",
                "type": {"id": link_type.id, "name": link_type.name, "inward": link_type.inward,
                         "outward": link_type.outward, "self": f"{self.api}/issueLinkType/{link_type.id}"},
            }  # fmt: skip
            data["outwardIssue" if link.source == issue.key else "inwardIssue"] = self.issue_ref(other)
            out.append(data)
        return out

    def all_fields(self, issue: Issue) -> dict[str, Any]:
        self._current()
        site, ids = self.site, self.ids
        sprints = [site.sprints[s] for s in issue.sprints]
        plain = {name: value(issue) for name, value in _PLAIN_FIELDS.items()}
        fields: dict[str, Any] = {
            "summary": plain["summary"],
            "issuetype": self._shared(("issuetype", issue.issuetype), self.issuetype, issue.issuetype),
            "project": self._shared(("project", issue.project), self.project, issue.project),
            "status": self._shared(("status", issue.status), self.status, site.statuses[issue.status]),
            "priority": self._shared(("priority", issue.priority), self.priority, issue.priority),
            "labels": plain["labels"],
            "components": self.components(issue),
            "fixVersions": [
                self._shared(("version", issue.project, pi), self.version, issue.project, pi)
                for pi in issue.pis
            ],
            "duedate": plain["duedate"],
            "created": plain["created"],
            "updated": plain["updated"],
            "resolutiondate": plain["resolutiondate"],
            "resolution": {
                "self": f"{self.api}/resolution/10000",
                "id": "10000",
                "description": "",
                "name": "Done",
            }
            if issue.resolved
            else None,
            "issuelinks": self.links(issue),
            "assignee": None if issue.assignee is None else self.user(site.users[issue.assignee]),
            ids.sprint: [self._shared(("sprint", s.id), self.sprint_field, s) for s in sprints] or None,
            ids.team: self.team(issue.team),
            ids.points: issue.points,
            ids.flagged: [
                {"self": f"{self.api}/customFieldOption/10019", "value": "Impediment", "id": "10019"}
            ]
            if issue.flagged
            else None,
            ids.rank: f"0|i{issue.rank:05x}:",
            ids.bv_planned: issue.bv_planned,
            ids.bv_actual: issue.bv_actual,
        }
        parent = site.by_key.get(issue.parent) if issue.parent else None
        if parent is not None and not site.visible(parent):
            parent = None
        if self.cloud:
            if parent is not None:
                fields["parent"] = self.issue_ref(parent)
        else:
            assert ids.epic_link is not None
            fields[ids.epic_link] = parent.key if parent is not None else None
        return fields

    def components(self, issue: Issue) -> list[dict[str, Any]]:
        """One component per team (named like the team); every third issue also carries "Shared Services", as
        real projects' issues often have several (Jira lists them by name)."""
        if issue.team is None:
            return []
        ids = {self.site.teams[issue.team].name: str(10100 + issue.team)}
        if issue.id % 3 == 0:
            ids[SHARED_COMPONENT] = "10099"
        return [{"self": f"{self.api}/component/{ids[n]}", "id": ids[n], "name": n} for n in sorted(ids)]

    def _shared(self, key: tuple[Any, ...], make: Callable[..., Any], *args: Any) -> Any:
        """A small object many issues hold (a status, project, version, sprint...), built once per version
        of the site; the same dict goes into every issue (they are only encoded, never changed)."""
        value = self._small.get(key)
        if value is None:
            value = self._small[key] = make(*args)
        return value

    def _head(self, issue: Issue) -> str:
        """The issue's members before "fields" ('"expand":..,"id":..,"self":..,"key":..') as JSON text."""
        self._current()
        head = self._heads.get(issue.id)
        if head is None:
            head = self._heads[issue.id] = _encode(
                {
                    "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
                    "id": str(issue.id),
                    "self": f"{self.api}/issue/{issue.id}",
                    "key": issue.key,
                }
            )[1:-1]
        return head

    def _fields(self, issue: Issue, names: frozenset[str] | None) -> str:
        """The "fields" object as JSON text: every field (``names`` None) or the named ones, in the order of
        :meth:`all_fields`; rendered once per issue and set of names. Only ``updated`` and the like (a scope
        listing) are rendered without building every field."""
        self._current()
        texts = self._fields_text.setdefault(issue.id, {})
        text = texts.get(names)
        if text is None:
            parts = self._field_parts.get(issue.id)
            if parts is None and names is not None and names <= _PLAIN_FIELDS.keys():
                values = {name: value(issue) for name, value in _PLAIN_FIELDS.items() if name in names}
                text = _encode(values)
            else:
                if parts is None:
                    parts = self._parts_of(issue)
                text = "{" + ",".join(part for name, part in parts if names is None or name in names) + "}"
            texts[names] = text
        return text

    def _parts_of(self, issue: Issue) -> list[tuple[str, str]]:
        """Every field of the issue as its '"name":value' JSON text, in the order of :meth:`all_fields` (the
        same text as encoding the dict of them)."""
        parts = self._field_parts[issue.id] = [
            (name, f"{_encode(name)}:{_encode(value)}") for name, value in self.all_fields(issue).items()
        ]
        return parts

    def prerender(self) -> None:
        """Render every issue's head, fields and histories now (both ways of writing ``created``), so that
        answers only join fragments."""
        self._current()
        for issue in self.site.issues:
            self._head(issue)
            if issue.id not in self._field_parts:
                self._parts_of(issue)
            for history in issue.histories:
                self.history(history)
                self.history(history, epoch_created=True)

    def issue(
        self,
        issue: Issue,
        wanted: set[str] | None,
        *,
        changelog_limit: int | None = None,
        with_changelog: bool = False,
    ) -> Json:
        """One issue. ``wanted`` None = every field; {"id"} or {"key"} alone = no fields object."""
        parts = [self._head(issue)]
        if wanted is None:
            parts.append('"fields":' + self._fields(issue, None))
        else:
            names = frozenset(wanted - {"id", "key"})
            if names:
                parts.append('"fields":' + self._fields(issue, names))
        if with_changelog:
            parts.append('"changelog":' + self.changelog(issue, changelog_limit).text)
        return Json("{" + ",".join(parts) + "}")

    def changelog(self, issue: Issue, limit: int | None) -> Json:
        self._current()
        text = self._changelog_text.get((issue.id, limit))
        if text is None:
            histories = issue.histories if limit is None else issue.histories[-limit:]
            head = _encode(
                {
                    "startAt": 0,
                    "maxResults": len(histories) if limit is None else limit,
                    "total": len(issue.histories),
                }
            )
            text = head[:-1] + ',"histories":' + self.histories(histories).text + "}"
            self._changelog_text[(issue.id, limit)] = text
        return Json(text)

    def histories(self, histories: list[History]) -> Json:
        """A JSON array of whole histories."""
        return Json("[" + ",".join(self.history(h).text for h in histories) + "]")

    def history(
        self, history: History, field_filter: frozenset[str] | None = None, *, epoch_created: bool = False
    ) -> Json:
        """One changelog history; with ``field_filter``, only the items of those field ids (and the history
        even when none is left: the caller decides whether to list it). ``epoch_created``: ``created`` as
        epoch milliseconds (changelog/bulkfetch) instead of Jira's ISO-8601 text."""
        self._current()
        if field_filter is not None:
            filtered = self._filtered.setdefault((field_filter, epoch_created), {})
            text = filtered.get(history.id)
            if text is None:
                items = [t for field_id, t in self._items_of(history) if field_id in field_filter]
                text = filtered[history.id] = self._history(history, items, epoch_created)
            return Json(text)
        cache = self._epoch_history_text if epoch_created else self._history_text
        text = cache.get(history.id)
        if text is None:
            items = [t for _, t in self._items_of(history)]
            text = cache[history.id] = self._history(history, items, epoch_created)
        return Json(text)

    def _items_of(self, history: History) -> list[tuple[str | None, str]]:
        """The history's items as (fieldId, the item's JSON text), rendered once."""
        items = self._item_texts.get(history.id)
        if items is None:
            items = self._item_texts[history.id] = [
                (self.field_id(i), self._item_text(i)) for i in history.items
            ]
        return items

    def _history(self, history: History, items: Iterable[str], epoch_created: bool = False) -> str:
        """The history as JSON text, written out directly (the same text as encoding :meth:`item` dicts in
        ``{"id", "author", "created", "items"}``, from the items' texts; a history page holds thousands)."""
        author = self._user_text.get(history.author)
        if author is None:
            author = self._user_text[history.author] = _encode(self.user(self.site.users[history.author]))
        created = (
            str(int(history.created.timestamp() * 1000))
            if epoch_created
            else f'"{jira_time(history.created)}"'
        )
        return (
            f'{{"id":"{history.id}","author":{author},"created":{created},"items":[' + ",".join(items) + "]}"
        )

    def _item_text(self, item: Item) -> str:
        logical, from_, from_string, to, to_string = item
        head = self._item_heads.get(logical)
        if head is None:
            head = self._item_heads[logical] = _encode(self.item((logical, None, None, None, None)))[
                :-1
            ].replace(',"from":null,"fromString":null,"to":null,"toString":null', "")
        return (
            f'{head},"from":{_string(from_)},"fromString":{_string(from_string)},"to":{_string(to)},'
            f'"toString":{_string(to_string)}}}'
        )

    def field_id(self, item: Item) -> str | None:
        """The ``fieldId`` an item carries (Cloud only; None where Jira sends none)."""
        return self._items[item[0]][2] if self.cloud else None

    def item(self, item: Item) -> dict[str, Any]:
        logical, from_, from_string, to, to_string = item
        field, fieldtype, field_id = self._items[logical]
        data: dict[str, Any] = {"field": field, "fieldtype": fieldtype}
        if self.cloud and field_id is not None:
            data["fieldId"] = field_id
        data.update({"from": from_, "fromString": from_string, "to": to, "toString": to_string})
        return data

    def _item_table(self) -> dict[str, tuple[str, str, str | None]]:
        ids = self.ids
        return {
            "status": ("status", "jira", "status"),
            "resolution": ("resolution", "jira", "resolution"),
            "sprint": ("Sprint", "custom", ids.sprint),
            "fixversion": ("Fix Version", "jira", "fixVersions"),
            "duedate": ("duedate", "jira", "duedate"),
            "flagged": ("Flagged", "custom", ids.flagged),
            "team": ("Team", "custom", ids.team),
            "points": (ids.points_name, "custom", ids.points),
            "rank": ("Rank", "custom", ids.rank),
            "labels": ("labels", "jira", "labels"),
            "link": ("Link", "jira", None),
            "summary": ("summary", "jira", "summary"),
            "key": ("Key", "jira", None),  # an issue moved to another project: its key and project change
            "project": ("project", "jira", "project"),
            "parent": ("IssueParentAssociation", "jira", None)
            if self.cloud
            else ("Epic Link", "custom", None),
        }
