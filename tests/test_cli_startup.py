"""The CLI starts fast: help and argument errors import none of the heavy libraries (pandas, matplotlib,
WeasyPrint, the jira client, Jinja2...), which only the commands that use them import. Timings live in
benchmarks; this pins the reason ``syncreport --help`` stays well under 0.3 s (``python -X importtime``)."""

from __future__ import annotations

import json
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
