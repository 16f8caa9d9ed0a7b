"""How fast the installed ``syncreport`` entry point answers ``--help`` (issue 15: < 0.3 s).

Runs the entry point next to this interpreter (``.venv/bin/syncreport``) ``--repeat`` times for each set of
arguments, output to a pipe, and prints the median and the spread of wall seconds and of CPU seconds (the
process and its children), with the load average: on a shared machine, compare side by side, e.g. main's
code through ``PYTHONPATH=/tmp/main/src`` (an editable install puts its ``src`` after ``PYTHONPATH``).

    .venv/bin/python benchmarks/startup_benchmark.py
    .venv/bin/python benchmarks/startup_benchmark.py --repeat 20 --run=--help --run="report --help"
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

HELP_TARGET_SECONDS = 0.3


def run(entry: Path, args: list[str], repeat: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    subprocess.run([str(entry), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([str(entry), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--run",
        action="append",
        help="the arguments of one command line (repeat; default: --help, report --help)",
    )
    parser.add_argument("--entry", type=Path, default=Path(sys.executable).with_name("syncreport"))
    options = parser.parse_args()
    print(
        f"{options.entry} (load average {os.getloadavg()[0]:.2f}, PYTHONPATH={os.environ.get('PYTHONPATH', '')!r})"
    )
    for args in options.run or ["--help", "report --help"]:
        walls, cpus = run(options.entry, shlex.split(args), options.repeat)
        wall = statistics.median(walls)
        verdict = "ok" if wall < HELP_TARGET_SECONDS else "OVER TARGET"
        print(
            f"syncreport {args}: wall median {wall:.3f} s ({min(walls):.3f} to {max(walls):.3f}), CPU median "
            f"{statistics.median(cpus):.3f} s ({min(cpus):.3f} to {max(cpus):.3f}), {options.repeat} runs; "
            f"target < {HELP_TARGET_SECONDS:g} s: {verdict}"
        )
    print(f"load average {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
