"""A warm run does not compile the report's templates again: Jinja's bytecode is kept in the run's store,
named by each template's source, so an edited template is compiled afresh and the HTML is the same bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# One HTML rendering in a fresh interpreter (as a cron run is), with the run's store in argv[1] and, when
# given, a templates_dir in argv[2]; it prints how many templates Jinja compiled, then the HTML's SHA-256.
RUN = """
import hashlib, sys
from pathlib import Path
import jinja2
from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.indicators import compute_indicators
from syncreport.render import render_html
from tests.render.test_render_pictures import _snapshot

compiled = []
original = jinja2.Environment.compile
def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
    compiled.append(name)
    return original(self, source, name, filename, raw, defer_init)
jinja2.Environment.compile = counting

snapshot = _snapshot()
results = compute_indicators(snapshot)
settings = ReportSettings(templates_dir=Path(sys.argv[2])) if len(sys.argv) > 2 else ReportSettings()
with artifacts.using(artifacts.ArtifactStore(Path(sys.argv[1]))):
    html = render_html(results, snapshot, settings)
print(len(compiled), sorted(n for n in compiled if n))
print(hashlib.sha256(html.encode()).hexdigest())
"""


def _run(*args: Path) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    compiled, html = done.stdout.strip().splitlines()[-2:]
    return compiled, html


def test_the_next_run_loads_the_compiled_templates_and_writes_the_same_html(tmp_path: Path) -> None:
    store = tmp_path / "rendered"
    first, first_html = _run(store)
    assert int(first.split()[0]) > 10  # base.html, its sections and macros: compiled on the first run
    again, again_html = _run(store)
    assert again == "0 []"  # every template's bytecode found in the store
    assert again_html == first_html


def test_an_overridden_template_is_compiled_again_and_the_rest_come_from_the_store(tmp_path: Path) -> None:
    store, templates = tmp_path / "rendered", tmp_path / "templates"
    templates.mkdir()
    _run(store)
    # the same name in the user's templates_dir, another source: a new name in the store, compiled once
    (templates / "branding.html").write_text("<p>Orbit ART</p>\n", encoding="utf-8")
    overridden, html = _run(store, templates)
    assert overridden == "1 ['branding.html']"
    # and kept too: the next run with the override compiles nothing
    assert _run(store, templates) == ("0 []", html)
