"""The product's words, each written once: health, dependency status, report format, Jira deployment.

- :class:`Health` is ordered (green < amber < red): ``max()`` of healths is the worst, and
  :data:`Health.worst_first` is the display order.
- :class:`DependencyStatus` carries its label, its severity (display order, most severe first) and the
  mark it reads by without colour; its precedence (the first rule of docs/indicators.md section 1 that
  applies wins) is the order the members are declared in.
- :data:`Format` and :data:`Deployment` are the values config, the pipeline and the CLI accept.

Both enums are ``StrEnum``: a member *is* its string (``Health.RED == "red"``), so JSON, templates and
dictionary look-ups see today's strings unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args

#: The report formats, in the order they are written.
Format = Literal["html", "pdf", "json", "csv", "xlsx"]
FORMATS: tuple[Format, ...] = get_args(Format)

#: The health at which ``--fail-on`` / ``report.fail_on`` makes a run exit 3: that health or worse.
FailOn = Literal["red", "amber"]

#: The two dialects of Jira (and of Confluence).
Deployment = Literal["cloud", "datacenter"]
DEPLOYMENTS: tuple[Deployment, ...] = get_args(Deployment)


class Health(StrEnum):
    """Green, amber or red; ordered by how bad it is (``Health.GREEN < Health.RED``)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def rank(self) -> int:
        """0 green, 1 amber, 2 red."""
        return _HEALTH_RANK[self]

    def __lt__(self, other: object) -> bool:
        rank = _rank_of(other)
        return NotImplemented if rank is None else self.rank < rank

    def __le__(self, other: object) -> bool:
        rank = _rank_of(other)
        return NotImplemented if rank is None else self.rank <= rank

    def __gt__(self, other: object) -> bool:
        rank = _rank_of(other)
        return NotImplemented if rank is None else self.rank > rank

    def __ge__(self, other: object) -> bool:
        rank = _rank_of(other)
        return NotImplemented if rank is None else self.rank >= rank

    @classmethod
    def of(cls, value: object) -> Health | None:
        """The health a previous run's document names, or None when it names none (or not a valid one)."""
        return cls(value) if isinstance(value, str) and value in _HEALTH_RANK else None

    @property
    def mark(self) -> Mark:
        """✗ RED, ⚠ AMBER, ✓ GREEN: how it reads without colour."""
        return _HEALTH_MARKS[self]


_HEALTH_RANK: dict[str, int] = {"green": 0, "amber": 1, "red": 2}


def _rank_of(value: object) -> int | None:
    return _HEALTH_RANK.get(value) if isinstance(value, str) else None


#: The display order, worst first.
HEALTH_WORST_FIRST: tuple[Health, ...] = (Health.RED, Health.AMBER, Health.GREEN)


@dataclass(frozen=True, slots=True)
class Mark:
    """How a status or a health reads without colour: a symbol, a word, and a CSS class for the pattern."""

    symbol: str
    word: str
    css: str


_HEALTH_MARKS: dict[str, Mark] = {
    "red": Mark("✗", "RED", "health-red"),
    "amber": Mark("⚠", "AMBER", "health-amber"),
    "green": Mark("✓", "GREEN", "health-green"),
}


class DependencyStatus(StrEnum):
    """A dependency's status. Declared in precedence order: the first that applies wins."""

    DONE = "done"
    CONSUMER_DONE = "consumer_done"
    EXTERNAL = "external"
    UNSCHEDULED = "unscheduled"
    LATE = "late"
    CONSUMER_UNSCHEDULED = "consumer_unscheduled"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"

    @property
    def label(self) -> str:
        """The display label ("Provider unscheduled")."""
        return _STATUS_FACTS[self][0]

    @property
    def severity(self) -> int:
        """The display rank, 0 = most severe (late)."""
        return _SEVERITY_ORDER.index(self)

    @property
    def mark(self) -> Mark:
        return _STATUS_FACTS[self][1]

    @property
    def counted(self) -> bool:
        """Counted in the summary (health, counts, charts); consumer_done is not: the need has passed."""
        return self is not DependencyStatus.CONSUMER_DONE


_STATUS_FACTS: dict[str, tuple[str, Mark]] = {
    "late": ("Late", Mark("✗", "LATE", "st-late")),
    "unscheduled": ("Provider unscheduled", Mark("?", "UNSCHEDULED", "st-unscheduled")),
    "at_risk": ("At risk", Mark("⚠", "AT RISK", "st-at-risk")),
    "external": ("External provider", Mark("↗", "EXTERNAL", "st-external")),
    "consumer_unscheduled": (
        "Consumer unscheduled",
        Mark("…", "CONSUMER UNSCHEDULED", "st-consumer-unscheduled"),
    ),
    "on_track": ("On track", Mark("✓", "ON TRACK", "st-on-track")),
    "consumer_done": ("Consumer done", Mark("⌫", "CONSUMER DONE", "st-consumer-done")),
    "done": ("Done", Mark("✔", "DONE", "st-done")),
}
_SEVERITY_ORDER: tuple[DependencyStatus, ...] = (
    DependencyStatus.LATE,
    DependencyStatus.UNSCHEDULED,
    DependencyStatus.AT_RISK,
    DependencyStatus.EXTERNAL,
    DependencyStatus.CONSUMER_UNSCHEDULED,
    DependencyStatus.ON_TRACK,
    DependencyStatus.CONSUMER_DONE,
    DependencyStatus.DONE,
)
#: Precedence order (docs/indicators.md section 1): the first that applies wins.
DEPENDENCY_STATUSES: tuple[DependencyStatus, ...] = tuple(DependencyStatus)
#: Display order, most severe first (docs/indicators.md explains the ranking).
STATUS_SEVERITY: tuple[DependencyStatus, ...] = _SEVERITY_ORDER
#: The statuses the summary counts (health, the counts by status, the charts).
COUNTED_STATUSES: tuple[DependencyStatus, ...] = tuple(s for s in STATUS_SEVERITY if s.counted)

__all__ = [
    "COUNTED_STATUSES",
    "DEPENDENCY_STATUSES",
    "DEPLOYMENTS",
    "FORMATS",
    "HEALTH_WORST_FIRST",
    "STATUS_SEVERITY",
    "DependencyStatus",
    "Deployment",
    "FailOn",
    "Format",
    "Health",
    "Mark",
]
