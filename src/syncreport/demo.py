"""`syncreport demo`: the real report path against the built-in Jira simulator.

Nothing is short-circuited: the simulator is a real HTTP server on 127.0.0.1, the pull goes through the
`jira` library and `requests`, and the report is written by the same pipeline a cron job runs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncreport.clock import Clock, wall_clock
from syncreport.config import config_from_dict
from syncreport.pipeline import ReportRun, run_report
from syncreport.progress import NO_PROGRESS, Progress
from syncreport.simulator import demo_config, start_simulator
from syncreport.simulator.model import Site
from syncreport.simulator.week import WeekOfChanges, play_a_week

DEMO_TOKEN_ENV = "SYNCREPORT_DEMO_TOKEN"
WEEK = timedelta(days=7)
# Weeks played before this week's report (its trends show DEMO_WEEKS + 1 runs). The earlier weeks change
# other dependencies than the planted ones, so the last week tells the planted story on any day.
DEMO_WEEKS = 3


@dataclass(frozen=True)
class DemoResult:
    paths: tuple[Path, ...]
    run: ReportRun
    simulator_url: str
    last_week: ReportRun  # the first run, a week before ``run`` on the simulator's clock
    week: WeekOfChanges  # what was changed in Jira between the two
    weeks: tuple[WeekOfChanges, ...] = ()  # every week played, oldest first (``week`` is the last)
    site: Site | None = None  # the simulated site as the last report saw it (tests work answers out from it)


@contextmanager
def _environment_variable(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def run_demo(
    out: Path,
    *,
    issues: int = 600,
    seed: int = 7,
    progress: Progress = NO_PROGRESS,
    echo: Callable[[str], None] = print,
    now: Clock = wall_clock,
    formats: Sequence[str] = ("html", "pdf", "json"),
    weeks: int = DEMO_WEEKS,
) -> DemoResult:
    """Start the simulator, write a config for it, and run the report into ``out`` (HTML, PDF, JSON).

    The weeks are played on the simulator's clock, which runs ``weeks`` weeks behind ``now`` at first: the
    simulated site is generated as of then and a first report is taken; each week's changes are dated
    through that week and a report (JSON only) is taken at its end; this week's report is taken at ``now``,
    so it is "compared with the run of" a week ago and its trends show every week.
    """
    out = Path(out)
    lag = [WEEK * weeks]  # how far the simulator's clock (and the run's) is behind ``now``

    def sim_clock() -> datetime:
        return now() - lag[0]

    with (
        start_simulator(deployment="cloud", issues=issues, seed=seed, clock=sim_clock) as sim,
        tempfile.TemporaryDirectory(prefix="syncreport-demo-cache-") as cache_dir,
    ):
        echo(f"Jira simulator: {sim.url} ({issues} issues, seed {seed})")
        data = demo_config(sim, token_env=DEMO_TOKEN_ENV)
        data["cache"] = {"enabled": True, "path": str(Path(cache_dir) / "cache.sqlite")}
        data.setdefault("report", {})["out_dir"] = str(out)
        # last week's run is the PI baseline (the plan as it stood then), so this week's shows the drift
        data["baseline"] = {"date": sim_clock().date().isoformat()}
        config = config_from_dict(data, source="<demo config>")
        played: list[WeekOfChanges] = []
        with _environment_variable(DEMO_TOKEN_ENV, sim.token):
            last = run_report(
                config, out_dir=out, formats=["json"], email=False, progress=progress, now=sim_clock
            )
            echo(
                f"The report of {weeks} week{'s' if weeks != 1 else ''} ago, as of {_moment(last.taken_at)}: "
                "a first run and the PI baseline, so the later ones can show what changed since"
            )
            for week_number in range(weeks, 0, -1):
                lag[0] = WEEK * (week_number - 1)
                week = play_a_week(sim, week=(last.taken_at, sim_clock()), planted=week_number == 1)
                played.append(week)
                echo(
                    f"A week in Jira: {_teams_work(week)}, "
                    f"{_plural(len(week.turned_late), 'provider')} slipped, "
                    f"{_plural(len(week.finished), 'late provider')} finished, "
                    f"{_plural(len(week.due_dates_pushed), 'due date')} pushed, {len(week.new_links)} new dependency"
                    + (
                        f", {len(week.features_added)} feature pulled into the PI, {len(week.features_moved)} "
                        f"slipped, {len(week.features_removed)} descoped"
                        if week_number == 1
                        else ""
                    )
                )
                if week_number > 1:
                    last = run_report(
                        config, out_dir=out, formats=["json"], email=False, progress=progress, now=sim_clock
                    )
                    echo(f"The report as of {_moment(last.taken_at)}")
            run = run_report(
                config,
                out_dir=out,
                formats=formats,
                email=False,
                progress=progress,
                now=sim_clock,
            )
            echo(
                f"This week's report, as of {_moment(run.taken_at)}, compared with the run of "
                f"{_moment(last.taken_at)}"
            )
        return DemoResult(
            paths=tuple(run.paths),
            run=run,
            simulator_url=sim.url,
            last_week=last,
            week=played[-1],
            weeks=tuple(played),
            site=sim.site,
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _teams_work(week: WeekOfChanges) -> str:
    """What the teams did in their sprints: "the teams finished 41 sprint issues, 8 sprints closed (31 open
    issues carried into the next)"."""
    carried = sum(len(closed.carried) for closed in week.sprints_closed)
    return (
        f"the teams finished {_plural(len(week.work_finished), 'sprint issue')}, "
        f"{_plural(len(week.sprints_closed), 'sprint')} closed "
        f"({_plural(carried, 'open issue')} carried into the next)"
    )


def _moment(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
