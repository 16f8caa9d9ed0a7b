"""What the charts' labels cost WeasyPrint: the PDF's trends part laid out with WeasyPrint's own SVG text
(letter by letter) and with the whole strings the report installs (render/weasyprint_patches.py), side by
side in one process, in turns, so that the machine's drift (its speed moves by half within an hour on the
shared development machine) falls on both alike.

The trends part is the one every warm run lays out again (its charts carry this run); it is taken from the
print document of the render benchmark's train (10,000 issues, 13 weekly runs in its trends), pruned as a run
prunes it, and laid out ``--repeat`` times a way (median and quartiles of CPU seconds).

    .venv/bin/python benchmarks/labels_benchmark.py --snapshot /tmp/train10k.json.gz
    .venv/bin/python benchmarks/labels_benchmark.py --issues 1000 --repeat 31
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_benchmark import PINNED_AT, pull_train, utc_moment, weekly_history


def trends_part(snapshot_path: Path) -> str:
    """The print document's trends part, pruned as a run lays it out."""
    from syncreport.config import ReportSettings
    from syncreport.indicators import compute_indicators
    from syncreport.render.html import render_document
    from syncreport.render.lean_print import merge_markers
    from syncreport.snapshot import load_snapshot

    snapshot = load_snapshot(snapshot_path)
    results = compute_indicators(snapshot, history=weekly_history(compute_indicators(snapshot)))
    return trends_part_of(merge_markers(render_document(results, snapshot, ReportSettings(), for_print=True)))


def trends_part_of(document: str) -> str:
    """``document``'s (a print document's) trends part, pruned as a run lays it out."""
    from syncreport.render import print_parts

    parts = print_parts.split(document)
    if parts is None:
        sys.exit("the print document has no parts to lay out")
    trends = [part for part in parts.contents if 'id="trends"' in part]
    if not trends:
        sys.exit("the print document has no trends part (a train without runs in its history?)")
    return print_parts.pruned(trends[0])


def drawers() -> dict[str, Callable[..., None]]:
    """WeasyPrint's text function and the whole-string one, by name; WeasyPrint imported as a run imports it."""
    from syncreport.render.layout import import_weasyprint

    import_weasyprint()
    import weasyprint.svg

    return {
        "WeasyPrint's own, letter by letter": sys.modules["weasyprint.svg.text"].text,
        "whole strings (shipped)": weasyprint.svg.TAGS["text"],
    }


def use(drawer: Callable[..., None]) -> None:
    import weasyprint.svg

    svg: Any = weasyprint.svg
    svg.TAGS["text"] = svg.TAGS["tspan"] = drawer
    svg.text = drawer


def measure(document: str, ways: dict[str, Callable[..., None]], repeat: int) -> dict[str, list[float]]:
    from syncreport.render.pdf import lay_out

    for drawer in ways.values():  # fonts loaded and glyphs shaped before anything is timed
        use(drawer)
        lay_out(document)
    times: dict[str, list[float]] = {name: [] for name in ways}
    for turn in range(repeat):
        order = list(ways.items()) if turn % 2 == 0 else list(ways.items())[::-1]
        for name, drawer in order:
            use(drawer)
            gc.collect()
            started = time.process_time()
            lay_out(document)
            times[name].append(time.process_time() - started)
    use(ways["whole strings (shipped)"])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--snapshot", type=Path, help="a saved snapshot (pulled and saved here if absent)")
    parser.add_argument("--repeat", type=int, default=21, help="layouts of the part each way, in turns")
    parser.add_argument("--at", type=utc_moment, default=utc_moment(PINNED_AT))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncreport-labels-bench-") as tmp:
        snapshot_path = args.snapshot or Path(tmp) / f"train-{args.issues}.json.gz"
        if not snapshot_path.exists():
            pull_train(args.issues, args.seed, snapshot_path, args.at)
        document = trends_part(snapshot_path)
    print(f"the trends part: {len(document):,} characters, {document.count('<text')} SVG text nodes")
    times = measure(document, drawers(), args.repeat)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        low, _, high = statistics.quantiles(values, n=4)
        print(f"  {name:36s} median {medians[name]:.3f} CPU s (quartiles {low:.3f} to {high:.3f})")
    own, whole = medians.values()
    print(f"  saved: {own - whole:.3f} CPU s a layout of the trends part ({(own - whole) / own:.0%})")


if __name__ == "__main__":
    main()
