"""The CLI starts fast: help and argument errors import none of the heavy libraries (pandas, matplotlib,
WeasyPrint, the jira client, Jinja2...), which only the commands that use them import. Timings live in
benchmarks; this pins the reason ``syncreport --help`` stays well under 0.3 s (``python -X importtime``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# (pydantic is not in the list: Typer itself imports it to read a command's parameters)
HEAVY = ("pandas", "numpy", "matplotlib", "weasyprint", "jira", "requests", "jinja2", "sqlite3", "orjson")
PROBE = """
import json, sys
from syncreport.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
"""


@pytest.mark.parametrize("args", [["--help"], ["report", "--help"], ["fetch", "--help"], ["report", "--fo"]])
def test_help_and_usage_errors_import_no_heavy_library(args: list[str]) -> None:
    probe = PROBE.replace("{heavy}", repr(set(HEAVY)))
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


PLAN_PROBE = """
import json, sys
from syncreport.config import config_from_dict
from syncreport.pipeline import _plan
config = config_from_dict({
    "jira": {"url": "https://acme.atlassian.net", "email": "a@acme.test", "token_env": "PROBE_TOKEN"},
    "train": {"name": "ART", "jql": "project = A"},
    "chat": {"slack_webhook_env": "PROBE_SLACK"},
})
plan = _plan(config, out_dir=None, formats=None, email=None, to=None, fail_on=None)
assert [hook.service for hook in plan.webhooks] == ["Slack"]
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"pandas", "numpy", "weasyprint", "matplotlib"})))
"""


def test_the_run_plan_with_chat_cards_imports_neither_pandas_nor_weasyprint() -> None:
    # The plan checks the chat webhooks before the pull (deliver/chat.py); the results' types it names
    # must not import the indicators' computing modules (pandas) with them.
    env = {**os.environ, "PROBE_SLACK": "https://hooks.slack.com/services/T0/B0/probe"}
    done = subprocess.run(
        [sys.executable, "-c", PLAN_PROBE], capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


EXIT_PROBE = """
import atexit, gc, sys
from syncreport import cli
atexit.register(lambda: print(gc.get_freeze_count(), flush=True))  # runs after main()'s (last in, first out)
sys.argv = ["syncreport", "--version"]
try:
    cli.main()
except SystemExit:
    print(gc.get_freeze_count(), flush=True)  # 0: the caller's process is not left frozen
"""


def test_the_cli_freezes_what_is_left_when_the_process_exits() -> None:
    # The collection at the interpreter's exit would walk every object the run left (0.1 s at 10k issues).
    done = subprocess.run([sys.executable, "-c", EXIT_PROBE], capture_output=True, text=True, check=True)
    after_main, at_exit = (int(line) for line in done.stdout.split()[-2:])
    assert after_main == 0
    assert at_exit > 0


MEANWHILE_PROBE = """
import json, sys, threading
from syncreport.pipeline import _COMPUTING_MODULES, _import_meanwhile
before = "pandas" in sys.modules
_import_meanwhile(["syncreport.no_such_module", "syncreport.render.svg"])  # a failure ends that thread quietly
_import_meanwhile(_COMPUTING_MODULES)
for thread in threading.enumerate():
    if thread.name == "syncreport-imports":
        thread.join()
print(json.dumps([before, "pandas" in sys.modules, "syncreport.render.svg" in sys.modules]))
"""


def test_the_indicators_modules_are_imported_in_a_thread_while_the_pull_waits() -> None:
    done = subprocess.run([sys.executable, "-c", MEANWHILE_PROBE], capture_output=True, text=True, check=True)
    # pandas comes with the computing modules; after a module that does not import, the rest are left
    # to the run (which imports them where it needs them, with their own error).
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, True, False]
    assert done.stderr == ""


HELP_PROBE = """
import json, sys
from syncreport.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m in {"typer.rich_utils", "rich.console", "rich.markdown",
      "rich.traceback", "rich.syntax", "rich.pretty", "markdown_it", "pygments", "attr"})))
"""


@pytest.mark.parametrize("args", [["--help"], ["report", "--help"]])
def test_help_formats_with_rich_but_imports_neither_its_markdown_nor_its_tracebacks(args: list[str]) -> None:
    # typer's rich help imports rich.markdown (markdown_it, pygments) and rich.traceback (attrs) for a
    # markup mode and pretty exceptions the CLI does not use: 0.05 s of syncreport --help (lean_help.py).
    done = subprocess.run(
        [sys.executable, "-c", HELP_PROBE, *args], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["rich.console", "typer.rich_utils"]
    assert "Usage: " in done.stdout


STAND_IN_PROBE = """
import sys
import syncreport.cli
from typer import rich_utils
made = rich_utils._make_rich_text(text="**bold** words", markup_mode="markdown")
try:
    raise ValueError("probe")
except ValueError as exc:
    traceback = rich_utils.Traceback.from_exception(type(exc), exc, exc.__traceback__)
import rich.markdown, rich.traceback
print(type(made) is rich.markdown.Markdown, type(traceback) is rich.traceback.Traceback)
print(rich.markdown.Markdown.__module__, rich.traceback.Traceback.__module__)
"""


def test_rich_markdown_and_tracebacks_still_work_when_typer_asks_for_them() -> None:
    done = subprocess.run([sys.executable, "-c", STAND_IN_PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "rich.markdown", "rich.traceback"]


RENDERING_PROBE = """
import json, sys, threading
from syncreport.pipeline import _RENDERING_MODULES, _import_meanwhile
before = "jinja2" in sys.modules
_import_meanwhile(_RENDERING_MODULES)
for thread in threading.enumerate():
    if thread.name == "syncreport-imports":
        thread.join()
print(json.dumps([before, "jinja2" in sys.modules, "weasyprint" in sys.modules, "pikepdf" in sys.modules]))
"""


def test_a_run_that_renders_imports_jinja_meanwhile_and_leaves_weasyprint_to_the_worker() -> None:
    # The HTML's and the print document's modules come in the pull's waits; WeasyPrint and pikepdf are the
    # layout worker's (a run whose PDF parts are all kept never loads them in its own process).
    done = subprocess.run([sys.executable, "-c", RENDERING_PROBE], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, True, False, False]
    assert done.stderr == ""
