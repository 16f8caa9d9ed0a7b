"""A warm run draws only what changed: the next run's trend charts (one more point) are drawn without
matplotlib, and the other charts and the dependency map come from the run's store, so the run never imports
matplotlib or networkx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# One run of the report's HTML in a fresh interpreter: the small train of test_render_pictures, with a
# trends history of ``runs`` earlier weekly runs, rendered with the run's store in ``folder``; it prints
# whether matplotlib and networkx were imported.
RUN = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators, to_json_document
from syncreport.indicators.trends import trend_summary
from syncreport.render import render_html
from tests.render.test_render_pictures import _snapshot

folder, runs = Path(sys.argv[1]), int(sys.argv[2])
snapshot = _snapshot()
summary = trend_summary(to_json_document(compute_indicators(snapshot)))
history = [
    {**summary, "generated_at": (snapshot.taken_at - timedelta(weeks=w)).isoformat()} for w in range(runs, 0, -1)
]
results = compute_indicators(snapshot, history=history)
assert results.trends is not None and len(results.trends.points) == runs + 1
with artifacts.using(artifacts.ArtifactStore(folder)):
    html = render_html(results, snapshot, ReportSettings())
assert "Dependencies by status, run by run" in html and "Who depends on whom" in html
print("matplotlib" in sys.modules, "networkx" in sys.modules)
"""


def _run(folder: Path, runs: int) -> str:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(folder), str(runs)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_next_runs_charts_are_drawn_without_importing_matplotlib(tmp_path: Path) -> None:
    # the first run draws every chart (matplotlib for the slippage, status and iteration charts); the next
    # one has one more trends point: its two trend charts are new (render/plots.py), every other chart is
    # the same drawing call as before, found in the store
    # the first run lays the map out with networkx too; the next one's map (the same teams and edges) is
    # the drawing kept in the store
    assert _run(tmp_path, 2) == "True True"
    assert _run(tmp_path, 3) == "False False"
