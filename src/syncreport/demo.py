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
from syncreport.simulator.week import WeekOfChanges, play_a_week

DEMO_TOKEN_ENV = "SYNCREPORT_DEMO_TOKEN"
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DemoResult:
    paths: tuple[Path, ...]
    run: ReportRun
    simulator_url: str
    last_week: ReportRun  # the first run, a week before ``run`` on the simulator's clock
    week: WeekOfChanges  # what was changed in Jira between the two


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
) -> DemoResult:
    """Start the simulator, write a config for it, and run the report into ``out`` (HTML, PDF, JSON).

    The week is played on the simulator's clock, which runs a week behind ``now`` at first: the simulated
    site is generated as of last week, last week's report is taken then, the week's changes are dated
    through that week, and this week's report is taken at ``now``, so it is "compared with the run of" a
    week ago.
    """
    out = Path(out)
    lag = [WEEK]  # how far the simulator's clock (and the run's) is behind ``now``

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
        with _environment_variable(DEMO_TOKEN_ENV, sim.token):
            last = run_report(
                config, out_dir=out, formats=["json"], email=False, progress=progress, now=sim_clock
            )
            echo(
                f"Last week's report, as of {_moment(last.taken_at)}: a first run and the PI baseline, so "
                "this week's can show what changed since"
            )
            week = play_a_week(sim, week=(last.taken_at, now()))
            lag[0] = timedelta(0)
            echo(
                f"A week in Jira: {len(week.turned_late)} providers slipped, {len(week.finished)} finished, "
                f"{len(week.due_dates_pushed)} due dates pushed, {len(week.new_links)} new dependency, "
                f"{len(week.features_added)} feature pulled into the PI, {len(week.features_moved)} slipped, "
                f"{len(week.features_removed)} descoped"
            )
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
        return DemoResult(paths=tuple(run.paths), run=run, simulator_url=sim.url, last_week=last, week=week)


def _moment(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
