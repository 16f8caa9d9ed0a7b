"""How fast and how big the Jira simulator is: generating a train, and serving it.

For each size, in a fresh subprocess (so peak memory, ru_maxrss, is its own): the generator's wall time,
the histories and links it made, then through HTTP on 127.0.0.1 with `requests` (Cloud dialect): every id
of the train (pages of 5,000), 1,000 issues with every field (bulk fetch, 100 a request), the complete
changelogs of 1,000 issues (changelog bulk fetch), and one search page of 100 issues with inline changelogs.

    .venv/bin/python benchmarks/simulator_benchmark.py                  # 10k and 100k issues
    .venv/bin/python benchmarks/simulator_benchmark.py --sizes 300,10000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from typing import Any

import requests

TODAY = date(2026, 11, 26)


def child(size: int) -> dict[str, Any]:
    from syncreport.simulator import generate_site, start_simulator, train_jql

    started = time.perf_counter()
    site = generate_site(issues=size, seed=7, today=TODAY)
    figures: dict[str, Any] = {
        "issues": size,
        "generate_s": round(time.perf_counter() - started, 2),
        "histories": sum(len(i.histories) for i in site.issues),
        "links": len(site.links),
    }
    with start_simulator(site=site) as sim:
        session = requests.Session()
        session.auth = (sim.email, sim.token)

        def timed(name: str, action: Any) -> Any:
            begin = time.perf_counter()
            result = action()
            figures[name] = round(time.perf_counter() - begin, 2)
            return result

        def all_ids() -> list[str]:
            ids: list[str] = []
            token = None
            while True:
                params = {"jql": train_jql(), "maxResults": 5000, "fields": "id"}
                if token:
                    params["nextPageToken"] = token
                page = session.get(sim.url + "/rest/api/3/search/jql", params=params).json()
                ids.extend(i["id"] for i in page["issues"])
                token = page.get("nextPageToken")
                if not token:
                    return ids

        ids = timed("all_ids_s", all_ids)
        figures["ids"] = len(ids)
        sample = ids[:1000]

        def bulk() -> None:
            for start in range(0, len(sample), 100):
                body = {"issueIdsOrKeys": sample[start : start + 100], "fields": ["*all"]}
                session.post(sim.url + "/rest/api/3/issue/bulkfetch", json=body).raise_for_status()

        def changelogs() -> int:
            histories, token = 0, None
            while True:
                body: dict[str, Any] = {"issueIdsOrKeys": sample, "maxResults": 1000}
                if token:
                    body["nextPageToken"] = token
                page = session.post(sim.url + "/rest/api/3/changelog/bulkfetch", json=body).json()
                histories += sum(len(log["changeHistories"]) for log in page["issueChangeLogs"])
                token = page.get("nextPageToken")
                if not token:
                    return histories

        def search_page() -> None:
            body = {"jql": train_jql(), "maxResults": 100, "fields": ["*all"], "expand": "changelog"}
            session.post(sim.url + "/rest/api/3/search/jql", json=body).raise_for_status()

        timed("bulkfetch_1000_issues_s", bulk)
        figures["changelog_histories_1000_issues"] = timed("changelog_bulkfetch_1000_issues_s", changelogs)
        timed("search_page_100_with_changelog_s", search_page)
        figures["requests"] = sim.stats()["total"]
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated train sizes")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], capture_output=True, text=True, check=True
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print("  ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
