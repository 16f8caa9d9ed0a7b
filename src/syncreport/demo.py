"""`syncreport demo`: the real report path against the built-in Jira simulator.

Nothing is short-circuited: the simulator is a real HTTP server on 127.0.0.1, the pull goes through the
`jira` library and `requests`, and the report is written by the same pipeline a cron job runs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from syncreport.config import config_from_dict
from syncreport.pipeline import ReportRun, run_report
from syncreport.simulator import demo_config, start_simulator
from syncreport.simulator.week import play_a_week

DEMO_TOKEN_ENV = "SYNCREPORT_DEMO_TOKEN"


@dataclass(frozen=True)
class DemoResult:
    paths: tuple[Path, ...]
    run: ReportRun
    simulator_url: str


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
    progress: bool = False,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    """Start the simulator, write a config for it, and run the report into ``out`` (HTML, PDF, JSON)."""
    out = Path(out)
    with (
        start_simulator(deployment="cloud", issues=issues, seed=seed) as sim,
        tempfile.TemporaryDirectory(prefix="syncreport-demo-cache-") as cache_dir,
    ):
        echo(f"Jira simulator: {sim.url} ({issues} issues, seed {seed})")
        data = demo_config(sim, token_env=DEMO_TOKEN_ENV)
        data["cache"] = {"enabled": True, "path": str(Path(cache_dir) / "cache.sqlite")}
        data.setdefault("report", {})["out_dir"] = str(out)
        config = config_from_dict(data, source="<demo config>")
        with _environment_variable(DEMO_TOKEN_ENV, sim.token):
            echo("Last week's report: a first run, so this week's can show what changed since")
            run_report(config, out_dir=out, formats=["json"], email=False, progress=progress)
            week = play_a_week(sim)
            echo(
                f"A week in Jira: {len(week.turned_late)} providers slipped, {len(week.finished)} finished, "
                f"{len(week.due_dates_pushed)} due dates pushed, {len(week.new_links)} new dependency"
            )
            run = run_report(
                config, out_dir=out, formats=["html", "pdf", "json"], email=False, progress=progress
            )
        return DemoResult(paths=tuple(run.paths), run=run, simulator_url=sim.url)
