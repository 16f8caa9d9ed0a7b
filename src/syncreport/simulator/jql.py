"""The part of JQL a train query uses, parsed by recursive descent and evaluated over the simulator's issues.

Anything outside that part is refused with the error Jira would give (``JqlError`` -> HTTP 400 with
``errorMessages``), never answered with a silently wrong result. Faithful quirks:
- ``!=`` and ``NOT IN`` on a multi-valued or optional field (labels, fixVersion, Team, sprint) do not match
  issues where the field is empty, as in Jira.
- Dates without a zone are in the API user's time zone (``myself.timeZone``, Europe/Berlin here).
- Unknown projects, versions and statuses are errors ("The value 'X' does not exist for the field 'y'.").

Longer than 400 lines: one job, the grammar and its clauses. Jira resolves a clause's values (projects,
versions, sprints, teams, statuses) against the site while it parses, and refuses unknown ones there; so does
:class:`_Parser`, whose clause builders need its state (the site, dialect, "now", validation), and split
apart they would hand that state across modules for no reader's gain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from syncreport.simulator.fields import LEGACY_POINTS, cf_number, field_ids
from syncreport.simulator.model import Issue, Site

USER_ZONE = ZoneInfo("Europe/Berlin")
Predicate = Callable[[Issue], bool]


class JqlError(ValueError):
    """A query Jira would refuse; the message is Jira's errorMessages entry."""


@dataclass(frozen=True, slots=True)
class Query:
    predicate: Predicate
    order: tuple[tuple[str, bool], ...]  # (field, descending)
    bounded: bool  # False: no restriction at all (Cloud's search/jql refuses these)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|~|>|<|\(|\)|,|&&|\|\||!)
      | (?P<word>[^\s=!~<>(),"']+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "string" | "op" | "word" | "end"
    text: str
    pos: int

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def _tokenize(jql: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(jql):
        if jql[pos:].strip() == "":
            break
        match = _TOKEN.match(jql, pos)
        if not match or match.end() == pos:
            raise JqlError(
                f"Error in the JQL Query: The character '{jql[pos]}' is a reserved JQL character. (line 1, character {pos + 1})"
            )
        kind = match.lastgroup or "word"
        text = match.group(kind)
        if kind == "string":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append(_Token(kind, text, match.start(kind) + 1))
        pos = match.end()
    tokens.append(_Token("end", "", len(jql) + 1))
    return tokens


class _Parser:
    def __init__(self, jql: str, site: Site, deployment: str, now: datetime, validate: bool = True) -> None:
        self.validate = (
            validate  # False (Data Center's validateQuery=false): unknown issue keys match nothing
        )
        self.tokens = _tokenize(jql)
        self.i = 0
        self.site = site
        self.deployment = deployment
        self.now = now
        ids = field_ids(deployment)
        self.team_names = {"team", "team[team]", f"cf[{cf_number(ids.team)}]", ids.team}
        self.sprint_names = {"sprint", f"cf[{cf_number(ids.sprint)}]", ids.sprint}
        self.points_names = {ids.points_name.lower(), f"cf[{cf_number(ids.points)}]", ids.points}
        self.legacy_points_names = (
            {"story points", f"cf[{cf_number(LEGACY_POINTS)}]", LEGACY_POINTS}
            if deployment == "cloud" and site.legacy_points_field
            else set()
        )
        self.parent_names = {"parent"} | (
            {"epic link", f"cf[{cf_number(ids.epic_link)}]"} if ids.epic_link else set()
        )

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def next(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, expecting: str) -> JqlError:
        got = self.tok.text if self.tok.kind != "end" else "<EOF>"
        return JqlError(
            f"Error in the JQL Query: Expecting {expecting} but got '{got}'. (line 1, character {self.tok.pos})"
        )

    def parse(self) -> Query:
        predicate: Predicate | None = None
        if self.tok.kind != "end" and not self.tok.keyword("order"):
            predicate = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self.tok.keyword("order"):
            self.next()
            if not self.tok.keyword("by"):
                raise self.fail("'by'")
            self.next()
            while True:
                if self.tok.kind not in ("word", "string"):
                    raise self.fail("a field name")
                name = self.next().text.lower()
                if name not in _ORDERABLE:
                    raise JqlError(f"Not able to sort using field '{name}'.")
                descending = False
                if self.tok.keyword("asc", "desc"):
                    descending = self.next().text.lower() == "desc"
                order.append((_ORDERABLE[name], descending))
                if self.tok.text != ",":
                    break
                self.next()
        if self.tok.kind != "end":
            raise self.fail("either 'OR' or 'AND'" if predicate else "a field name")
        return Query(predicate or (lambda _issue: True), tuple(order), bounded=predicate is not None)

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.tok.keyword("or") or self.tok.text == "||":
            self.next()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda issue: any(p(issue) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.tok.keyword("and") or self.tok.text == "&&":
            self.next()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda issue: all(p(issue) for p in parts))

    def not_expr(self) -> Predicate:
        if self.tok.keyword("not") or (self.tok.kind == "op" and self.tok.text == "!"):
            self.next()
            inner = self.not_expr()
            return lambda issue: not inner(issue)
        if self.tok.kind == "op" and self.tok.text == "(":
            self.next()
            inner = self.or_expr()
            if self.tok.text != ")":
                raise self.fail("')'")
            self.next()
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        if self.tok.kind not in ("word", "string") or (
            self.tok.kind == "word" and self.tok.text.lower() in _KEYWORDS
        ):
            raise self.fail("a field name")
        field = self.next().text
        operator = self.operator()
        values = self.operand(operator)
        return self.build(field, operator, values)

    def operator(self) -> str:
        token = self.tok
        if token.kind == "op" and token.text in ("=", "!=", "~", "!~", ">=", "<=", ">", "<"):
            self.next()
            return token.text
        if token.keyword("in"):
            self.next()
            return "in"
        if token.keyword("not"):
            self.next()
            if not self.tok.keyword("in"):
                raise self.fail("'IN'")
            self.next()
            return "not in"
        if token.keyword("is"):
            self.next()
            if self.tok.keyword("not"):
                self.next()
                return "is not"
            return "is"
        raise self.fail("operator")

    def operand(self, operator: str) -> list[str | None]:
        if operator in ("is", "is not"):
            if not self.tok.keyword("empty", "null"):
                raise self.fail("'EMPTY' or 'NULL'")
            self.next()
            return [None]
        if operator in ("in", "not in"):
            if self.tok.kind == "word" and self.tokens[self.i + 1].text == "(":
                return [self.value()]  # a function returning a list: sprint in openSprints()
            if self.tok.text != "(":
                raise self.fail("'('")
            self.next()
            values: list[str | None] = [self.value()]
            while self.tok.text == ",":
                self.next()
                values.append(self.value())
            if self.tok.text != ")":
                raise self.fail("')'")
            self.next()
            return values
        return [self.value()]

    def value(self) -> str | None:
        token = self.tok
        if token.kind == "string":
            self.next()
            return token.text
        if token.kind != "word" or token.text.lower() in _KEYWORDS - {"empty", "null"}:
            raise self.fail("either a value, 'EMPTY' or a function")
        self.next()
        if token.text.lower() in ("empty", "null"):
            return None
        if self.tok.text == "(":  # a function call
            self.next()
            if self.tok.text != ")":
                raise JqlError(f"Unable to find JQL function '{token.text}(...)'.")
            self.next()
            return f"{token.text}()"
        return token.text

    # --- semantics -------------------------------------------------------------------------------------

    def build(self, field: str, operator: str, values: list[str | None]) -> Predicate:
        name = field.lower()
        for i, v in enumerate(values):
            if v is None or not v.endswith("()"):
                continue
            if not ((name in self.sprint_names and v.lower() in _SPRINT_FUNCTIONS) or v.lower() == "now()"):
                raise JqlError(f"Unable to find JQL function '{v}'.")
            values[i] = v.lower()
        if name in ("project",):
            return self.multi(field, operator, values, self.project_values, lambda i: [i.project])
        if name in ("key", "issuekey", "id"):
            if operator in (">", ">=", "<", "<="):
                return self.key_range(operator, values)
            return self.multi(field, operator, values, self.key_values, lambda i: [i.key], optional=False)
        if name == "labels":
            return self.multi(field, operator, values, lambda vs: {v for v in vs}, lambda i: i.labels)
        if name in ("fixversion", "fixversions"):
            return self.multi(field, operator, values, self.version_values, lambda i: i.pis)
        if name in self.team_names:
            return self.multi(field, operator, values, self.team_values, self.issue_team)
        if name in self.sprint_names:
            return self.multi(
                field, operator, values, self.sprint_values, lambda i: [str(s) for s in i.sprints]
            )
        if name in self.points_names or name in self.legacy_points_names:
            if operator not in ("is", "is not"):
                raise JqlError(f"The simulator supports only IS [NOT] EMPTY on the field '{field}'.")
            legacy = name in self.legacy_points_names
            return self.multi(
                field, operator, values, lambda vs: set(vs),
                lambda i: [] if legacy or i.points is None else [f"{i.points:g}"],
            )  # fmt: skip
        if name == "status":
            return self.multi(
                field, operator, values, self.status_values, lambda i: [i.status], optional=False
            )
        if name == "statuscategory":
            return self.multi(
                field, operator, values, self.category_values,
                lambda i: [self.site.statuses[i.status].category], optional=False,
            )  # fmt: skip
        if name in ("issuetype", "type"):
            return self.multi(
                field, operator, values, lambda vs: {v.lower() for v in vs}, lambda i: [i.issuetype.lower()],
                optional=False,
            )  # fmt: skip
        if name in self.parent_names:
            return self.multi(
                field, operator, values, self.key_values, lambda i: [i.parent] if i.parent else []
            )
        if name in ("summary", "text"):
            return self.contains(field, operator, values)
        if name == "resolution":
            return self.multi(
                field, operator, values, self.resolution_values,
                lambda i: ["Done" if i.resolved else "Unresolved"], optional=False,
            )  # fmt: skip
        if name == "priority":
            return self.multi(
                field, operator, values, self.priority_values, lambda i: [i.priority], optional=False
            )
        if name in ("component", "components"):  # the site has no components: any value is unknown
            return self.multi(
                field, operator, values, lambda vs: self._no_such(vs, "component"), lambda _i: []
            )
        if name in _DATE_FIELDS:
            return self.dates(field, operator, values, _DATE_FIELDS[name])
        raise JqlError(f"Field '{field}' does not exist or you do not have permission to view it.")

    def key_range(self, operator: str, values: list[str | None]) -> Predicate:
        """``key > ABC-123``: issues of ABC numbered above 123 (Jira compares keys within their project)."""
        (key,) = self.key_values([v for v in values if v is not None] or [""])
        project, _, number = key.partition("-")
        bound = int(number)
        compare = {">": int.__gt__, ">=": int.__ge__, "<": int.__lt__, "<=": int.__le__}[operator]
        return lambda issue: issue.project == project and compare(int(issue.key.partition("-")[2]), bound)

    def multi(
        self,
        field: str,
        operator: str,
        values: list[str | None],
        resolve: Callable[[list[str]], set[str]],
        get: Callable[[Issue], list[str]],
        *,
        optional: bool = True,
    ) -> Predicate:
        if operator in ("is", "is not"):
            if not optional and field.lower() not in ("parent",):
                raise JqlError(f"The operator '{operator.upper()}' is not supported by the '{field}' field.")
            empty = operator == "is"
            return lambda issue: (not get(issue)) == empty
        if operator not in ("=", "!=", "in", "not in"):
            raise JqlError(f"The operator '{operator}' is not supported by the '{field}' field.")
        if any(v is None for v in values):
            raise JqlError(f"The operator '{operator}' does not support the value EMPTY for field '{field}'.")
        wanted = resolve([v for v in values if v is not None])
        if operator in ("=", "in"):
            return lambda issue: any(v in wanted for v in get(issue))
        # Jira: != / NOT IN never match an empty field
        return lambda issue: bool(get(issue)) and not any(v in wanted for v in get(issue))

    def contains(self, field: str, operator: str, values: list[str | None]) -> Predicate:
        if operator not in ("~", "!~"):
            raise JqlError(
                f"The operator '{operator}' is not supported by the '{field}' field. Use '~' or '!~' instead."
            )
        text = (values[0] or "").lower().strip("*")
        words = text.split()
        if not words:
            raise JqlError(f"The field '{field}' does not support searching for an empty string.")
        hit: Predicate = lambda issue: all(w in issue.summary.lower() for w in words)  # noqa: E731
        return hit if operator == "~" else (lambda issue: not hit(issue))

    def dates(self, field: str, operator: str, values: list[str | None], attr: str) -> Predicate:
        if operator in ("is", "is not"):
            empty = operator == "is"
            return lambda issue: (getattr(issue, attr) is None) == empty
        if operator not in ("=", "!=", ">=", "<=", ">", "<"):
            raise JqlError(f"The operator '{operator}' is not supported by the '{field}' field.")
        value = values[0]
        if value is None:
            raise JqlError(f"The operator '{operator}' does not support the value EMPTY for field '{field}'.")
        moment = self.parse_date(field, value)
        compare: Callable[[datetime], bool] = {
            "=": lambda a: a == moment, "!=": lambda a: a != moment, ">=": lambda a: a >= moment,
            "<=": lambda a: a <= moment, ">": lambda a: a > moment, "<": lambda a: a < moment,
        }[operator]  # fmt: skip
        if attr == "duedate":
            return lambda issue: (
                issue.duedate is not None
                and compare(datetime.combine(issue.duedate, datetime.min.time(), USER_ZONE).astimezone(UTC))
            )

        def at(issue: Issue) -> bool:
            stamp = getattr(issue, attr)
            if stamp is None:
                return False
            # JQL compares to the minute
            return bool(compare(stamp - timedelta(seconds=stamp.second, microseconds=stamp.microsecond)))

        return at

    def parse_date(self, field: str, value: str) -> datetime:
        if value == "now()":
            return self.now
        relative = re.fullmatch(r"([-+]?)(\d+)([wdhm])", value.strip())
        if relative:
            sign = -1 if relative.group(1) == "-" else 1
            unit = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}[relative.group(3)]
            return self.now + sign * timedelta(**{unit: int(relative.group(2))})
        for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(value.strip(), fmt).replace(tzinfo=USER_ZONE).astimezone(UTC)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{value}' for field '{field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
            "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
        )

    # --- value resolution (unknown values are errors, as in Jira) --------------------------------------

    def _unknown(self, value: str, field: str) -> JqlError:
        return JqlError(f"The value '{value}' does not exist for the field '{field}'.")

    def project_values(self, values: list[str]) -> set[str]:
        found: set[str] = set()
        visible = [p for p in self.site.projects if p.visible]
        for v in values:
            match = next((p for p in visible if v.lower() in (p.key.lower(), p.name.lower(), p.id)), None)
            if match is None:
                raise self._unknown(v, "project")
            found.add(match.key)
        return found

    def key_values(self, values: list[str]) -> set[str]:
        found: set[str] = set()
        for v in values:
            # an old key of an issue moved to another project finds it under its new key, as in Jira
            issue = self.site.by_key.get(v.upper()) or self.site.by_key.get(
                self.site.moved.get(v.upper(), "")
            )
            if issue is None and v.isdigit():
                issue = next((i for i in self.site.issues if i.id == int(v)), None)
            if issue is None or not self.site.visible(issue):
                if not self.validate:
                    continue
                raise JqlError(f"An issue with key '{v}' does not exist for field 'key'.")
            found.add(issue.key)
        return found

    def version_values(self, values: list[str]) -> set[str]:
        found: set[str] = set()
        for v in values:
            match = next((x for x in self.site.versions if v.lower() in (x.name.lower(), x.id)), None)
            if match is None:
                raise self._unknown(v, "fixVersion")
            found.add(match.name)
        return found

    def team_values(self, values: list[str]) -> set[str]:
        found: set[str] = set()
        for v in values:
            match = next(
                (t for t in self.site.teams if v.lower() in (t.uuid, str(t.number), t.name.lower())), None
            )
            if match is None:
                raise self._unknown(v, "Team")
            found.add(match.uuid)
        return found

    def issue_team(self, issue: Issue) -> list[str]:
        return [self.site.teams[issue.team].uuid] if issue.team is not None else []

    def sprint_values(self, values: list[str]) -> set[str]:
        sprints = self.site.sprints.values()
        found: set[str] = set()
        for v in values:
            if v in _SPRINT_FUNCTIONS:
                state = _SPRINT_FUNCTIONS[v]
                found |= {str(s.id) for s in sprints if s.state == state}
                continue
            matches = [s for s in sprints if v == str(s.id) or v.lower() == s.name.lower()]
            if not matches:
                raise self._unknown(v, "sprint")
            found |= {str(s.id) for s in matches}
        return found

    def status_values(self, values: list[str]) -> set[str]:
        found: set[str] = set()
        for v in values:
            matches = [s.id for s in self.site.statuses.values() if v.lower() in (s.name.lower(), s.id)]
            if not matches:
                raise self._unknown(v, "status")
            found |= set(matches)
        return found

    def resolution_values(self, values: list[str]) -> set[str]:
        names = {"unresolved": "Unresolved", "done": "Done"}
        for v in values:
            if v.lower() not in names:
                raise self._unknown(v, "resolution")
        return {names[v.lower()] for v in values}

    def priority_values(self, values: list[str]) -> set[str]:
        names = {p.lower(): p for p in _PRIORITY_ORDER}
        for v in values:
            if v.lower() not in names:
                raise self._unknown(v, "priority")
        return {names[v.lower()] for v in values}

    def _no_such(self, values: list[str], field: str) -> set[str]:
        raise self._unknown(values[0], field)

    def category_values(self, values: list[str]) -> set[str]:
        found: set[str] = set()
        for v in values:
            key = _CATEGORIES.get(v.lower())
            if key is None:
                raise self._unknown(v, "statusCategory")
            found.add(key)
        return found


_SPRINT_FUNCTIONS = {"opensprints()": "active", "closedsprints()": "closed", "futuresprints()": "future"}
_CATEGORIES = {
    "new": "new", "to do": "new", "2": "new",
    "indeterminate": "indeterminate", "in progress": "indeterminate", "4": "indeterminate",
    "done": "done", "3": "done",
}  # fmt: skip
_DATE_FIELDS = {
    "updated": "updated", "updateddate": "updated", "created": "created", "createddate": "created",
    "resolved": "resolved", "resolutiondate": "resolved", "due": "duedate", "duedate": "duedate",
}  # fmt: skip
_ORDERABLE = {
    "key": "key", "issuekey": "key", "id": "key", "updated": "updated", "created": "created", "rank": "rank",
    "summary": "summary", "duedate": "duedate", "priority": "priority",
}  # fmt: skip
_PRIORITY_ORDER = {"Highest": 0, "High": 1, "Medium": 2, "Low": 3, "Lowest": 4}


def _order_value(issue: Issue, name: str) -> Any:
    if name == "key":
        project, _, number = issue.key.partition("-")
        return (project, int(number))
    if name == "duedate":
        return issue.duedate.toordinal() if issue.duedate else 10**9
    if name == "priority":
        return _PRIORITY_ORDER.get(issue.priority, 9)
    return getattr(issue, name)


def parse_jql(
    jql: str, site: Site, deployment: str, *, now: datetime | None = None, validate: bool = True
) -> Query:
    """Parse and resolve a query against the site; raises :class:`JqlError` with Jira's message.

    ``validate=False`` is Data Center's ``validateQuery=false``: an issue key that does not exist (or that the
    user may not browse) matches nothing instead of failing the query."""
    return _Parser(jql or "", site, deployment, now or datetime.now(UTC), validate).parse()


def run_query(query: Query, issues: list[Issue]) -> list[Issue]:
    """The matching issues in the query's order (rank when it names none), ties broken by rank."""
    hits = [issue for issue in issues if query.predicate(issue)]
    hits.sort(key=lambda issue: issue.rank)
    for name, descending in reversed(query.order):
        hits.sort(key=partial(_order_value, name=name), reverse=descending)
    return hits
