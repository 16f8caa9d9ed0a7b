"""The cron run as a user runs it: the whole ``syncreport report`` (HTML, PDF, JSON), cold then warm.

For each dialect (Cloud, Data Center) and train size the benchmark starts the Jira simulator on 127.0.0.1
(seed 7, 100 ms added to every answer; the site generated as of 00:00 UTC today, its last edits the
night before, as fetch_benchmark.py's: ``--fresh-edits`` generates it as of now), writes a config that points at it (the shipped defaults: nothing
tuned but the simulator's URL, the cache file and the output folder), then runs the installed
``syncreport --quiet report --config FILE`` as a subprocess three times: cold (empty cache, no earlier run),
warm (nothing changed in Jira since) and the next warm run: cron's steady state, where the report's front
compares with a run like it and only the trends (one more point) and the minute are new; the first warm
run also lays out a front whose "changes since the last run" are new and margins for one more page. Then,
when Debian's ``faketime`` is installed, the same warm run with the client's clock ``--later`` hours ahead
(24 by default: the next morning's cron run, nothing changed in Jira): the issues' ages have moved, so the
report's body is laid out again, which the runs minutes apart never show. Beside them, in the same run and against the same simulator, the
naive pull users write with the ``jira`` library (``search_issues(jql, expand="changelog",
maxResults=False)``), which fetches less (truncated changelogs) and renders nothing.

Before measuring, syncreport's modules are compiled to bytecode as ``pip install`` does for a wheel (an
editable install under ``PYTHONDONTWRITEBYTECODE`` would compile them again on every run).

Each measured command runs under a small launcher process that reports the command's own wall seconds, CPU
seconds (user + system) and peak resident memory (``ru_maxrss`` from ``wait4``: the launcher is small, so
the figure is the command's, not this parent's with its simulator). Requests are counted by the simulator.
The load average is printed beside the figures: the machine may be shared.

    .venv/bin/python benchmarks/cron_benchmark.py                          # 1k and 10k, both dialects
    .venv/bin/python benchmarks/cron_benchmark.py --sizes 1000,10000,50000  # 50k is opt-in (minutes)
    .venv/bin/python benchmarks/cron_benchmark.py --sizes 10000 --dialects cloud
    .venv/bin/python benchmarks/cron_benchmark.py --sizes 10000 --profile /tmp/warm.prof   # cProfile the next warm run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine_speed import probe_line  # benchmarks/ is this script's own folder, first on sys.path

HERE = Path(__file__).resolve()
BARS = {"warm_s": 3.0, "warm_requests": 3, "warm_1k_s": 2.0}  # issue 15: 1,000 and 10,000 issues
BARRED_UP_TO = 10_000  # larger trains have no warm bar: their figures are shown, not judged


# --- the launcher: runs one command and reports what it cost ----------------------------------------------


def launch(command: list[str]) -> dict[str, Any]:
    """Run ``command`` as this (small) process's child; its wall and CPU seconds and its peak RSS."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage (Popen.wait would drop it)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        errors.seek(0)
        return {
            "wall_s": wall,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024,
            "exit": child.returncode,
            "stdout": output.read().decode(errors="replace")[-2000:],
            "stderr": errors.read().decode(errors="replace")[-2000:],
        }


def measured(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(HERE), "--launch", "--", *command],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if figures["exit"] not in (0, 3):  # 3: delivered, train health at --fail-on (not used here)
        raise SystemExit(f"{' '.join(command)} failed (exit {figures['exit']}):\n{figures['stderr']}")
    return figures


# --- the naive pull, in a child process of its own ---------------------------------------------------------


def child_naive(url: str, deployment: str, email: str, token: str, jql: str) -> dict[str, Any]:
    from jira import JIRA, JIRAError

    client = (
        JIRA(server=url, basic_auth=(email, token))
        if deployment == "cloud"
        else JIRA(server=url, token_auth=token)
    )
    try:
        issues = client.search_issues(jql, expand="changelog", maxResults=False)
    except JIRAError as failed:
        # Data Center past 10,000 issues: "Search limit exceeded" (startAt beyond max_result_window), as the
        # simulator answers after Atlassian's KB: the naive pull cannot list such a train at all
        said = " ".join(str(failed.text or "").split())
        return {"failed": f"HTTP {failed.status_code}: {said[:90]}"}
    finally:
        client.close()
    histories = sum(len(i.changelog.histories) for i in issues)
    truncated = sum(1 for i in issues if i.changelog.total > len(i.changelog.histories))
    return {"issues": len(issues), "histories": histories, "truncated": truncated}


# --- the parent ----------------------------------------------------------------------------------------------


def syncreport_command() -> list[str]:
    """The installed console script next to this interpreter (what a cron line calls)."""
    script = Path(sys.executable).with_name("syncreport")
    return [str(script)] if script.exists() else [sys.executable, "-m", "syncreport"]


def measure(
    deployment: str,
    size: int,
    latency_ms: int,
    workdir: Path,
    profile: Path | None,
    *,
    fresh_edits: bool = False,
    later_hours: float = 24,
) -> dict[str, Any]:
    from syncreport.simulator import demo_config, start_simulator, toml_snippet

    folder = workdir / f"{deployment}-{size}"
    folder.mkdir()
    generated = time.perf_counter()
    # The site's last edits: the night before (generated as of 00:00 UTC today, served at the machine's
    # time), as a morning cron run finds them, and as fetch_benchmark.py dates its site; with --fresh-edits,
    # seconds before the cold run (a fifth of the issues updated in the minute before generation), which
    # every warm run's safety margin (search's eventual consistency) lists again.
    today = None if fresh_edits else datetime.now(UTC).date()
    with start_simulator(deployment=deployment, issues=size, seed=7, today=today) as sim:
        generated = time.perf_counter() - generated
        data = demo_config(sim, token_env="SYNCREPORT_BENCH_TOKEN")
        data["cache"] = {"path": str(folder / "cache.sqlite3")}
        data["report"] = {"out_dir": str(folder / "reports"), "formats": ["html", "pdf", "json"]}
        config = folder / "syncreport.toml"
        config.write_text(toml_snippet(data))
        env = {**os.environ, "SYNCREPORT_BENCH_TOKEN": sim.token}
        sim.configure(latency_ms=latency_ms)
        report = [*syncreport_command(), "--quiet", "report", "--config", str(config)]
        result: dict[str, Any] = {"dialect": deployment, "size": size, "generate_s": generated}
        for run in ("cold", "warm", "again"):
            sim.reset_stats()
            load = os.getloadavg()[0]
            command = report
            if run == "again" and profile is not None:
                command = [
                    sys.executable,
                    "-m",
                    "cProfile",
                    "-o",
                    str(profile),
                    "-m",
                    "syncreport",
                    *report[1:],
                ]
            result[run] = {**measured(command, env), "requests": sim.stats()["total"], "load": load}
        faketime = shutil.which("faketime")
        if later_hours and faketime:  # the client's clock only: the simulator answers at the machine's time
            sim.reset_stats()
            load = os.getloadavg()[0]
            command = [faketime, "-f", f"+{later_hours:g}h", *report]
            result["later"] = {**measured(command, env), "requests": sim.stats()["total"], "load": load}
            result["later_hours"] = later_hours
        result["outputs"] = sorted(p.name for p in (folder / "reports").iterdir() if p.is_file())
        sim.reset_stats()
        load = os.getloadavg()[0]
        naive = measured(
            [
                sys.executable,
                str(HERE),
                "--naive",
                sim.url,
                deployment,
                getattr(sim, "email", ""),
                sim.token,
                data["train"]["jql"],
            ],
            env,
        )
        counts = json.loads(naive.pop("stdout").strip().splitlines()[-1])
        result["naive"] = {**naive, **counts, "requests": sim.stats()["total"], "load": load}
    shutil.rmtree(folder, ignore_errors=True)
    return result


def _against_naive(cold: dict[str, Any], naive: dict[str, Any]) -> str:
    if "failed" in naive:
        return f"the cold report {cold['wall_s']:.2f} s; the naive pull cannot list this train"
    return f"the cold report took {cold['wall_s'] / naive['wall_s']:.2f}x the naive pull's wall time"


def _verdict(size: int, warm: dict[str, Any]) -> str:
    if size > BARRED_UP_TO:
        return "no bar at this size"
    bar = BARS["warm_1k_s"] if size <= 1000 else BARS["warm_s"]
    met = warm["wall_s"] <= bar and 1 <= warm["requests"] <= BARS["warm_requests"]
    return f"bar <= {bar:g} s, 1 to {BARS['warm_requests']} requests: {'ok' if met else 'OVER THE BAR'}"


def table(results: list[dict[str, Any]], latency_ms: int) -> str:
    lines = [
        f"`syncreport report` (html, pdf, json) against the simulator at {latency_ms} ms a request, shipped "
        f"defaults; {os.cpu_count()} cores; load = 1-minute load average when the run started; "
        f"{probe_line()}.",
        "",
        "| dialect | issues | run | wall s | CPU s | requests | peak MB | load |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for run, label in (
            ("cold", "cold report"),
            ("warm", "warm report, nothing changed"),
            ("again", "the next warm run, minutes later"),
            ("later", f"the same, {r.get('later_hours', 0):g} h later (faketime)"),
            ("naive", "naive jira-library pull"),
        ):
            if run not in r:
                continue
            f = r[run]
            said = f" (fails: {f['failed']})" if "failed" in f else ""
            lines.append(
                f"| {r['dialect']} | {r['size']:,} | {label}{said} | {f['wall_s']:.2f} | {f['cpu_s']:.2f} | "
                f"{f['requests']} | {f['peak_mb']:.0f} | {f['load']:.2f} |"
            )
    lines.append("")
    for r in results:
        cold, warm, again, naive = r["cold"], r["warm"], r["again"], r["naive"]
        lines.append(
            f"- {r['dialect']} {r['size']:,}: {_against_naive(cold, naive)}; warm {warm['wall_s']:.2f} s, "
            f"{warm['requests']} requests ({_verdict(r['size'], warm)}); the next warm run "
            f"{again['wall_s']:.2f} s, {again['cpu_s']:.2f} CPU s; naive: "
            + (
                f"fails ({naive['failed']})"
                if "failed" in naive
                else f"{naive['issues']} issues, {naive['truncated']} with truncated changelogs"
            )
            + (
                f"; {r['later_hours']:g} h later {r['later']['wall_s']:.2f} s, {r['later']['cpu_s']:.2f} CPU s"
                if "later" in r
                else "; no later run (faketime not installed, or --later 0)"
            )
        )
    return "\n".join(lines)


# Where a warm run's seconds go, read from its cProfile (--profile): (label, file, function). Nested rows are
# part of the row above them; seconds under the profiler run about twice the plain ones, so compare rows.
# The PDF's worker process (render/layout.py) is not profiled: its time shows as the wait for its PDF.
STAGES = (
    ("imports (every module)", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("pull: Jira, cache, normalize", "pipeline.py", "_pull"),
    ("indicators", "pipeline.py", "_compute"),
    ("render: HTML, PDF, JSON", "pipeline.py", "_render"),
    ("  HTML", "html.py", "render_html"),
    ("  PDF: the print document (then sent to the worker process)", "pdf.py", "start_pdf"),
    ("  PDF: waiting for the worker's PDF (or making it here)", "pdf.py", "made"),
    (
        "    WeasyPrint here (no worker): its import and the layouts of the parts not kept",
        "pdf.py",
        "lay_out",
    ),
    ("  JSON document (to_json_document)", "export.py", "to_json_document"),
    ("  JSON encoding", "json/__init__.py", "dumps"),
    ("write the files", "files.py", "write_report_files"),
    ("remember the run (state)", "state.py", "save_document"),
)


def stage_table(profile: Path) -> str:
    """The warm run's stages with their cumulative seconds under cProfile."""
    import pstats

    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    total = max(row[3] for row in stats.values())
    lines = [
        f"Where the warm run's {total:.1f} s went (cProfile, cumulative; seconds under the profiler):",
        "",
        "| stage | s | share |",
        "|---|---:|---:|",
    ]
    for label, where, function in STAGES:
        seconds = sum(
            row[3] for (name, _, func), row in stats.items() if name.endswith(where) and func == function
        )
        lines.append(f"| {label} | {seconds:.2f} | {seconds / total:.0%} |")
    return "\n".join(lines)


def compiled_as_installed() -> None:
    """Write the bytecode of syncreport's modules, as ``pip install`` does for a wheel: an editable install
    run with ``PYTHONDONTWRITEBYTECODE`` set (as this machine's shells are) would otherwise compile every
    module from source on every run (0.1 to 0.3 CPU s a run, measured: 1.15-1.53 against 0.99-1.33 s to
    import the modules of a report; its PDF worker again),
    which no installed cron job pays."""
    import compileall

    import syncreport

    compileall.compile_dir(Path(syncreport.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated train sizes (50000 is opt-in)")
    parser.add_argument("--dialects", default="cloud,datacenter", help="cloud, datacenter or both")
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument(
        "--profile", type=Path, help="write a cProfile of the first size's next warm run (steady state) here"
    )
    parser.add_argument(
        "--fresh-edits",
        action="store_true",
        help="generate the site as of now (its last edits seconds before the cold run), not as of midnight",
    )
    parser.add_argument(
        "--later",
        type=float,
        default=24,
        metavar="HOURS",
        help="also run the warm report this many hours ahead under faketime (0: not; default 24, the next day)",
    )
    parser.add_argument("--launch", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--naive", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.launch:
        print(json.dumps(launch(args.command)))
        return
    if args.naive:
        print(json.dumps(child_naive(*args.naive)))
        return
    compiled_as_installed()
    results = []
    profile = args.profile
    with tempfile.TemporaryDirectory(prefix="syncreport-cron-bench-") as tmp:
        for dialect in [d.strip() for d in args.dialects.split(",") if d.strip()]:
            for size in [int(s) for s in args.sizes.split(",") if s]:
                results.append(
                    measure(
                        dialect,
                        size,
                        args.latency_ms,
                        Path(tmp),
                        args.profile,
                        fresh_edits=args.fresh_edits,
                        later_hours=args.later,
                    )
                )
                print(json.dumps(results[-1], default=str), file=sys.stderr)
                args.profile = None
    print(table(results, args.latency_ms))
    if profile is not None:
        print()
        print(stage_table(profile))


if __name__ == "__main__":
    main()
