"""How fast the report renders for a big train: HTML (target <= 2 s) and PDF (target <= 15 s) at 10,000 issues,
and what the pictures (dependency map, drawn board, trends over a PI of weekly runs) add to the PDF (<= 1 s).

The train is the simulator's generated one (hostile summaries, CJK and RTL text, cycles, external providers),
pulled through the real Jira client over HTTP once and saved as a snapshot file; the indicators are computed
from it, then a fresh child process times ``render_html`` and ``render_pdf`` twice each (the first call pays
for compiling templates and loading fonts, the second is warm). Module imports are timed apart. Wall-clock
and CPU seconds are both printed: on a shared machine the CPU figure is what the renderer itself costs.

What the pictures add is measured steadily (:func:`pictures_parts_cost`): only the sections of the print
document that differ with and without them are laid out, in turns, and the median of ``--steady`` (9)
repetitions is printed with its spread; the whole-PDF difference (``--repeat``) is printed beside it for
reference, noise-bound. ``--pictures-only`` measures the pictures alone.

    .venv/bin/python benchmarks/render_benchmark.py                          # 10,000 issues
    .venv/bin/python benchmarks/render_benchmark.py --issues 1000
    .venv/bin/python benchmarks/render_benchmark.py --snapshot /tmp/train10k.json.gz   # reuse a saved pull
    .venv/bin/python benchmarks/render_benchmark.py --snapshot /tmp/train10k.json.gz --pictures-only

The train is pulled on a pinned clock (``--at``; the simulator and the pull both take it), so the figures
are the same at any time of day. On the wall clock they were not: the steady-state probe lays out "the run
after the next", 5 and 10 minutes after the pull, and at some moments of the day an issue's age in days
rolls over in that gap, so the body changed and was laid out again (4.02 CPU s at 10:20 UTC against 0.60
under ``faketime -f '@2026-12-02 05:54:00'`` on the same code, round six). The default moment is that one.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
HTML_TARGET_SECONDS = 2.0
PDF_TARGET_SECONDS = 15.0
PICTURES_TARGET_SECONDS = 1.0  # issue 14: what the map, the drawn board and the trends may add to the PDF
NEXT_RUN_PDF_TARGET_CPU_SECONDS = 1.5  # issue 15: the warm run's PDF


PINNED_AT = "2026-12-02T05:54:00+00:00"  # --at's default: no age rolls over in the next ten minutes


def utc_moment(text: str) -> datetime:
    """``--at``'s ISO 8601 moment, aware: one without an offset is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pull_train(issues: int, seed: int, path: Path, at: datetime) -> None:
    """Generate a train in the simulator as of ``at``, pull it through the real client on a clock stopped
    at ``at``, and save the snapshot."""
    from syncreport.clock import fixed_clock
    from syncreport.config import config_from_dict
    from syncreport.jira import pull_snapshot
    from syncreport.simulator import demo_config, start_simulator
    from syncreport.snapshot import save_snapshot

    clock = fixed_clock(at)
    with (
        start_simulator(issues=issues, seed=seed, clock=clock) as sim,
        tempfile.TemporaryDirectory() as cache,
    ):
        data = demo_config(sim, token_env="SYNCREPORT_BENCH_TOKEN")
        data["cache"] = {"enabled": True, "path": str(Path(cache) / "cache.sqlite")}
        os.environ["SYNCREPORT_BENCH_TOKEN"] = sim.token
        started = time.perf_counter()
        snapshot = pull_snapshot(config_from_dict(data, source="<benchmark>"), now=clock)
        print(f"pulled {len(snapshot.issues)} issues in {time.perf_counter() - started:.1f} s -> {path}")
        save_snapshot(snapshot, path)


def child_render(snapshot_path: str, settings_json: str, options_json: str) -> dict[str, Any]:
    """Runs in a fresh process: import, compute, then time each renderer twice and what the pictures cost
    (``options``: ``repeat`` for the whole-PDF figure, ``steady`` for the part-wise one, ``pictures_only``
    to measure the pictures alone)."""
    options = json.loads(options_json)
    started = time.perf_counter()
    from pypdf import PdfReader

    from syncreport.config import ReportSettings
    from syncreport.indicators import compute_indicators
    from syncreport.render import render_html, render_pdf
    from syncreport.snapshot import load_snapshot

    figures: dict[str, Any] = {"import_s": time.perf_counter() - started}
    snapshot = load_snapshot(Path(snapshot_path))
    results = compute_indicators(snapshot, history=weekly_history(compute_indicators(snapshot)))
    settings = ReportSettings.model_validate(json.loads(settings_json))
    figures["issues"] = results.train.issue_count
    figures["teams"] = results.train.team_count
    figures["dependencies"] = len(results.dependencies)
    if options["pictures_only"]:
        render_pdf(dataclasses.replace(results), snapshot, settings)  # fonts found, templates compiled
        figures.update(pictures_parts_cost(results, snapshot, settings, options["steady"]))
        return figures
    for name, render in (("html", render_html), ("pdf", render_pdf)):
        for attempt in ("cold", "warm"):
            # A copy of the results is a new object, so the cold PDF draws its charts itself instead of
            # reusing the HTML's (as a real run does): the cold figures are each renderer on its own.
            given = dataclasses.replace(results) if attempt == "cold" else results
            wall, cpu = time.perf_counter(), time.process_time()
            output = render(given, snapshot, settings)
            figures[f"{name}_{attempt}_s"] = time.perf_counter() - wall
            figures[f"{name}_{attempt}_cpu_s"] = time.process_time() - cpu
        figures[f"{name}_bytes"] = len(output)
        if name == "pdf":
            assert isinstance(output, bytes)
            figures["pdf_pages"] = len(PdfReader(io.BytesIO(output)).pages)
    # after the cold figures, which pay for compiling the templates and finding the fonts
    figures.update(pictures_parts_cost(results, snapshot, settings, options["steady"]))
    if options["repeat"]:
        figures.update(pictures_cost(results, snapshot, settings, options["repeat"]))
    figures.update(next_run_cost(results, snapshot, settings))
    return figures


def next_run_cost(results: Any, snapshot: Any, settings: Any) -> dict[str, float]:
    """The PDF of the next cron run with nothing changed in Jira, as ``syncreport report`` makes it: the
    run's store holds what this run laid out, and the next run, 5 minutes later, compares with this run
    ("since the last run") and has it in its trends: a new front and new margins, the board to the
    appendix as they were."""
    from datetime import timedelta

    from syncreport import artifacts
    from syncreport.indicators import compute_indicators, to_json_document
    from syncreport.indicators.trends import trend_summary
    from syncreport.render import render_pdf

    document = to_json_document(results)
    history = [*weekly_history(results), trend_summary(document)]
    # taken 5 minutes later, so this run is one more point of its trends (drawn again, as on every run)
    later_snapshot = dataclasses.replace(snapshot, taken_at=snapshot.taken_at + timedelta(minutes=5))
    later = compute_indicators(later_snapshot, previous=document, history=history)
    assert later.trends is not None and len(later.trends.points) == len(history) + 1
    from syncreport.render.view import build_view

    with tempfile.TemporaryDirectory() as folder, artifacts.using(artifacts.ArtifactStore(Path(folder))):
        render_pdf(dataclasses.replace(results), snapshot, settings)
        wall, cpu = time.perf_counter(), time.process_time()
        render_pdf(later, later_snapshot, settings)
        figures = {
            "pdf_next_run_s": time.perf_counter() - wall,
            "pdf_next_run_cpu_s": time.process_time() - cpu,
        }
        # the run after that, 5 minutes on: its print view alone, i.e. its pictures drawn and its charts
        # (the trends' two drawn again with one more point, the others found in the store)
        again = dataclasses.replace(later_snapshot, taken_at=later_snapshot.taken_at + timedelta(minutes=5))
        history = [*history, trend_summary(to_json_document(later))]  # the run before it, one more point
        after = compute_indicators(again, previous=document, history=history)
        assert after.trends is not None and len(after.trends.points) == len(history) + 1
        cpu = time.process_time()
        build_view(after, settings, for_print=True)
        figures["next_run_charts_cpu_s"] = time.process_time() - cpu
        figures.update(steady_run_pdf_cost(after, again, settings, Path(folder)))
        return figures


def steady_run_pdf_cost(results: Any, snapshot: Any, settings: Any, store: Path) -> dict[str, Any]:
    """The PDF of cron's steady state as the run's layout worker makes it, in a process of its own started
    as the worker is (``python -P``): its start, WeasyPrint's import, the layout of what is new (the
    trends' part, the margins that say the minute) and the join: every CPU second of that process and of
    its children (getrusage), its start included (the interpreter, this script's and the layout modules). ``results`` is the run after the next: its front compares with a run like it."""
    from syncreport.render.html import render_document
    from syncreport.render.lean_print import merge_markers

    document = store / "steady-run-print-document.html"
    document.write_text(merge_markers(render_document(results, snapshot, settings, for_print=True)))
    figures: dict[str, Any] = {"steady_pdf_cpu_runs": [], "steady_pdf_parts": []}
    for attempt in range(3):
        copy = store.with_name(
            f"{store.name}-steady-{attempt}"
        )  # each attempt finds what the run before kept
        shutil.copytree(store, copy)
        command = [sys.executable, "-P", str(HERE), "--worker-probe", str(document), str(copy)]
        started = time.perf_counter()
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures["steady_pdf_wall_s"] = time.perf_counter() - started
        probe = json.loads(output.strip().splitlines()[-1])
        figures["steady_pdf_cpu_runs"].append(probe["cpu_s"])
        figures["steady_pdf_parts"].append(probe)
        shutil.rmtree(copy, ignore_errors=True)
    return figures


def worker_probe(document_path: str, store: str) -> dict[str, Any]:
    """Runs as the layout worker runs (see :func:`steady_run_pdf_cost`): imports, then one PDF."""
    import resource

    from syncreport import artifacts
    from syncreport.render.assemble import assemble
    from syncreport.render.layout import lay_out_here

    started = time.process_time()
    try:
        from syncreport.render.layout import import_weasyprint
    except ImportError:  # older code, measured side by side: the worker imported WeasyPrint as usual
        import weasyprint  # noqa: F401
    else:
        import_weasyprint()
    imported = time.process_time()
    laid_out: list[float] = []

    def timed(document: str) -> bytes:
        begun = time.process_time()
        pdf = lay_out_here(document)
        laid_out.append(round(time.process_time() - begun, 3))
        return pdf

    with artifacts.using(artifacts.ArtifactStore(Path(store))):
        assemble(Path(document_path).read_text(), timed)
    done = time.process_time()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_s": mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime,
        "start_s": started,  # the interpreter and syncreport's layout modules (pikepdf)
        "weasyprint_import_s": imported - started,
        "layouts_s": laid_out,
        "join_s": done - imported - sum(laid_out),
        "children_s": children.ru_utime + children.ru_stime,
    }


def weekly_history(results: Any) -> list[dict[str, Any]]:
    """A PI of weekly runs before this one (12 trend summaries), so the trends are drawn as in real use."""
    from datetime import timedelta

    from syncreport.indicators import to_json_document
    from syncreport.indicators.trends import trend_summary

    summary = trend_summary(to_json_document(results))
    history = []
    for week in range(12, 0, -1):
        moment = results.train.generated_at - timedelta(weeks=week)
        counts = {k: max(0, v - week % 4) for k, v in summary["dependency_counts"].items()}
        history.append({**summary, "generated_at": moment.isoformat(), "dependency_counts": counts})
    return history


def without_pictures(results: Any) -> Any:
    """The same report with none of the pictures: no map, no board drawing, no trends section, no
    slippage-by-team chart (the slippage section shows its older carry-over chart instead)."""
    from unittest import mock

    from markupsafe import Markup

    from syncreport.render import pictures
    from syncreport.render.boardsvg import DrawnBoard

    empty = pictures.Pictures(Markup(""), DrawnBoard(Markup(""), 0, ()), Markup(""), Markup(""), Markup(""))
    stripped = dataclasses.replace(results, team_map=None, trends=None)
    return stripped, mock.patch("syncreport.render.view.draw_pictures", return_value=empty)


def pictures_cost(results: Any, snapshot: Any, settings: Any, repeat: int) -> dict[str, Any]:
    """The naive figure, for reference: the whole PDF with the pictures (drawing included) against the
    whole PDF without them, each the best of ``repeat`` cold renders (fresh results, nothing cached), in
    turns. Noise-bound: the same document laid out again varies by more than the pictures cost, so the
    spread of the renders without them is printed beside it (see :func:`pictures_parts_cost`)."""
    from syncreport.render import pictures, render_pdf

    def timed(render: Any) -> tuple[float, float]:
        given = dataclasses.replace(results)
        wall, cpu = time.perf_counter(), time.process_time()
        render(given)
        return time.perf_counter() - wall, time.process_time() - cpu

    def without(r: Any) -> Any:
        stripped, patched = without_pictures(r)
        with patched:
            return render_pdf(stripped, snapshot, settings)

    started = time.process_time()
    pictures.draw_pictures(dataclasses.replace(results), for_print=True)
    drawing = time.process_time() - started
    runs: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
    for _ in range(repeat):
        runs["with"].append(timed(lambda r: render_pdf(r, snapshot, settings)))
        runs["without"].append(timed(without))
    return {
        "pictures_draw_cpu_s": drawing,
        "pdf_with_pictures_s": min(w for w, _ in runs["with"]),
        "pdf_with_pictures_cpu_s": min(c for _, c in runs["with"]),
        "pdf_without_pictures_s": min(w for w, _ in runs["without"]),
        "pdf_without_pictures_cpu_s": min(c for _, c in runs["without"]),
        "pdf_without_pictures_cpu_runs": [c for _, c in runs["without"]],
        "pdf_with_pictures_cpu_runs": [c for _, c in runs["with"]],
    }


SECTION_START = '<section class="report-section'


def pictures_parts_cost(results: Any, snapshot: Any, settings: Any, repeat: int) -> dict[str, Any]:
    """What the pictures add to the PDF, measured steadily: only what differs is laid out.

    The print document is made with the pictures and without them, cut into the content parts
    render/pdf.py lays out (the front, the trends, the board, and the body's parts:
    :mod:`syncreport.render.print_parts`) and each part into its sections. A section that is the same in both costs the same in both, so it is left out: its layout is
    the noise of the whole-PDF figure. A section that differs is laid out from its start to its last
    difference (the rest, the same in both, left out) with its part's stylesheet, once with the pictures
    and once without. The trends' part has no counterpart (laid out whole, against nothing); then the
    margins' layer that counts pages (the trends' page is one more page of it), and drawing the pictures
    for print. Each repetition (everything in turns) gives one figure, drawing plus the differences; the
    figure is the median of ``repeat``, printed with their spread and each piece's median."""
    from syncreport.render import pictures, print_parts
    from syncreport.render.html import render_document
    from syncreport.render.lean_print import merge_markers
    from syncreport.render.pdf import lay_out

    def document(given: Any) -> str:
        return merge_markers(render_document(given, snapshot, settings, for_print=True))

    stripped, patched = without_pictures(dataclasses.replace(results))
    with patched:
        bare = print_parts.split(document(stripped))
    full = print_parts.split(document(dataclasses.replace(results)))
    assert full is not None and bare is not None, "the print document no longer splits into parts"
    pieces = differing_pieces(full, bare)
    shapes = [
        [wide for part in parts.contents for wide in print_parts.page_shapes(lay_out(part))]
        for parts in (full, bare)
    ]
    pieces.append(("page-number margins", full.margins(shapes[0]), bare.margins(shapes[1])))
    for _, mine, theirs in pieces:  # each laid out once untimed (fonts found, caches filled, as in a run)
        lay_out(mine)
        if theirs:
            lay_out(theirs)
    costs: dict[str, list[float]] = {"drawing them for print": []}
    costs |= {name: [] for name, _, _ in pieces}
    for _ in range(repeat):
        fresh = dataclasses.replace(results)  # nothing drawn yet for it
        drawing = cpu_of(lambda given=fresh: pictures.draw_pictures(given, for_print=True))
        costs["drawing them for print"].append(drawing)
        for name, mine, theirs in pieces:
            added = cpu_of(lambda doc=mine: lay_out(doc))
            costs[name].append(added - (cpu_of(lambda doc=theirs: lay_out(doc)) if theirs else 0.0))
    totals = [sum(run) for run in zip(*costs.values(), strict=True)]
    return {"pictures_parts_cpu_runs": totals, "pictures_parts": costs}


def cpu_of(work: Any) -> float:
    """CPU seconds of ``work``, begun from a collected heap (see :func:`pictures_parts_cost`)."""
    gc.collect()
    started = time.process_time()
    work()
    return time.process_time() - started


def differing_pieces(full: Any, bare: Any) -> list[tuple[str, str, str]]:
    """(name, document with the pictures, document without them or "") for each section that differs:
    the section up to its last difference, after its part's head; the trends' part whole, against "".

    Without the pictures there is no trends' part (the second content part, after the front); every other
    part has its counterpart, in the same order."""
    assert len(full.contents) == len(bare.contents) + 1, "without the pictures there is no trends part"
    trends = full.contents[1]
    assert 'id="trends"' in trends, "the trends' part is no longer the one after the front"
    pieces = []
    paired = [full.contents[0], *full.contents[2:]]
    for number, (mine, theirs) in enumerate(zip(paired, bare.contents, strict=True)):
        part = "front" if number == 0 else f"part {number + 2}"
        head, chunks = sections(mine)
        bare_head, bare_chunks = sections(theirs)
        assert head == bare_head and len(chunks) == len(bare_chunks), f"the {part} is not the same shape"
        for chunk, bare_chunk in zip(chunks, bare_chunks, strict=True):
            if chunk != bare_chunk:
                end, bare_end = differing_ends(chunk, bare_chunk)
                opening = "" if chunk.startswith("<body>") else "<body><main>"
                name = f"{part}: {section_name(chunk)}"
                pieces.append((name, head + opening + chunk[:end], head + opening + bare_chunk[:bare_end]))
    pieces.append(("trends part", trends, ""))
    return pieces


def sections(part: str) -> tuple[str, list[str]]:
    """A part's head (to ``<body>``) and its body cut before each report section."""
    at = part.index("<body>")
    head, body = part[:at], part[at:]
    cuts = [0, *(m.start() for m in re.finditer(re.escape(SECTION_START), body))]
    return head, [body[start:end] for start, end in zip(cuts, [*cuts[1:], len(body)], strict=True)]


def section_name(chunk: str) -> str:
    found = re.search(r'\bid="([^"]+)"', chunk[:300])
    return found.group(1) if found else "before the first section"


def common_length(one: str, other: str) -> int:
    """The length of the longest common start of two texts (a binary search over slices)."""
    low, high = 0, min(len(one), len(other))
    while low < high:
        middle = (low + high + 1) // 2
        if one[:middle] == other[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def differing_ends(mine: str, theirs: str) -> tuple[int, int]:
    """Where each text stops once their common end is cut off (at a tag's start: no tag is cut in two;
    the parser closes what is left open)."""
    start = common_length(mine, theirs)
    same = min(common_length(mine[::-1], theirs[::-1]), min(len(mine), len(theirs)) - start)
    end = mine.find("<", len(mine) - same)
    end = len(mine) if end < 0 else end
    return end, len(theirs) - (len(mine) - end)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--snapshot", type=Path, help="a saved snapshot to render (pulled and saved here if absent)"
    )
    parser.add_argument("--paper", choices=["A4", "Letter"], default="A4")
    parser.add_argument(
        "--steady",
        type=int,
        default=9,
        help="repetitions of the pictures' part-wise figure (median; what differs laid out, in turns)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="whole PDFs with and without the pictures, in turns (best of each; noise-bound; 0: skip)",
    )
    parser.add_argument(
        "--pictures-only", action="store_true", help="measure the pictures' part-wise figure alone"
    )
    parser.add_argument(
        "--at",
        type=utc_moment,
        default=utc_moment(PINNED_AT),
        help=f"the moment the train is generated and pulled at (default {PINNED_AT}: any day, same figures)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--worker-probe", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_render(*args.child)))
        return
    if args.worker_probe:
        print(json.dumps(worker_probe(*args.worker_probe)))
        return

    options = {"steady": args.steady, "repeat": args.repeat, "pictures_only": args.pictures_only}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="syncreport-render-bench-") as tmp:
        snapshot_path = args.snapshot or Path(tmp) / f"train-{args.issues}.json.gz"
        if not snapshot_path.exists():
            pull_train(args.issues, args.seed, snapshot_path, args.at)
        settings = json.dumps({"paper": args.paper})
        completed = subprocess.run(
            [sys.executable, str(HERE), "--child", str(snapshot_path), settings, json.dumps(options)],
            check=False,
            capture_output=True,
            text=True,
        )
    if completed.returncode != 0:  # its own traceback says what failed, not only its exit status
        sys.exit(f"the measuring child failed (exit {completed.returncode}):\n{completed.stderr.strip()}")
    f = json.loads(completed.stdout.strip().splitlines()[-1])
    print(
        f"train: {f['issues']} issues, {f['teams']} teams, {f['dependencies']} cross-team dependencies "
        f"(load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores)"
    )
    print_pictures_parts(f)
    if args.pictures_only:
        return
    print(f"imports (jinja2, matplotlib, weasyprint, pandas): {f['import_s']:.2f} s")
    for name, target in (("html", HTML_TARGET_SECONDS), ("pdf", PDF_TARGET_SECONDS)):
        verdict = "ok" if f[f"{name}_cold_s"] <= target else "OVER TARGET"
        print(
            f"{name.upper():4} cold {f[f'{name}_cold_s']:6.2f} s (cpu {f[f'{name}_cold_cpu_s']:.2f} s)   "
            f"warm {f[f'{name}_warm_s']:6.2f} s (cpu {f[f'{name}_warm_cpu_s']:.2f} s)   "
            f"{f[f'{name}_bytes'] / 1e6:.2f} MB   target <= {target:g} s: {verdict}"
        )
    print(f"PDF pages: {f['pdf_pages']}")
    verdict = "ok" if f["pdf_next_run_cpu_s"] <= NEXT_RUN_PDF_TARGET_CPU_SECONDS else "OVER TARGET"
    print(
        f"PDF of the next run, nothing changed (5 minutes later, this run in its trends; parts kept): "
        f"{f['pdf_next_run_s']:.2f} s (cpu {f['pdf_next_run_cpu_s']:.2f} s), target <= "
        f"{NEXT_RUN_PDF_TARGET_CPU_SECONDS:g} CPU s: {verdict}"
    )
    runs = sorted(f["steady_pdf_cpu_runs"])
    verdict = "ok" if statistics.median(runs) <= NEXT_RUN_PDF_TARGET_CPU_SECONDS else "OVER TARGET"
    print(
        f"PDF of cron's steady state as the layout worker makes it (a process of its own: start, WeasyPrint's "
        f"import, the trends and the dated margins laid out, the join): median {statistics.median(runs):.2f} "
        f"CPU s of 3 ({runs[0]:.2f} to {runs[-1]:.2f}), target <= {NEXT_RUN_PDF_TARGET_CPU_SECONDS:g} CPU s: "
        f"{verdict}"
    )
    for probe in f["steady_pdf_parts"]:
        print(
            f"  start {probe['start_s']:.2f}, WeasyPrint's import {probe['weasyprint_import_s']:.2f}, layouts "
            f"{probe['layouts_s']}, join and the rest {probe['join_s']:.2f}, child processes {probe['children_s']:.2f}"
        )
    if args.repeat:
        print_whole_pdf_figure(f)
    print(
        f"the next run's print view (its pictures drawn, the trends' charts again, the other charts kept): "
        f"{f['next_run_charts_cpu_s']:.3f} CPU s"
    )
    verdict = "ok" if f["html_cold_s"] <= HTML_TARGET_SECONDS else "OVER TARGET"
    print(
        f"HTML cold {f['html_cold_s']:.2f} s wall ({f['html_cold_cpu_s']:.2f} CPU s), "
        f"target <= {HTML_TARGET_SECONDS:g} s: {verdict}"
    )


def print_pictures_parts(f: dict[str, Any]) -> None:
    totals = sorted(f["pictures_parts_cpu_runs"])
    median = statistics.median(totals)
    verdict = "ok" if median <= PICTURES_TARGET_SECONDS else "OVER TARGET"
    print(
        f"pictures add {median:.2f} CPU s to the PDF (median of {len(totals)}; dependency map, drawn board, "
        f"slippage by team, trends of 13 runs; only what differs laid out, in turns), spread "
        f"{totals[0]:.2f} to {totals[-1]:.2f}; target <= {PICTURES_TARGET_SECONDS:g} s: {verdict}"
    )
    for name, runs in f["pictures_parts"].items():
        print(f"  {name:40} {statistics.median(runs):6.3f} CPU s   ({min(runs):.3f} to {max(runs):.3f})")


def print_whole_pdf_figure(f: dict[str, Any]) -> None:
    extra = f["pdf_with_pictures_cpu_s"] - f["pdf_without_pictures_cpu_s"]
    without, with_them = f["pdf_without_pictures_cpu_runs"], f["pdf_with_pictures_cpu_runs"]
    print(
        f"the naive figure, whole PDFs (best of {len(without)} each, in turns): with the pictures "
        f"{f['pdf_with_pictures_cpu_s']:.2f} CPU s, without {f['pdf_without_pictures_cpu_s']:.2f}: "
        f"{extra:+.2f} s; the same PDF without them took {min(without):.2f} to {max(without):.2f} CPU s "
        f"(noise {max(without) - min(without):.2f} s), with them {min(with_them):.2f} to {max(with_them):.2f}"
    )


if __name__ == "__main__":
    main()
