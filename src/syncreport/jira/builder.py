"""The train's :class:`~syncreport.snapshot.Snapshot`, assembled from its normalized issues.

Pure functions, no HTTP: :class:`SnapshotBuilder` collects issues one at a time (each normalized by
:class:`~syncreport.jira.normalize.Normalizer`), then orients the configured dependency links
provider -> consumer, dates them from the changelog, and adds the boards, sprints and current PI. Each
issue's part (:class:`Normalized`) is made apart from adding it, so a warm run can keep it. (A little over
400 lines: the links, the snapshot and the board helpers all read the builder's state.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from syncreport.config import Config, TrainSettings
from syncreport.jira.fields import FieldMap
from syncreport.jira.normalize import Normalizer
from syncreport.jira.values import sprint_from_json, sprint_values, value_name
from syncreport.kinds import Deployment
from syncreport.snapshot import (
    Board,
    ChangeEvent,
    ChangeField,
    ChangeLog,
    ChangeRow,
    DependencyLink,
    Issue,
    LinkedIssue,
    MovedIssue,
    Snapshot,
    Sprint,
    issue_order,
)

# --- links -------------------------------------------------------------------------------------------------


def dependency_links(raw_issues: Iterable[Mapping[str, Any]], train: TrainSettings) -> list[DependencyLink]:
    """Every link of a configured dependency type, oriented provider -> consumer, once per link id."""
    return _dependency_links(raw_issues, _provider_sides(train))


def _provider_sides(train: TrainSettings) -> dict[str, str]:
    """Dependency link type name (casefolded) -> the side that provides ("inward" | "outward")."""
    return {t.name.casefold(): t.provider for t in train.dependency_link_types}


def _dependency_links(
    raw_issues: Iterable[Mapping[str, Any]], types: Mapping[str, str]
) -> list[DependencyLink]:
    seen: dict[str, DependencyLink] = {}
    for raw in raw_issues:
        key = str(raw["key"])
        for link in (raw.get("fields") or {}).get("issuelinks") or ():
            type_name = str((link.get("type") or {}).get("name") or "")
            provider_side = types.get(type_name.casefold())
            if provider_side is None:
                continue
            if link.get("outwardIssue"):
                other, this_is_outward_subject = str(link["outwardIssue"]["key"]), True
            elif link.get("inwardIssue"):
                other, this_is_outward_subject = str(link["inwardIssue"]["key"]), False
            else:
                continue
            # "X <outward> Y": X holds outwardIssue Y. provider = "outward" means X provides.
            x_provides = this_is_outward_subject == (provider_side == "outward")
            provider, consumer = (key, other) if x_provides else (other, key)
            link_id = str(link.get("id") or f"{provider}>{consumer}:{type_name}")
            seen.setdefault(link_id, DependencyLink(link_id, type_name, provider, consumer))
    return list(seen.values())


def _link_ends(raw: Mapping[str, Any], types: Mapping[str, str], category: Any) -> Iterable[LinkedIssue]:
    """The other end of each dependency link of this issue, as the link shows it (summary, status with its
    category, type)."""
    for link in (raw.get("fields") or {}).get("issuelinks") or ():
        if str((link.get("type") or {}).get("name") or "").casefold() not in types:
            continue
        other = link.get("outwardIssue") or link.get("inwardIssue")
        if not isinstance(other, Mapping) or not other.get("key"):
            continue
        f = other.get("fields") or {}
        status = f.get("status") or {}
        status_category = str((status.get("statusCategory") or {}).get("key") or "")
        yield LinkedIssue(
            key=str(other["key"]),
            summary=str(f.get("summary") or ""),
            status=str(status.get("name") or ""),
            status_category=status_category or category(status.get("id"), status.get("name")) or "",
            issue_type=value_name(f.get("issuetype")) or "",
        )


def linked_keys(raw: Mapping[str, Any], train: TrainSettings) -> set[str]:
    """Keys at the other end of this issue's dependency links."""
    return {k for link in dependency_links([raw], train) for k in (link.provider_key, link.consumer_key)} - {
        str(raw["key"])
    }


def _with_created(links: Sequence[DependencyLink], changes: ChangeLog) -> list[DependencyLink]:
    added: dict[tuple[str, str], datetime] = {}
    link_field = ChangeField.LINK.value
    for field, issue_key, to_value, at in zip(
        changes.field, changes.issue_key, changes.to_value, changes.at, strict=True
    ):
        if field == link_field and to_value:
            pair = (issue_key, to_value)
            added[pair] = max(added.get(pair, at), at)
    out = []
    for link in links:
        times = [
            t
            for t in (
                added.get((link.provider_key, link.consumer_key)),
                added.get((link.consumer_key, link.provider_key)),
            )
            if t
        ]
        out.append(
            DependencyLink(
                link.id, link.link_type, link.provider_key, link.consumer_key, max(times) if times else None
            )
        )
    return out


# --- the snapshot ------------------------------------------------------------------------------------------


def status_maps(statuses: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    by_id: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for status in statuses:
        category = str((status.get("statusCategory") or {}).get("key") or "")
        if not category:
            continue
        by_id[str(status.get("id"))] = category
        by_name[str(status.get("name") or "").casefold()] = category
    return by_id, by_name


@dataclass(frozen=True, slots=True)
class Normalized:
    """What one issue adds to the snapshot: the issue, its change events, its dependency links and what they
    show of their other ends, its sprints, and the keys it had before a move. Made by
    :meth:`SnapshotBuilder.normalize` from the issue's raw JSON; kept by the cache for warm runs
    (:mod:`syncreport.jira.normalized`)."""

    issue: Issue
    issue_id: str | None
    end_ids: tuple[tuple[str, str], ...]  # (key, id) of each linked issue the links name
    changes: tuple[ChangeRow, ...]  # the issue's change events (each its field values), in time order
    links: tuple[DependencyLink, ...]
    ends: tuple[LinkedIssue, ...]
    sprints: tuple[Sprint, ...]
    old_keys: tuple[str, ...] = ()


class SnapshotBuilder:
    """Collects issues one at a time (so a 50,000-issue train never sits in memory as raw JSON).

    ``add`` normalizes an issue and its histories at once and keeps only the typed results plus the sprint
    values seen; ``snapshot`` adds boards and board sprints and assembles the :class:`Snapshot`.
    """

    def __init__(self, config: Config, fields: FieldMap, statuses: Iterable[Mapping[str, Any]]) -> None:
        self.config = config
        self.fields = fields
        by_id, by_name = status_maps(statuses)
        self._normalizer = Normalizer(config.train, fields, by_id, by_name)
        self.issues: dict[str, Issue] = {}
        self.links: dict[str, DependencyLink] = {}
        self.changes: list[ChangeRow] = []
        self._link_ends: dict[str, LinkedIssue] = {}
        self._issue_sprints: dict[int, Sprint] = {}
        self._parsed_sprints: dict[int, Sprint] = {}  # parsed by normalize, not necessarily taken yet
        self._provider_sides = _provider_sides(config.train)
        # An issue's identity is its id: a key changes when the issue moves to another project, and a cached
        # issue's links still name the old key (Jira does not update the linked issue). Link ends carry the
        # far end's id, so an old key is mapped to the key its id has now.
        self._key_of_id: dict[str, str] = {}
        self._id_of_end: dict[str, str] = {}
        self._moved: dict[str, str] = {}  # old key -> the key the issue has now (its changelog's "Key" items)

    def add(
        self, raw: Mapping[str, Any], histories: Iterable[Mapping[str, Any]] | None, *, in_train: bool
    ) -> Issue:
        return self.take(self.normalize(raw, histories, in_train=in_train))

    def normalize(
        self,
        raw: Mapping[str, Any],
        histories: Iterable[Mapping[str, Any]] | None,
        *,
        in_train: bool,
        old_keys: Iterable[str] = (),
    ) -> Normalized:
        """What this issue adds to the snapshot (``take`` adds it): pure, so a warm run can keep it."""
        issue = self._normalizer.issue(raw, in_train=in_train)
        end_ids = []
        for link in (raw.get("fields") or {}).get("issuelinks") or ():
            other = (
                (link.get("outwardIssue") or link.get("inwardIssue")) if isinstance(link, Mapping) else None
            )
            if isinstance(other, Mapping) and other.get("key") and other.get("id") is not None:
                end_ids.append((str(other["key"]), str(other["id"])))
        sprint_field = self.fields.sprint
        sprints = [
            self._sprint(data)
            for data in sprint_values((raw.get("fields") or {}).get(sprint_field) if sprint_field else None)
            if data.get("name")
        ]
        return Normalized(
            issue=issue,
            issue_id=None if raw.get("id") is None else str(raw["id"]),
            end_ids=tuple(end_ids),
            changes=change_rows(self._normalizer.changes(issue.key, histories)) if histories else (),
            links=tuple(_dependency_links([raw], self._provider_sides)),
            ends=tuple(_link_ends(raw, self._provider_sides, self._normalizer.category)),
            sprints=tuple(sprints),
            old_keys=tuple(k for k in old_keys if k and k != issue.key),
        )

    def _sprint(self, data: Mapping[str, Any]) -> Sprint:
        """A sprint an issue names, parsed once per sprint (the snapshot keeps the first one seen anyway)."""
        sprint_id = int(data["id"])
        known = self._issue_sprints.get(sprint_id) or self._parsed_sprints.get(sprint_id)
        if known is None:
            known = self._parsed_sprints[sprint_id] = sprint_from_json(data)
        return known

    def take(self, found: Normalized) -> Issue:
        """Add one normalized issue (fresh from :meth:`normalize` or kept from the last run)."""
        issue = found.issue
        known = self.issues.get(issue.key)
        if known is not None and known.in_train and not issue.in_train:
            # a far end that is the train's own issue (asked by an old key): the train's copy wins
            return known
        self.issues[issue.key] = issue
        if found.issue_id is not None:
            self._key_of_id[found.issue_id] = issue.key
        self._id_of_end.update(found.end_ids)
        self.changes.extend(found.changes)
        for link in found.links:
            self.links.setdefault(link.id, link)
        for end in found.ends:
            if end.status_category or end.key not in self._link_ends:
                self._link_ends[end.key] = end
        for sprint in found.sprints:
            self._issue_sprints.setdefault(sprint.id, sprint)
        for old in found.old_keys:
            self._moved[old] = issue.key
        return issue

    def relevant_histories(self, histories: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """:func:`relevant_histories` with this builder's field map."""
        return self._normalizer.relevant_histories(histories)

    def relevant_histories_with_old_keys(
        self, histories: Iterable[Mapping[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """:meth:`relevant_histories`, and the keys the issue had before a move (its changelog's "Key" items,
        which the relevant histories leave out; hand them to :meth:`normalize`), in the same pass."""
        old_keys: list[str] = []
        kept = self._normalizer.relevant_histories(histories, old_keys)
        return kept, old_keys

    def far_end_keys(self) -> set[str]:
        """Keys at the other end of a dependency link that are not (yet) in the builder."""
        ends = {
            self.current_key(k)
            for link in self.links.values()
            for k in (link.provider_key, link.consumer_key)
        }
        return ends - set(self.issues)

    def end_id(self, key: str) -> str:
        """The id of the issue a link names by ``key`` ("" when no link said)."""
        return self._id_of_end.get(key, "")

    def current_key(self, key: str) -> str:
        """The key the issue a link names by ``key`` has now (another one when it was moved since)."""
        return self._key_of_id.get(self._id_of_end.get(key, ""), key)

    def _current_links(self) -> list[DependencyLink]:
        """The links with each end under its current key (a moved issue's old key replaced), once per id."""
        out: dict[str, DependencyLink] = {}
        for link in self.links.values():
            provider, consumer = self.current_key(link.provider_key), self.current_key(link.consumer_key)
            if (provider, consumer) != (link.provider_key, link.consumer_key):
                link = DependencyLink(link.id, link.link_type, provider, consumer, link.created)
            out.setdefault(link.id, link)
        return list(out.values())

    def sprint_board_ids(self) -> set[int]:
        return {s.board_id for s in self._issue_sprints.values() if s.board_id is not None}

    def issue_sprints(self) -> dict[int, Sprint]:
        return dict(self._issue_sprints)

    def snapshot(
        self,
        *,
        site_url: str,
        deployment: Deployment,
        taken_at: datetime,
        boards: Sequence[Mapping[str, Any]],
        board_sprints: Sequence[Mapping[str, Any]],
    ) -> Snapshot:
        train = self.config.train
        order = {key: issue_order(key) for key in self.issues}  # each key parsed once, not once per event
        current_links = self._current_links()
        for link in current_links:
            for key in (link.provider_key, link.consumer_key):
                if key not in order:
                    order[key] = issue_order(key)
        moved = self._moves()
        issues = sorted(
            _parents_moved(self.issues.values(), moved), key=lambda i: (not i.in_train, order[i.key])
        )
        changes = _in_snapshot_order(self.changes, order)
        links = _with_created(current_links, changes)
        links.sort(key=lambda link: (order[link.provider_key], order[link.consumer_key], link.id))
        found = dict(self._issue_sprints)
        for data in board_sprints:
            found[int(data["id"])] = sprint_from_json(data)
        sprints = sorted(found.values(), key=lambda s: (s.start or datetime.max.replace(tzinfo=UTC), s.id))
        in_train = [i for i in issues if i.in_train]
        linked = sorted(
            (end for key, end in self._link_ends.items() if self.current_key(key) not in self.issues),
            key=lambda e: order.get(e.key) or issue_order(e.key),
        )
        teams = _ordered(train.teams, sorted({i.team for i in in_train if i.team}))
        pis = _ordered(train.pi_order, sorted({i.pi for i in in_train if i.pi}))
        return Snapshot(
            train=train.name,
            site_url=site_url,
            taken_at=taken_at,
            deployment=deployment,
            jql=train.jql,
            pis=tuple(pis),
            current_pi=train.current_pi or _current_pi(in_train, sprints, pis),
            teams=tuple(teams),
            issues=tuple(issues),
            sprints=tuple(sprints),
            boards=tuple(_boards(boards, issues, sprints)),
            links=tuple(links),
            changes=changes,
            linked=tuple(linked),
            moved=tuple(MovedIssue(old, new) for old, new in sorted(moved.items()) if new in self.issues),
            available_fields=tuple(self._available(in_train)),
        )

    def _moves(self) -> dict[str, str]:
        """Old key -> the key the issue has now: from changelogs' "Key" items and links naming an old key."""
        moved = dict(self._moved)
        for end in self._id_of_end:  # a link that still names an old key tells the move too
            if self.current_key(end) != end:
                moved.setdefault(end, self.current_key(end))
        return moved

    def _available(self, in_train: Sequence[Issue]) -> list[str]:
        fields = self.fields
        available = ["sprint", "status", "links"]
        available += [name for name, fid in (("points", fields.points), ("flagged", fields.flagged)) if fid]
        if fields.business_value_planned and fields.business_value_actual:
            available.append("business_value")
        if any(i.team for i in in_train):
            available.append("team")
        if any(i.pi for i in in_train):
            available.append("pi")
        return available


def _in_snapshot_order(rows: Iterable[ChangeRow], order: Mapping[str, tuple[str, int, str]]) -> ChangeLog:
    """The events by time, then issue (in :func:`issue_order`), then field (stable: ties keep the order they
    were taken in), as the snapshot's columns."""
    return ChangeLog.from_rows(
        sorted(rows, key=lambda row: (row[1], order.get(row[0]) or issue_order(row[0]), row[2]))
    )


def change_rows(events: Iterable[ChangeEvent]) -> tuple[ChangeRow, ...]:
    """Each event as the tuple of its field values (what a kept row holds, and what the builder joins)."""
    return tuple(map(_CHANGE_ROW, events))


_CHANGE_ROW = attrgetter(*(f.name for f in dataclass_fields(ChangeEvent)))


def _parents_moved(issues: Iterable[Issue], moved: Mapping[str, str]) -> Iterator[Issue]:
    """The issues with a parent moved since (a child's cached copy still names its old key: Jira shows the
    new key at once but does not update the child) under the parent's current key."""
    for issue in issues:
        if issue.parent_key is not None and issue.parent_key in moved:
            issue = replace(issue, parent_key=moved[issue.parent_key])
        yield issue


def _ordered(first: Sequence[str], rest: Iterable[str]) -> list[str]:
    return list(first) + [x for x in rest if x not in first]


def _boards(
    raw_boards: Sequence[Mapping[str, Any]], issues: Sequence[Issue], sprints: Sequence[Sprint]
) -> list[Board]:
    origin = {s.id: s.board_id for s in sprints}
    teams_by_board: dict[int, Counter[str]] = {}
    for issue in issues:
        if not issue.team:
            continue
        for sprint_id in issue.sprint_ids:
            board_id = origin.get(sprint_id)
            if board_id is not None:
                teams_by_board.setdefault(board_id, Counter())[issue.team] += 1
    boards = []
    for data in raw_boards:
        board_id = int(data["id"])
        counts = teams_by_board.get(board_id)
        location = data.get("location") or {}
        boards.append(
            Board(
                id=board_id,
                name=str(data.get("name") or f"Board {board_id}"),
                team=counts.most_common(1)[0][0] if counts else None,
                project_key=location.get("projectKey"),
                board_type=str(data.get("type") or "scrum"),
            )
        )
    return sorted(boards, key=lambda b: b.id)


def _current_pi(issues: Sequence[Issue], sprints: Sequence[Sprint], pis: Sequence[str]) -> str | None:
    """The PI most of the train's issues in an active sprint belong to; else the most used PI."""
    active = {s.id for s in sprints if s.state == "active"}
    in_active = Counter(i.pi for i in issues if i.pi and active.intersection(i.sprint_ids))
    counts = in_active or Counter(i.pi for i in issues if i.pi)
    if not counts:
        return pis[-1] if pis else None
    rank = {name: n for n, name in enumerate(pis)}
    return max(counts, key=lambda name: (counts[name], rank.get(name, -1)))
