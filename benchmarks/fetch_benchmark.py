"""How fast, how frugal and how complete the Jira pull is, against the simulator with real latency.

For each size: a cold pull (empty cache) and a warm re-run (nothing changed), each in a fresh subprocess
so its peak memory is its own (VmHWM of the exec'd child: ru_maxrss would also count the parent's pages at fork); requests are counted by the simulator. The floor is the fewest
requests Cloud's API allows for the same data (ids 5,000 a page, issues 100 a bulk fetch, changelogs
1,000 histories a page (Jira's documented default) and at most 1,000 issues a request, far ends 100 a bulk
fetch, one field list, one status list, the board lists and every board's sprint pages); a warm re-run's
floor is the id pages and the far ends. At one size the way users usually write it
with the ``jira`` library (``search_issues(jql, expand="changelog", maxResults=False)``) is timed in the same
run, and its changelogs are checked against the complete ones.

    .venv/bin/python benchmarks/fetch_benchmark.py                      # 1k and 10k, naive at 10k
    .venv/bin/python benchmarks/fetch_benchmark.py --sizes 1000,10000,50000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from syncreport.simulator import demo_config, start_simulator, toml_snippet

HERE = Path(__file__).resolve()


# --- children: one measured pull each ----------------------------------------------------------------------


def child_pull(config_path: str) -> dict[str, Any]:
    from syncreport.config import load_config
    from syncreport.jira import pull

    started = time.perf_counter()
    result = pull(load_config(config_path))
    seconds = time.perf_counter() - started
    snap = result.snapshot
    return {
        "seconds": seconds,
        "issues": sum(i.in_train for i in snap.issues),
        "far_ends": sum(not i.in_train for i in snap.issues),
        "histories": result.stats.histories,
        "fetched": result.stats.fetched,
        "changes": len(snap.changes),
        "maxrss_mb": _peak_mb(),
        "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime
        + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
    }


def child_naive(url: str, email: str, token: str, jql: str) -> dict[str, Any]:
    from jira import JIRA

    started = time.perf_counter()
    client = JIRA(server=url, basic_auth=(email, token))
    issues = client.search_issues(jql, expand="changelog", maxResults=False)
    seconds = time.perf_counter() - started
    got = sum(len(i.changelog.histories) for i in issues)
    truncated = sum(1 for i in issues if i.changelog.total > len(i.changelog.histories))
    client.close()
    return {
        "seconds": seconds,
        "issues": len(issues),
        "histories": got,
        "truncated_issues": truncated,
        "maxrss_mb": _peak_mb(),
    }


def _peak_mb() -> float:
    """This process's own peak resident memory: VmHWM is per address space, so exec resets it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_child(*args: str, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- the floor ---------------------------------------------------------------------------------------------


def floor_requests(sim: Any, train: set[str], far_ends: int, boards: int) -> int:
    site = sim.site
    n = len(train)
    histories = sum(len(site.by_key[k].histories) for k in train)
    sprint_pages = sum(
        max(1, math.ceil(len([s for s in site.sprints.values() if s.board_id == b.id]) / 50))
        for b in site.boards
    )
    return (
        2  # field list, status list
        + math.ceil(n / 5000)  # ids
        + math.ceil(n / 100)  # issue bulk fetch
        + max(math.ceil(n / 1000), math.ceil(histories / 1000))  # changelog bulk fetch, 1,000 a page
        + math.ceil(far_ends / 100)
        + boards  # the board lists (one per configured board, or per project)
        + sprint_pages
    )


# --- the parent --------------------------------------------------------------------------------------------


def measure(size: int, latency_ms: int, concurrency: int, naive: bool, workdir: Path) -> dict[str, Any]:
    generated = time.perf_counter()
    with start_simulator(deployment="cloud", issues=size, seed=7) as sim:
        generated = time.perf_counter() - generated
        data = demo_config(sim)
        data["jira"]["concurrency"] = concurrency
        data["cache"] = {"path": str(workdir / f"cache-{size}.sqlite3")}
        config = workdir / f"config-{size}.toml"
        config.write_text(toml_snippet(data))
        env = {**os.environ, data["jira"]["token_env"]: sim.token}
        sim.configure(latency_ms=latency_ms)

        sim.reset_stats()
        server_cpu = _cpu()
        cold = run_child("pull", str(config), env=env)
        cold["server_cpu_s"] = _cpu() - server_cpu
        cold["requests"] = sim.stats()["total"]
        cold["by_endpoint"] = sim.stats()["endpoints"]
        site = sim.site
        train = {i.key for i in site.issues if site.project(i.project).in_train}
        cold["complete"] = cold["histories"] == sum(len(site.by_key[k].histories) for k in train)
        cold["floor"] = floor_requests(sim, train, cold["far_ends"], len(data["train"]["boards"]) or 0)

        sim.reset_stats()
        server_cpu = _cpu()
        warm = run_child("pull", str(config), env=env)
        warm["server_cpu_s"] = _cpu() - server_cpu
        warm["requests"] = sim.stats()["total"]
        warm["floor"] = math.ceil(len(train) / 5000) + math.ceil(cold["far_ends"] / 100)
        warm["by_endpoint"] = sim.stats()["endpoints"]

        result: dict[str, Any] = {"size": size, "generate_s": generated, "cold": cold, "warm": warm}
        if naive:
            sim.reset_stats()
            result["naive"] = run_child("naive", sim.url, sim.email, sim.token, data["train"]["jql"], env=env)
            result["naive"]["requests"] = sim.stats()["total"]
            result["naive"]["complete_histories"] = cold["histories"]
    return result


def report(results: list[dict[str, Any]], latency_ms: int, concurrency: int) -> None:
    print(
        f"\nJira pull against the simulator (Cloud dialect, {latency_ms} ms per request, concurrency {concurrency})"
    )
    header = f"{'issues':>7} {'histories':>9} {'cold s':>7} {'requests':>8} {'floor':>6} {'peak MB':>8} {'complete':>8}"
    header += f" | {'warm s':>6} {'warm req':>8} {'floor':>6} {'peak MB':>8}"
    print(header)
    for r in results:
        c, w = r["cold"], r["warm"]
        print(
            f"{c['issues']:>7} {c['histories']:>9} {c['seconds']:>7.1f} {c['requests']:>8} {c['floor']:>6} "
            f"{c['maxrss_mb']:>8.0f} {c['complete']!s:>8} | {w['seconds']:>6.1f} {w['requests']:>8} {w['floor']:>6} {w['maxrss_mb']:>8.0f}"
        )
    for r in results:
        c = r["cold"]
        w = r["warm"]
        print(f"  {r['size']}: cold CPU seconds: client {c['cpu_s']:.1f}, simulator {c['server_cpu_s']:.1f}")
        print(f"  {r['size']}: warm CPU seconds: client {w['cpu_s']:.1f}, simulator {w['server_cpu_s']:.1f}")
        print(f"  {r['size']}: cold requests by endpoint {r['cold']['by_endpoint']}")
        print(f"  {r['size']}: warm requests by endpoint {r['warm']['by_endpoint']}")
    for r in results:
        if "naive" in r:
            n, c = r["naive"], r["cold"]
            print(
                f"\nnaive jira.search_issues(jql, expand='changelog', maxResults=False) at {r['size']} issues: "
                f"{n['seconds']:.1f} s, {n['requests']} requests, {n['maxrss_mb']:.0f} MB peak; "
                f"{n['histories']} of {n['complete_histories']} histories "
                f"({n['truncated_issues']} issues' changelogs truncated)"
            )
            print(f"syncreport: {c['seconds']:.1f} s, complete -> {n['seconds'] / c['seconds']:.1f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--sizes", default="1000,10000", help="comma-separated train sizes (default 1000,10000)"
    )
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument(
        "--concurrency", type=int, default=16, help="[jira].concurrency for our pull (default 16)"
    )
    parser.add_argument(
        "--naive-size", type=int, default=10000, help="size at which to time the naive pull (0: none)"
    )
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_pull(*rest) if kind == "pull" else child_naive(*rest)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="syncreport-bench-") as tmp:
        results = [
            measure(size, args.latency_ms, args.concurrency, size == args.naive_size, Path(tmp))
            for size in sizes
        ]
    report(results, args.latency_ms, args.concurrency)


if __name__ == "__main__":
    main()
