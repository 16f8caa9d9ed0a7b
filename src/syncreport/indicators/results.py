"""What the indicators produce: frozen, fully computed values for the report and the JSON export.

Templates never compute, so everything the report shows is here already: sorted lists (most severe
first), counts, labels (iteration names, status labels), health with human-readable reasons, the program
board placement (team x iteration) and chart series.

Conventions:
- Datetimes are timezone-aware UTC; dates are :class:`datetime.date`.
- Sequences are tuples, already in display order (the order is documented on each field).
- ``iteration_index`` is 1-based (the program board's column number); ``None`` means unscheduled.
- Shares and ratios are floats in [0, 1] (``None`` when there is nothing to divide by).
- Health and dependency status are the ``StrEnum`` types of syncreport/kinds.py (each member is its string;
  ``DEPENDENCY_STATUSES`` there is the precedence order of docs/indicators.md, ``STATUS_SEVERITY`` the
  display order, most severe first).

Longer than 400 lines on purpose: it is the one contract between the indicators, the renderers and the
JSON export, and a reader wants every result type on one page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

# Named here too (explicitly re-exported): every reader of the results reads these words with them.
from syncreport.kinds import DependencyStatus as DependencyStatus
from syncreport.kinds import Deployment as Deployment
from syncreport.kinds import Health as Health

Severity = Literal["error", "warning", "info"]


# --- the train's calendar ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Iteration:
    """One column of the program board."""

    index: int  # 1-based
    name: str  # e.g. "I1" or the most common sprint name of the window
    start: datetime
    end: datetime
    state: Literal["past", "current", "future"]  # relative to the snapshot's taken_at


@dataclass(frozen=True, slots=True)
class Calendar:
    source: Literal["configured", "derived", "none"]  # "none": no sprint had dates
    iterations: tuple[Iteration, ...]
    current_index: int | None  # the iteration containing taken_at, if any


# --- train / team summary ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainInfo:
    name: str
    pi: str | None  # the PI the report is about (snapshot.current_pi)
    pis: tuple[str, ...]  # every PI in planning order
    generated_at: datetime  # = snapshot.taken_at (the reference time of every figure)
    jira_url: str
    deployment: Deployment
    issue_count: int  # train issues (in_train), far ends excluded
    team_count: int


@dataclass(frozen=True, slots=True)
class HealthFigures:
    """The figures health is judged on (per team, or the whole train)."""

    issues: int
    done: int
    late_dependencies: int  # cross-team, the team is the provider (train: all)
    unscheduled_dependencies: int  # cross-team, provider unscheduled; the team is the provider
    at_risk_dependencies: int
    consumer_late_dependencies: int  # the team is the consumer of a late dependency (impact, not blame)
    carry_over_issues: int  # issues carried over at least once
    carry_over_share: float | None  # carry_over_issues / sprinted issues
    reliability: float | None  # committed-done share over the team's closed sprints of the PI
    orphan_share: float | None
    off_cadence_sprints: int
    max_ageing_days: int  # longest flagged/blocked age among unfinished issues
    aged_issues: int  # unfinished issues flagged/blocked for >= ageing_days_amber


@dataclass(frozen=True, slots=True)
class TeamHealth:
    team: str
    health: Health
    reasons: tuple[str, ...]  # worst first; a green team has none (or only the note that it has no sprints)
    figures: HealthFigures
    has_sprints: bool


@dataclass(frozen=True, slots=True)
class TrainHealth:
    health: Health
    reasons: tuple[str, ...]
    figures: HealthFigures


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """One of the top items the RTE should raise at the sync (at most five, most severe first)."""

    rank: int  # 1-based
    severity: Severity
    kind: str  # "late_dependency", "unscheduled_dependency", "cycle", "red_team", "ageing", "slip", ...
    title: str
    detail: str
    keys: tuple[str, ...]
    teams: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: DependencyStatus
    label: str
    count: int


# --- dependencies ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DependencyEnd:
    key: str
    summary: str
    url: str
    team: str  # "unassigned" when missing
    issue_type: str
    status: str  # the status name as Jira shows it
    done: bool
    flagged: bool
    in_train: bool
    visible: bool  # False: the issue is not in the snapshot (the user cannot see it); fields are blanks
    sprint: str | None  # latest sprint's name
    sprint_id: int | None
    iteration_index: int | None
    iteration_name: str | None
    pi: str | None


@dataclass(frozen=True, slots=True)
class DependencyRow:
    link_id: str
    link_type: str
    consumer: DependencyEnd
    provider: DependencyEnd
    status: DependencyStatus
    status_label: str
    severity_rank: int  # status.severity (0 = most severe)
    reason: str  # e.g. "provider planned in I4, needed by the consumer in I2"
    cross_pi: bool  # both PIs known and different
    iterations_late: int | None  # provider iteration - consumer iteration when both scheduled
    provider_slipped: bool  # the provider's sprint moved later after the link was created
    provider_slip_from: str | None  # the sprint it was in when the link was created
    in_cycle: bool


@dataclass(frozen=True, slots=True)
class Cycle:
    keys: tuple[str, ...]  # in dependency order: keys[0] needs keys[1] needs ... needs keys[0]
    teams: tuple[str, ...]  # the teams of keys, same order


# --- slippage ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PiSlip:
    from_pi: str
    to_pi: str
    at: datetime


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One train issue with its slippage figures."""

    key: str
    summary: str
    url: str
    team: str
    issue_type: str
    status: str
    done: bool
    sprint: str | None
    iteration_index: int | None
    iteration_name: str | None
    pi: str | None
    carry_over: int  # number of closed sprints it was carried out of while not done
    sprints_passed: tuple[str, ...]  # names of every sprint it was in, in the order it entered them
    due_date: date | None
    first_due_date: date | None
    due_date_slip_days: int | None  # current - first (later = positive); None when never set
    pi_slip: PiSlip | None  # the latest move to a later PI
    ageing_days: int  # days flagged or blocked (unfinished issues only), 0 when neither
    team_changed: bool  # the issue moved between teams


@dataclass(frozen=True, slots=True)
class SprintReliability:
    team: str
    sprint_id: int
    sprint: str
    iteration_index: int | None
    iteration_name: str | None
    start: datetime | None
    end: datetime | None
    unit: Literal["points", "issues"]
    committed: float  # in the sprint at its start
    completed: float  # of the committed, done by the sprint's end
    added: float  # added after the start (scope added; in neither part of the ratio)
    added_completed: float
    removed: float  # committed but taken out before the end
    reliability: float | None  # completed / committed; None when nothing was committed


@dataclass(frozen=True, slots=True)
class AgeingRow:
    key: str
    summary: str
    url: str
    team: str
    reason: Literal["flagged", "blocked", "flagged and blocked"]
    since: datetime
    days: int


# --- misalignment ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CadenceRow:
    team: str
    sprint_id: int
    sprint: str
    iteration_index: int
    iteration_name: str
    sprint_start: datetime
    sprint_end: datetime
    iteration_start: datetime
    iteration_end: datetime
    start_offset_days: float  # sprint start - iteration start in working days (positive = later)
    end_offset_days: float
    off_cadence: bool  # either offset beyond the tolerance


@dataclass(frozen=True, slots=True)
class OrphanRow:
    team: str
    pi_issues: int  # the team's issues in the report's PI (or all its issues when no PI is known)
    orphans: int
    share: float | None
    keys: tuple[str, ...]  # the orphan issues, sorted


@dataclass(frozen=True, slots=True)
class IssueRef:
    key: str
    summary: str
    url: str
    team: str
    issue_type: str
    status: str
    pi: str | None
    sprint: str | None


# --- predictability ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PredictabilityRow:
    scope: str  # a team name, or the train's name for the train row
    planned: float
    actual: float
    ratio: float | None
    in_band: bool  # 0.8 <= ratio <= 1.0


@dataclass(frozen=True, slots=True)
class Predictability:
    available: bool
    reason: str | None  # why not available ("... because ..."), None when available
    train: PredictabilityRow | None
    teams: tuple[PredictabilityRow, ...]


# --- data quality ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataQualityFinding:
    kind: str  # stable code, e.g. "missing_team", "missing_points", "pi_unset", "foreign_sprint"
    severity: Severity
    title: str  # e.g. "Issues with no team"
    detail: str  # what it affects and how to fix it in Jira
    count: int
    keys: tuple[str, ...]  # issue keys (or sprint ids as strings for sprint findings), sorted


# --- changes since the last run ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DependencyChange:
    consumer: str
    provider: str
    consumer_team: str
    provider_team: str
    previous_status: str | None  # None: new dependency
    status: str | None  # None: dependency gone


@dataclass(frozen=True, slots=True)
class IssueChange:
    key: str
    team: str
    summary: str
    detail: str  # e.g. "carried over again (2 -> 3)", "done"


@dataclass(frozen=True, slots=True)
class HealthChange:
    scope: str  # a team name, or the train's name for the train
    previous: Health
    health: Health
    worse: bool


@dataclass(frozen=True, slots=True)
class ChangesSinceLast:
    available: bool
    reason: str | None  # why not (no previous run, other train...), None when available
    previous_generated_at: datetime | None
    previous_train_health: Health | None
    turned_late: tuple[DependencyChange, ...]
    recovered: tuple[DependencyChange, ...]  # were late, are not late any more (incl. done)
    new_dependencies: tuple[DependencyChange, ...]
    removed_dependencies: tuple[DependencyChange, ...]
    newly_slipped: tuple[IssueChange, ...]
    resolved: tuple[IssueChange, ...]  # done now, not done last time
    health_changes: tuple[HealthChange, ...] = ()  # train first, then teams; worse first


# --- the program board ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardCard:
    """A feature (a parent of train work) placed where its team's last scheduled child lands."""

    key: str
    summary: str
    url: str
    done: bool
    children: int  # the team's scheduled children of the feature
    progress: float | None = None  # the whole feature's done share (features section), None: no children
    forecast: str = "on_track"  # a FEATURE_FORECASTS value (the whole feature's, not this team's part)


@dataclass(frozen=True, slots=True)
class BoardDependencyEnd:
    key: str
    role: Literal["provider", "consumer"]
    other_key: str
    other_team: str
    other_iteration_index: int | None
    status: DependencyStatus


@dataclass(frozen=True, slots=True)
class BoardCell:
    team: str
    iteration_index: int | None  # None: the "unscheduled" column
    features: tuple[BoardCard, ...]
    dependency_ends: tuple[BoardDependencyEnd, ...]
    load: IterationLoad | None = None  # the team's planned work against its velocity in this iteration


@dataclass(frozen=True, slots=True)
class BoardString:
    """A line on the program board: from the provider's cell to the consumer's cell."""

    provider_key: str
    consumer_key: str
    provider_team: str
    consumer_team: str
    provider_iteration_index: int | None
    consumer_iteration_index: int | None
    status: DependencyStatus


@dataclass(frozen=True, slots=True)
class ProgramBoard:
    teams: tuple[str, ...]  # rows, in display order
    iterations: tuple[Iteration, ...]  # columns (plus an "unscheduled" column when has_unscheduled)
    has_unscheduled: bool
    cells: tuple[BoardCell, ...]  # only non-empty cells, ordered by team then iteration
    strings: tuple[BoardString, ...]  # cross-team dependencies, most severe first


# --- charts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartSeries:
    name: str  # the legend label
    values: tuple[float | None, ...]  # aligned with the chart's labels; None = no data
    status: DependencyStatus | None = None  # a series of one dependency status (its style follows the status)


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    labels: tuple[str, ...]  # x axis (iteration names, team names, statuses)
    series: tuple[ChartSeries, ...]
    unit: str  # "%", "issues", "days", "points"


@dataclass(frozen=True, slots=True)
class Charts:
    dependency_status: Chart  # labels: status labels in severity order, one series of counts
    reliability_by_iteration: Chart  # labels: iteration names; one series per team (0-100 %)
    carry_over_by_team: Chart  # labels: teams; one series of carried-over issue counts
    dependencies_by_iteration: Chart  # labels: iteration names; series: late / at risk / on track (by need)


# --- everything -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorResults:
    train: TrainInfo
    calendar: Calendar
    train_health: TrainHealth
    teams: tuple[TeamHealth, ...]  # worst health first, then by name
    attention: tuple[AttentionItem, ...]  # at most five, most severe first
    status_counts: tuple[
        StatusCount, ...
    ]  # every kinds.COUNTED_STATUSES status, in that order (zero counts kept)
    dependencies: tuple[DependencyRow, ...]  # cross-team, most severe first, then consumer need, keys
    same_team_links: tuple[DependencyRow, ...]  # listed apart, not scored (status still shown)
    cycles: tuple[Cycle, ...]
    cross_pi_dependencies: tuple[DependencyRow, ...]  # subset of dependencies, same order
    issues: tuple[
        IssueRow, ...
    ]  # every train issue in natural key order (ORB-2 before ORB-10); the JSON list
    slipped_issues: tuple[IssueRow, ...]  # carry-over, due-date or PI slip; most slipped first
    sprint_reliability: tuple[SprintReliability, ...]  # closed sprints: team, then sprint start
    ageing: tuple[AgeingRow, ...]  # unfinished flagged/blocked issues, oldest first
    cadence: tuple[CadenceRow, ...]  # every dated sprint of the train's teams: team, then start
    off_cadence: tuple[CadenceRow, ...]  # the rows beyond the tolerance
    orphans: tuple[OrphanRow, ...]  # per team, highest share first
    unowned: tuple[IssueRef, ...]  # train issues with no team, natural key order
    predictability: Predictability
    data_quality: tuple[DataQualityFinding, ...]  # errors first, then warnings, then info; by count
    changes: ChangesSinceLast
    board: ProgramBoard
    charts: Charts
    thresholds: dict[str, float]  # the thresholds used (for the report's footnote)
    risks: Risks
    objectives: Objectives
    # cross-team consumer_done dependencies (also in ``dependencies``): the need has passed, the link may be
    # stale; listed for clean-up, in the consumer's key order
    clean_up: tuple[DependencyRow, ...] = ()
    features: Features = field(default_factory=lambda: no_features())
    capacity: Capacity = field(default_factory=lambda: no_capacity())
    baseline: BaselineComparison = field(default_factory=lambda: no_baseline())
    # pictures and time (indicators/pictures.py, indicators/trends.py)
    team_map: TeamMap | None = None
    slippage_by_team: tuple[TeamSlippage, ...] = ()  # the slippage table's team order
    trends: Trends | None = None


# --- the ROAM risk board (indicators/risks.py) ------------------------------------------------------------

RoamColumn = Literal["not_roamed", "owned", "accepted", "mitigated", "resolved"]
ROAM_COLUMNS: tuple[RoamColumn, ...] = ("not_roamed", "owned", "accepted", "mitigated", "resolved")
ROAM_LABELS: dict[str, str] = {
    "not_roamed": "Not ROAMed",
    "owned": "Owned",
    "accepted": "Accepted",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
}


@dataclass(frozen=True, slots=True)
class RiskRow:
    key: str
    summary: str
    url: str
    team: str  # "unassigned" when missing
    owner: str | None  # the assignee
    roam: RoamColumn
    roam_label: str
    roam_since: datetime | None  # None when not ROAMed
    days_in_state: int | None  # whole days since roam_since (None when not ROAMed)
    age_days: int  # whole days since the risk was created
    priority: str | None
    high: bool  # the priority is one of [thresholds] high_risk_priorities
    open: bool  # not resolved
    linked: tuple[str, ...]  # the issues linked to the risk
    late_dependencies: tuple[str, ...]  # "PROVIDER -> CONSUMER" of the late dependencies it is linked to
    flags: tuple[str, ...]  # what the RTE should raise about it, e.g. "not ROAMed 9 days after creation"


@dataclass(frozen=True, slots=True)
class RoamCount:
    state: RoamColumn
    label: str
    count: int
    high: int  # of which high priority


@dataclass(frozen=True, slots=True)
class RiskChange:
    key: str
    team: str
    summary: str
    previous: RoamColumn | None  # None: a new risk
    roam: RoamColumn | None  # None: gone from the board (its JQL no longer finds it)


@dataclass(frozen=True, slots=True)
class Risks:
    available: bool  # risks were fetched (possibly none)
    notes: tuple[str, ...]  # what to set up, why something is missing; shown in the section
    rows: tuple[
        RiskRow, ...
    ]  # open risks most severe first (high, not ROAMed, linked late, oldest), resolved last
    counts: tuple[RoamCount, ...]  # every ROAM column, in ROAM_COLUMNS order (zero counts kept)
    open_high: int
    changes_available: bool
    changes_reason: str | None
    changes: tuple[RiskChange, ...]  # new risks and ROAM state changes since the last run
    roam_days: int  # [thresholds] risk_roam_days used


# --- PI objectives (indicators/objectives.py) --------------------------------------------------------------

Forecast = Literal["done", "on_track", "at_risk", "no_features"]
FORECAST_LABELS: dict[str, str] = {
    "done": "Done",
    "on_track": "On track",
    "at_risk": "At risk",
    "no_features": "No linked feature",
}


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    key: str
    summary: str
    url: str
    team: str
    pi: str | None
    committed: bool | None  # None: the commitment is not set
    planned_value: float | None
    actual_value: float | None
    status: str
    done: bool
    features: tuple[str, ...]  # linked train issues (the features it is delivered by)
    outside: tuple[str, ...]  # linked issues that are not in the train's snapshot (not counted)
    unit: Literal["points", "issues"]
    work_total: float  # points (or issues) of the features' work
    work_done: float
    progress: float | None  # work_done / work_total
    forecast: Forecast
    forecast_label: str
    forecast_reason: str  # why at risk (e.g. "ORB-12 provides a late dependency"), or ""


@dataclass(frozen=True, slots=True)
class ObjectiveTeam:
    """One team's (or the train's) objectives of the report's PI and SAFe predictability."""

    scope: str
    committed: int
    uncommitted: int
    planned_committed: float  # planned BV of the committed objectives (SAFe's denominator)
    planned_uncommitted: float
    actual: float | None  # actual BV of all objectives, committed and uncommitted (None: not scored yet)
    predictability: float | None  # actual / planned_committed, when scored
    in_band: bool  # 0.8 <= predictability <= 1.0
    at_risk: int  # objectives forecast at risk
    reason: str | None  # why predictability is not available yet


@dataclass(frozen=True, slots=True)
class Objectives:
    available: bool  # objectives were fetched and some belong to the report's PI
    notes: tuple[str, ...]  # what to set up, why something is missing
    pi: str | None
    rows: tuple[ObjectiveRow, ...]  # by team, committed first, then planned BV (highest first)
    teams: tuple[ObjectiveTeam, ...]  # by team name
    train: ObjectiveTeam | None


# --- features: progress and forecast (indicators/features.py) ---------------------------------------------

FeatureForecast = Literal["will_not_finish", "no_plan", "no_stories", "at_risk", "on_track", "done"]
FEATURE_FORECASTS: tuple[FeatureForecast, ...] = (  # the features section's order: most at risk first
    "will_not_finish",
    "no_plan",
    "no_stories",
    "at_risk",
    "on_track",
    "done",
)
FEATURE_FORECAST_LABELS: dict[str, str] = {
    "will_not_finish": "Will not finish in the PI",
    "no_plan": "No plan",
    "no_stories": "No stories",
    "at_risk": "At risk",
    "on_track": "On track",
    "done": "Done",
}


@dataclass(frozen=True, slots=True)
class FeatureRow:
    """A feature (a parent of train work, or an issue of a feature type) with its children's progress."""

    key: str
    summary: str
    url: str
    team: str  # the feature's own team, else its children's most common one
    issue_type: str
    status: str
    done: bool
    pi: str | None
    fetched: bool  # False: the parent is outside the train's JQL; only its children are known
    children: int
    children_done: int
    unit: Literal["points", "issues"]  # points when every child has points, else the issue count
    total: float
    completed: float
    progress: float | None  # completed / total; None without children
    last_ordinal: int | None  # the iteration of its last scheduled open child (beyond the PI: > n), or None
    last_iteration: str | None  # "I4", "after I5", or the later PI's name; None when no child is scheduled
    unscheduled: int  # open children in no sprint
    forecast: FeatureForecast
    forecast_label: str
    reasons: tuple[str, ...]  # why (e.g. "ORB-12 is planned in PI 27.1"), most telling first
    teams: tuple[str, ...]  # the teams of its children


@dataclass(frozen=True, slots=True)
class FeatureCount:
    forecast: FeatureForecast
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Features:
    available: bool  # the train has features
    pi: str | None
    iterations: int  # the PI's iteration count the forecast is judged against
    rows: tuple[FeatureRow, ...]  # FEATURE_FORECASTS order, then the least progress first, then key
    counts: tuple[FeatureCount, ...]  # every forecast in FEATURE_FORECASTS order (zero counts kept)
    notes: tuple[str, ...] = ()


def no_features() -> Features:
    return Features(
        False, None, 0, (), tuple(FeatureCount(f, FEATURE_FORECAST_LABELS[f], 0) for f in FEATURE_FORECASTS)
    )


# --- capacity against load (indicators/capacity.py) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IterationLoad:
    team: str
    iteration_index: int
    iteration_name: str
    planned: float  # points (or issues, the team's unit) of the team's train work planned in the iteration
    unestimated: int  # of its issues, how many have no points (not in ``planned`` when the unit is points)
    velocity: float | None
    load: float | None  # planned / velocity
    overloaded: bool  # load beyond [thresholds] overload_share, in the current or a future iteration
    past: bool  # the iteration is over: its load is history, never flagged


@dataclass(frozen=True, slots=True)
class TeamCapacity:
    team: str
    unit: Literal["points", "issues"]
    velocity: float | None  # None: no closed sprint to measure and none configured
    velocity_source: Literal["measured", "configured", "none"]
    sprints: tuple[str, ...]  # the closed sprints measured, oldest first
    completed: tuple[float, ...]  # their completed work, same order
    committed: float  # points (or issues) of the team's train work in the report's PI (scope)
    loads: tuple[IterationLoad, ...]  # one per iteration of the calendar
    overloaded: tuple[str, ...]  # names of the overloaded iterations


@dataclass(frozen=True, slots=True)
class Capacity:
    available: bool
    velocity_sprints: int  # [capacity] velocity_sprints
    overload_share: float  # [thresholds] overload_share (0: off)
    teams: tuple[TeamCapacity, ...]  # by team name
    notes: tuple[str, ...] = ()


def no_capacity() -> Capacity:
    return Capacity(False, 3, 1.10, ())


# --- the PI baseline (indicators/baseline.py) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeatureMove:
    key: str
    summary: str
    team: str
    before: str | None  # the baseline's forecast iteration ("I3"), None: no child was scheduled
    after: str | None
    iterations: int | None  # how many iterations later (None when either side is unscheduled)


@dataclass(frozen=True, slots=True)
class FeatureRef:
    key: str
    summary: str
    team: str


@dataclass(frozen=True, slots=True)
class ScopeChange:
    team: str
    unit: str
    baseline: float | None  # None: the team had no work in the baseline
    now: float
    growth: float | None  # (now - baseline) / baseline


@dataclass(frozen=True, slots=True)
class BaselineComparison:
    available: bool
    reason: str | None  # no baseline yet: why, and when it will be taken
    source: str  # "first run in I1", "the snapshot file ...", "the first run on or after ..."
    taken_at: datetime | None
    take_now: bool  # this run is the baseline: the pipeline keeps its document apart
    features_added: tuple[FeatureRef, ...] = ()
    features_removed: tuple[FeatureRef, ...] = ()
    features_moved: tuple[FeatureMove, ...] = ()  # forecast iteration moved later, most moved first
    dependencies_added: tuple[DependencyChange, ...] = ()  # agreed after planning
    scope: tuple[ScopeChange, ...] = ()  # committed points per team then and now
    notes: tuple[str, ...] = ()


def no_baseline() -> BaselineComparison:
    return BaselineComparison(False, "the baseline was not computed", "", None, False)


# --- pictures: the dependency map and slippage by team (indicators/pictures.py) ---------------------------


@dataclass(frozen=True, slots=True)
class TeamMapEdge:
    """Every counted cross-team dependency from one providing team to one consuming team."""

    provider_team: str
    consumer_team: str
    count: int
    worst: DependencyStatus  # the most severe status among them (STATUS_SEVERITY)
    by_status: tuple[tuple[DependencyStatus, int], ...]  # non-zero counts, most severe first
    in_cycle: bool  # some dependency of the pair is part of a dependency cycle


@dataclass(frozen=True, slots=True)
class TeamMap:
    """Who depends on whom: teams as nodes, one edge per provider -> consumer pair (consumer_done and done
    dependencies left out: nothing is owed any more)."""

    teams: tuple[str, ...]  # every team with an edge, in the report's team order
    edges: tuple[TeamMapEdge, ...]  # most severe first, then most dependencies, then names
    team_cycles: tuple[tuple[str, ...], ...] = ()  # teams of each open dependency cycle, in cycle order


@dataclass(frozen=True, slots=True)
class TeamSlippage:
    team: str
    carried_over: int  # issues carried over at least once
    due_date_slips: int  # issues whose due date moved later
    pi_slips: int  # issues moved to a later PI


# --- trends over the previous runs (indicators/trends.py) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One run's figures, read back from its saved document (this run's from the results)."""

    generated_at: datetime
    health: Health
    teams: tuple[tuple[str, Health], ...]  # each team's health in that run
    dependency_counts: tuple[tuple[DependencyStatus, int], ...]  # COUNTED_STATUSES order
    carried_over: int  # issues carried over at least once
    slipped: int  # issues with a due-date or PI slip


@dataclass(frozen=True, slots=True)
class StatusDelta:
    """Page 1's "Late 7 (+2 since 24 Nov)": a status's count now and its change since the compared run."""

    status: DependencyStatus
    count: int
    change: int | None  # None: no previous run to compare with (or it did not count this status)


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """Carry-over and slips per week: the last run of each week, and the change from the week before."""

    week_start: date  # the Monday
    carried_over: int
    carried_over_change: int | None  # None for the first week shown
    slipped: int
    slipped_change: int | None


@dataclass(frozen=True, slots=True)
class Trends:
    available: bool  # at least one earlier run of this train and PI was found
    reason: str | None  # why not ("the first run: trends start with the next one"), None when available
    points: tuple[TrendPoint, ...]  # oldest first, this run last
    teams: tuple[str, ...]  # the health strip's rows: the report's team order, then teams seen only before
    weeks: tuple[WeekFigures, ...]  # oldest first
    since: datetime | None  # the run page 1's deltas compare with (that of "changes since the last run")
    deltas: tuple[StatusDelta, ...]  # every counted status


NO_TRENDS = Trends(False, "no previous run was given", (), (), (), None, ())
