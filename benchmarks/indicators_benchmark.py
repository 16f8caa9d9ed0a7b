"""Indicators at scale: a synthetic train of 100,000 issues and 500,000 change items.

    .venv/bin/python benchmarks/indicators_benchmark.py [--issues 100000] [--changes 500000] [--seed 1] [--stages]
        [--repeat 1]

The snapshot is generated in a child process (seeded, vectorised with numpy); the child times
``compute_indicators`` and ``to_json_document`` and reports its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) before and after computing. Targets (issue 15): <= 3 s,
<= 500 MB. ``--stages`` also prints the CPU seconds of each stage of ``compute_indicators`` and the peak RSS
after it (the stage functions of ``syncreport.indicators.compute`` are wrapped with a timer: a few
microseconds each, not part of the product). ``--repeat N`` computes N times over the same snapshot and also
prints each run's CPU seconds (on a shared machine the spread tells the noise; the figures above are the
first run's, the one a report pays: later runs reuse the sprint-set parse cache of ``frames``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np
from machine_speed import (  # benchmarks/ is this script's own folder, first on sys.path
    machine_probe,
    probe_line,
)

TEAMS = 12
SPRINTS_PER_TEAM = 8  # 2 of the previous PI, 6 of this one
SPRINT_DAYS = 14
PI_START = datetime(2026, 1, 5, tzinfo=UTC)


def generate(issues: int, changes: int, seed: int):  # type: ignore[no-untyped-def]
    from syncreport.snapshot import Board, ChangeEvent, DependencyLink, Issue, Snapshot, Sprint

    rng = np.random.default_rng(seed)
    first = PI_START - timedelta(days=2 * SPRINT_DAYS)
    now = PI_START + timedelta(days=2 * SPRINT_DAYS + 5)  # in the 3rd sprint of the PI
    teams = [f"Team {i:02d}" for i in range(TEAMS)]
    boards = tuple(Board(id=i + 1, name=f"{t} board", team=t) for i, t in enumerate(teams))
    sprints = []
    for b in range(TEAMS):
        for n in range(SPRINTS_PER_TEAM):
            start = first + timedelta(days=n * SPRINT_DAYS, hours=int(rng.integers(0, 10)))
            end = start + timedelta(days=SPRINT_DAYS)
            state = "closed" if end <= now else ("active" if start <= now else "future")
            sprint_id = (b + 1) * 100 + n
            sprints.append(
                Sprint(
                    sprint_id,
                    f"{teams[b]} S{n + 1}",
                    state,
                    b + 1,
                    start,
                    end,
                    end if state == "closed" else None,
                )
            )
    sprint_start = {s.id: s.start for s in sprints}
    sprint_end = {s.id: s.end for s in sprints}

    team_idx = rng.integers(0, TEAMS, issues)
    first_sprint = rng.integers(0, SPRINTS_PER_TEAM, issues)
    span = rng.integers(0, 3, issues)  # 0: unscheduled, else how many consecutive sprints
    category = rng.choice(np.array(["new", "indeterminate", "done"]), issues, p=[0.4, 0.3, 0.3])
    points = np.where(rng.random(issues) < 0.9, rng.choice([1.0, 2.0, 3.0, 5.0, 8.0], issues), np.nan)
    pi_pick = rng.choice(np.array(["PI-25.4", "PI-26.1", "PI-26.2"]), issues, p=[0.05, 0.85, 0.10])
    features = issues // 50
    parent = np.where(rng.random(issues) < 0.85, rng.integers(0, features, issues), -1)
    created_offset = rng.integers(-60, 20, issues)
    keys = [f"ART-{i + 1}" for i in range(issues)]
    issue_sprints: list[tuple[int, ...]] = []
    issue_rows = []
    for i in range(issues):
        team = int(team_idx[i])
        if i < features:
            ids: tuple[int, ...] = ()
        else:
            last = min(int(first_sprint[i]) + int(span[i]), SPRINTS_PER_TEAM)
            ids = tuple((team + 1) * 100 + n for n in range(int(first_sprint[i]), last))
        issue_sprints.append(ids)
        issue_rows.append(
            Issue(
                id=str(i + 1),
                key=keys[i],
                summary=f"Synthetic work item {i + 1}",
                issue_type="Feature" if i < features else "Story",
                status={"new": "To Do", "indeterminate": "In Progress", "done": "Done"}[str(category[i])],
                status_category=str(category[i]),
                project="ART",
                created=PI_START + timedelta(days=int(created_offset[i])),
                updated=now,
                team=teams[team] if rng.random() > 0.01 else None,
                sprint_ids=ids,
                pi=str(pi_pick[i]),
                points=None if np.isnan(points[i]) else float(points[i]),
                due_date=date(2026, 3, 1) if i % 7 == 0 else None,
                parent_key=keys[int(parent[i])] if parent[i] >= 0 and i >= features else None,
                flagged=bool(i % 97 == 0),
            )
        )

    events: list[ChangeEvent] = []
    # sprint moves at each close: the realistic carry-over chain
    for i, ids in enumerate(issue_sprints):
        for k in range(1, len(ids)):
            at = sprint_end[ids[k - 1]]
            events.append(
                ChangeEvent(
                    keys[i], at, "sprint", ", ".join(map(str, ids[:k])), ", ".join(map(str, ids[: k + 1]))
                )
            )
    remaining = max(changes - len(events), 0)
    fields = rng.choice(
        np.array(["status", "points", "duedate", "pi", "flagged", "team", "sprint"]),
        remaining,
        p=[0.45, 0.15, 0.1, 0.08, 0.07, 0.05, 0.10],
    )
    who = rng.integers(features, issues, remaining)
    when = rng.integers(-40 * 24, 33 * 24, remaining)
    statuses = ["new", "indeterminate", "done"]
    for f, i, h in zip(fields.tolist(), who.tolist(), when.tolist(), strict=True):
        at = PI_START + timedelta(hours=h)
        key = keys[i]
        if f == "status":
            a, b = statuses[h % 3], statuses[(h + 1) % 3]
            events.append(ChangeEvent(key, at, "status", a, b, a, b))
        elif f == "points":
            events.append(ChangeEvent(key, at, "points", str(h % 5 + 1), str(h % 8 + 1)))
        elif f == "duedate":
            events.append(
                ChangeEvent(
                    key, at, "duedate", "2026-02-01", (date(2026, 2, 1) + timedelta(days=h % 30)).isoformat()
                )
            )
        elif f == "pi":
            events.append(
                ChangeEvent(key, at, "pi", "PI-26.1" if h % 2 else None, None if h % 2 else "PI-26.2")
            )
        elif f == "flagged":
            events.append(ChangeEvent(key, at, "flagged", "false", "true"))
        elif f == "team":
            events.append(ChangeEvent(key, at, "team", None, None, teams[h % TEAMS], teams[(h + 1) % TEAMS]))
        else:
            ids = issue_sprints[i]
            if ids:
                events.append(ChangeEvent(key, at, "sprint", None, ", ".join(map(str, ids[:1]))))
            else:
                events.append(ChangeEvent(key, at, "sprint", str((int(team_idx[i]) + 1) * 100), None))
    events.sort(key=lambda e: e.at)

    link_count = issues // 5
    providers = rng.integers(features, issues, link_count)
    consumers = rng.integers(features, issues, link_count)
    links = tuple(
        DependencyLink(str(n), "Blocks", keys[int(p)], keys[int(c)], PI_START - timedelta(days=int(n % 20)))
        for n, (p, c) in enumerate(zip(providers, consumers, strict=True))
        if p != c
    )
    _ = sprint_start
    return Snapshot(
        train="Benchmark ART",
        site_url="https://jira.example.com",
        taken_at=now,
        pis=("PI-25.4", "PI-26.1", "PI-26.2"),
        current_pi="PI-26.1",
        teams=tuple(teams),
        issues=tuple(issue_rows),
        sprints=tuple(sprints),
        boards=boards,
        links=links,
        changes=tuple(events),
        available_fields=("points",),
    )


STAGES = (
    "build_frames",
    "_schedule",
    "_dependencies",
    "_slippage",
    "_records",
    "_health",
    "risk_board",
    "objective_board",
    "plan_indicators",
    "_data_quality",
    "changes_since_last",
    "with_pictures",
)


def _time_stages() -> dict[str, tuple[float, int]]:
    """Wrap the stages of compute_indicators with a CPU timer; returns name -> (CPU s, peak RSS MB after)."""
    import functools

    from syncreport.indicators import compute

    figures: dict[str, tuple[float, int]] = {}

    def timed(name: str, stage):  # type: ignore[no-untyped-def]
        @functools.wraps(stage)
        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.process_time()
            try:
                return stage(*args, **kwargs)
            finally:
                spent = figures.get(name, (0.0, 0))[0] + time.process_time() - started
                figures[name] = (spent, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)

        return run

    for name in STAGES:
        setattr(compute, name, timed(name, getattr(compute, name)))
    return figures


def child(issues: int, changes: int, seed: int, stages: bool, repeat: int) -> None:
    from syncreport.indicators import compute_indicators, to_json_document

    started = time.perf_counter()
    snapshot = generate(issues, changes, seed)
    generated = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stage_figures = _time_stages() if stages else {}
    started, cpu_started = time.perf_counter(), time.process_time()
    results = compute_indicators(snapshot)
    computed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    first_stages = dict(stage_figures)  # the repeats below add to the timers: the first run's figures
    started = time.perf_counter()
    document = to_json_document(results)
    exported = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    repeats = [round(cpu, 2)]
    for _ in range(repeat - 1):
        cpu_started = time.process_time()
        compute_indicators(snapshot)
        repeats.append(round(time.process_time() - cpu_started, 2))
    print(
        json.dumps(
            {
                "issues": len(snapshot.issues),
                "changes": len(snapshot.changes),
                "links": len(snapshot.links),
                "sprints": len(snapshot.sprints),
                "generate_s": round(generated, 2),
                "compute_s": round(computed, 2),
                "compute_cpu_s": round(cpu, 2),
                "load_average": round(os.getloadavg()[0], 1),
                "machine_probe_cpu_s": round(machine_probe(), 3),
                "export_s": round(exported, 2),
                "peak_rss_mb_before_compute": round(rss_before / 1024),
                "peak_rss_mb": round(rss_after / 1024),
                "dependencies": len(results.dependencies),
                "late": sum(1 for d in results.dependencies if d.status == "late"),
                "carried_over_issues": sum(1 for i in results.issues if i.carry_over),
                "json_issues": len(document["issues"]),
                "repeats_cpu_s": repeats,
                "stages": {name: [round(cpu, 2), rss] for name, (cpu, rss) in first_stages.items()},
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stages", action="store_true", help="also time each stage of compute_indicators")
    parser.add_argument("--repeat", type=int, default=1, help="compute N times, print each run's CPU seconds")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.issues, args.changes, args.seed, args.stages, args.repeat)
        return
    command = [
        sys.executable,
        __file__,
        "--child",
        f"--issues={args.issues}",
        f"--changes={args.changes}",
        f"--seed={args.seed}",
        *(["--stages"] if args.stages else []),
        f"--repeat={args.repeat}",
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures = json.loads(output)
    print(
        f"snapshot: {figures['issues']:,} issues, {figures['changes']:,} change items, {figures['links']:,} links, {figures['sprints']} sprints"
    )
    print(f"generated in {figures['generate_s']} s (not part of the figure)")
    print(
        f"compute_indicators: {figures['compute_s']} s wall, {figures['compute_cpu_s']} s CPU   (target <= 3 s; "
        f"load average {figures['load_average']} on {os.cpu_count()} cores while measuring)"
    )
    print(probe_line(figures["machine_probe_cpu_s"]))
    print(f"to_json_document:   {figures['export_s']} s")
    print(
        f"peak memory (ru_maxrss of the child): {figures['peak_rss_mb']} MB in all, "
        f"{figures['peak_rss_mb_before_compute']} MB already held by the snapshot before computing   (target <= 500 MB)"
    )
    print(
        f"found: {figures['dependencies']:,} cross-team dependencies ({figures['late']:,} late), "
        f"{figures['carried_over_issues']:,} issues carried over"
    )
    if len(figures["repeats_cpu_s"]) > 1:
        print(f"compute_indicators, CPU s of each run: {figures['repeats_cpu_s']}")
    for name, (cpu, rss) in figures["stages"].items():
        print(f"  stage {name:<20} {cpu:5.2f} CPU s   peak RSS after it {rss} MB")


if __name__ == "__main__":
    main()
