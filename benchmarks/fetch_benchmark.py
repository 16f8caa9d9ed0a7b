"""How fast, how frugal and how complete the Jira pull is, against the simulator with real latency.

For each dialect and size: a cold pull (empty cache) and a warm re-run (nothing changed) with the shipped
defaults (no ``[jira].concurrency`` in the config: the adaptive limit under its default ceiling), and a cold
pull at a fixed ceiling (``--fixed``, 16 by default), each in a fresh subprocess so its peak memory is its
own (VmHWM of the exec'd child: ru_maxrss would also count the parent's pages at fork); requests, and the
429s among them, are counted by the simulator. ``--burst-limit N`` makes the simulator refuse more than N
requests a second per endpoint and method (Cloud's burst limit), with X-RateLimit-NearLimit under 20% of
it left, so the table shows the adaptation (most requests in flight, cuts) and whether a 429 storm came.
The site is generated as of 00:00 UTC today and served at the machine's time, so the warm run finds the
last edits from the night before, as a cron run does (``--fresh-edits``: generated as of now, its last
edits seconds before the cold pull, which the warm run's margin lists again; syncreport.jira.since).
The simulator renders the whole site's JSON before the first pull (``SimulatorHandle.prerender``): a real
Jira's CPU is not on the client's machine, and every pull measured, the naive one too, gets the same site.

The floor is the fewest requests the dialect's API allows for the same data. Cloud: ids 5,000 a page,
issues 100 a bulk fetch, changelogs 1,000 histories a page (Jira's documented default) and at most 1,000
issues a request, far ends 100 a bulk fetch, one field list, one status list, the board lists and every
board's sprint pages. Data Center: search pages of 1,000 with the changelog inline, one request for each
issue whose changelog the search cut at 100 histories (its issue resource has them all), the same far-end,
list and board requests; on both, the risks' and PI objectives' searches. A warm re-run's floor is what
tells what changed (Cloud: the id pages; Data Center: the changed search and the count) and one search for
the far ends with the agenda (``(<agenda query>) OR key in (...)``). At one size the way users usually write it
with the ``jira`` library (``search_issues(jql, expand="changelog", maxResults=False)``) is timed in the
same run, and its changelogs are checked against the complete ones.

    .venv/bin/python benchmarks/fetch_benchmark.py                      # both dialects, 1k and 10k
    .venv/bin/python benchmarks/fetch_benchmark.py --deployments cloud --sizes 10000 --burst-limit 60
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine_speed import probe_line  # benchmarks/ is this script's own folder, first on sys.path

from syncreport.simulator import demo_config, start_simulator, toml_snippet
from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE

HERE = Path(__file__).resolve()
AGENDA_SEARCHES = 1  # the risks and PI objectives (the demo's default queries: one search), every run


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
        "most_in_flight": result.stats.most_in_flight,
        "cuts": result.stats.limit_cuts,
    }


def child_naive(url: str, email: str, token: str, jql: str) -> dict[str, Any]:
    from jira import JIRA

    started = time.perf_counter()
    # Cloud: e-mail and API token; Data Center ("-" for the e-mail): the personal access token
    client = (
        JIRA(server=url, basic_auth=(email, token)) if email != "-" else JIRA(server=url, token_auth=token)
    )
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


def _sprint_pages(site: Any) -> int:
    return sum(
        max(1, math.ceil(len([s for s in site.sprints.values() if s.board_id == b.id]) / 50))
        for b in site.boards
    )


def floor_requests(sim: Any, train: set[str], far_ends: int, boards: int) -> int:
    site = sim.site
    n = len(train)
    # fields, statuses; far ends; boards and sprints; the agenda's searches
    lists = 2 + math.ceil(far_ends / 100) + boards + _sprint_pages(site) + AGENDA_SEARCHES
    if sim.deployment == "cloud":
        histories = sum(len(site.by_key[k].histories) for k in train)
        return (
            lists
            + math.ceil(n / 5000)  # ids
            + math.ceil(n / 100)  # issue bulk fetch
            + max(math.ceil(n / 1000), math.ceil(histories / 1000))  # changelog bulk fetch, 1,000 a page
        )
    cut = sum(1 for k in train if len(site.by_key[k].histories) > 100)  # Data Center's issue GET is whole
    return lists + math.ceil(n / 1000) + cut


def warm_floor(sim: Any, train: set[str], far_ends: int) -> int:
    tells = math.ceil(len(train) / 5000) if sim.deployment == "cloud" else 2  # id pages; changed + count
    return tells + max(1, math.ceil(far_ends / 100))  # the far ends with the agenda: one search page


# --- the parent --------------------------------------------------------------------------------------------


def _pull_in_child(
    sim: Any, data: dict[str, Any], workdir: Path, name: str, env: dict[str, str]
) -> dict[str, Any]:
    data = {**data, "cache": {"path": str(workdir / f"cache-{name}.sqlite3")}}
    config = workdir / f"config-{name}.toml"
    config.write_text(toml_snippet(data))
    sim.reset_stats()
    server_cpu = _cpu()
    found = run_child("pull", str(config), env=env)
    stats = sim.stats()
    found.update(
        server_cpu_s=_cpu() - server_cpu,
        requests=stats["total"],
        by_endpoint=stats["endpoints"],
        status_429=stats["statuses"].get("429", 0),
    )
    return found


def measure(
    deployment: str,
    size: int,
    latency_ms: int,
    fixed: int,
    burst: int,
    naive: bool,
    workdir: Path,
    *,
    fresh_edits: bool = False,
) -> dict[str, Any]:
    generated = time.perf_counter()
    # The site's last edits: the night before (generated as of 00:00 UTC today, served at the machine's
    # time), as a cron run finds them; with --fresh-edits, seconds before the cold pull (a fifth of the
    # issues updated in the minute before generation), which the warm run's margin lists again.
    today = None if fresh_edits else datetime.now(UTC).date()
    with start_simulator(deployment=deployment, issues=size, seed=7, today=today) as sim:
        generated = time.perf_counter() - generated
        data = demo_config(sim)
        env = {**os.environ, data["jira"]["token_env"]: sim.token}
        sim.configure(latency_ms=latency_ms, rate_limit=burst or None)
        prerendered = time.perf_counter()
        sim.prerender()  # a real Jira's rendering is not on our machine; every pull below gets the same site
        prerendered = time.perf_counter() - prerendered
        site = sim.site
        train = {  # the train's work; the risks and PI objectives are fetched apart (AGENDA_SEARCHES)
            i.key
            for i in site.issues
            if site.project(i.project).in_train and i.issuetype not in (RISK_TYPE, OBJECTIVE_TYPE)
        }
        histories = sum(len(site.by_key[k].histories) for k in train)
        name = f"{deployment}-{size}"
        cold = _pull_in_child(sim, data, workdir, name, env)  # the shipped defaults
        cold["complete"] = cold["histories"] == histories
        cold["floor"] = floor_requests(sim, train, cold["far_ends"], len(data["train"]["boards"]) or 0)
        warm = _pull_in_child(sim, data, workdir, name, env)
        warm["floor"] = warm_floor(sim, train, cold["far_ends"])
        result: dict[str, Any] = {
            "deployment": deployment,
            "size": size,
            "generate_s": generated,
            "prerender_s": prerendered,
            "cold": cold,
            "warm": warm,
        }
        if fixed:
            pinned = {**data, "jira": {**data["jira"], "concurrency": fixed}}
            result["fixed"] = _pull_in_child(sim, pinned, workdir, f"{name}-fixed", env)
            result["fixed"]["complete"] = result["fixed"]["histories"] == histories
        if naive:
            sim.reset_stats()
            email = sim.email if deployment == "cloud" else "-"
            result["naive"] = run_child("naive", sim.url, email, sim.token, data["train"]["jql"], env=env)
            result["naive"]["requests"] = sim.stats()["total"]
            result["naive"]["complete_histories"] = histories
    return result


def report(results: list[dict[str, Any]], latency_ms: int, fixed: int, burst: int) -> None:
    limit = f"burst limit {burst}/s per endpoint" if burst else "no burst limit"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nJira pull against the simulator ({latency_ms} ms per request, {limit}); shipped defaults")
    print(f"load average at the end: {load}; {probe_line()}")
    header = f"{'dialect':>10} {'issues':>7} {'histories':>9} {'cold s':>7} {'requests':>8} {'floor':>6}"
    header += f" {'429s':>5} {'inflight':>8} {'cuts':>4} {'peak MB':>8} {'complete':>8}"
    header += f" | {'warm s':>6} {'warm req':>8} {'floor':>6}"
    print(header)
    for r in results:
        c, w = r["cold"], r["warm"]
        print(
            f"{r['deployment']:>10} {c['issues']:>7} {c['histories']:>9} {c['seconds']:>7.1f} {c['requests']:>8} "
            f"{c['floor']:>6} {c['status_429']:>5} {c['most_in_flight']:>8} {c['cuts']:>4} {c['maxrss_mb']:>8.0f} "
            f"{c['complete']!s:>8} | {w['seconds']:>6.1f} {w['requests']:>8} {w['floor']:>6}"
        )
    if fixed:
        print(f"\ncold pull at [jira].concurrency = {fixed}")
        for r in results:
            f = r["fixed"]
            print(
                f"{r['deployment']:>10} {f['issues']:>7}: {f['seconds']:.1f} s, {f['requests']} requests "
                f"({f['requests'] / r['cold']['floor']:.2f}x the floor of {r['cold']['floor']}), "
                f"{f['status_429']} 429s, at most {f['most_in_flight']} in flight, {f['cuts']} cuts, "
                f"complete {f['complete']}"
            )
    for r in results:
        c, w = r["cold"], r["warm"]
        label = f"{r['deployment']} {r['size']}"
        print(f"  {label}: the simulator rendered the site in {r['prerender_s']:.1f} s (before measuring)")
        print(f"  {label}: cold CPU seconds: client {c['cpu_s']:.1f}, simulator {c['server_cpu_s']:.1f}")
        print(f"  {label}: warm CPU seconds: client {w['cpu_s']:.1f}, simulator {w['server_cpu_s']:.1f}")
        print(f"  {label}: cold requests by endpoint {c['by_endpoint']}")
        print(f"  {label}: warm requests by endpoint {w['by_endpoint']}")
    for r in results:
        if "naive" in r:
            n, c = r["naive"], r["cold"]
            print(
                f"\n{r['deployment']}: naive jira.search_issues(jql, expand='changelog', maxResults=False) at "
                f"{r['size']} issues: {n['seconds']:.1f} s, {n['requests']} requests, {n['maxrss_mb']:.0f} MB "
                f"peak; {n['histories']} of {n['complete_histories']} histories ({n['truncated_issues']} issues' "
                "changelogs truncated)"
            )
            print(
                f"syncreport, shipped defaults: {c['seconds']:.1f} s, complete -> "
                f"{n['seconds'] / c['seconds']:.1f}x faster"
            )
            if "fixed" in r:
                f = r["fixed"]
                print(
                    f"syncreport, concurrency {fixed}: {f['seconds']:.1f} s -> {n['seconds'] / f['seconds']:.1f}x faster"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--sizes", default="1000,10000", help="comma-separated train sizes (default 1000,10000)"
    )
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--deployments", default="cloud,datacenter", help="comma-separated (default both)")
    parser.add_argument(
        "--fixed",
        type=int,
        default=16,
        help="also a cold pull at this [jira].concurrency (0: none; default 16)",
    )
    parser.add_argument(
        "--burst-limit", type=int, default=0, help="simulator's requests a second per endpoint (0: none)"
    )
    parser.add_argument(
        "--naive-size", type=int, default=10000, help="size at which to time the naive pull (0: none)"
    )
    parser.add_argument(
        "--fresh-edits",
        action="store_true",
        help="generate the site as of now (its last edits seconds before the cold pull), not 00:00 UTC today",
    )
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_pull(*rest) if kind == "pull" else child_naive(*rest)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    deployments = [d for d in args.deployments.split(",") if d]
    with tempfile.TemporaryDirectory(prefix="syncreport-bench-") as tmp:
        results = [
            measure(
                d,
                size,
                args.latency_ms,
                args.fixed,
                args.burst_limit,
                size == args.naive_size,
                Path(tmp),
                fresh_edits=args.fresh_edits,
            )
            for d in deployments
            for size in sizes
        ]
    report(results, args.latency_ms, args.fixed, args.burst_limit)


if __name__ == "__main__":
    main()
