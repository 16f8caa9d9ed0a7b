"""The drawn program board: teams by iterations, features as cards, the strings that matter as lines (SVG).

As on a physical PI planning board: a row per team, a column per iteration (plus "Unscheduled" and "Other
PI" when a string needs them), the features as cards where the team plans to finish its part, and a pin
for every issue at an end of a **late, at-risk or unscheduled** dependency, with a line from the pin of the
issue that provides to the pin of the issue that needs it (red dashed for late). Every one of those strings
is drawn, however many there are (no end is hidden behind a count: a busy cell grows); the other
dependencies (on track, external, ...) are counted under the board and listed in the text board and the
dependency table. A cell shows at most ``FEATURES_DRAWN`` feature cards and says how many more it has.

The print copy (``for_print``) is the same board drawn for WeasyPrint's speed: every shape of a style in
one path, the keys as the letters of a few texts (:class:`~syncreport.render.svg.PrintSketch`), feature
cards with their keys only (the text board below lists their summaries), no tooltips or classes.

Placing is presentation of computed results (the board's cells and the dependency rows); nothing here
decides a status.

Longer than 400 lines: one drawing. The grid, the cards, the pins and the strings all place themselves on the
same geometry (row heights that grow with a busy cell, column offsets), which split apart would be passed
between modules piece by piece.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from syncreport.indicators.results import DependencyEnd, DependencyRow, ProgramBoard
from syncreport.kinds import DependencyStatus
from syncreport.render.svg import (
    STRING_STYLES,
    PrintSketch,
    document,
    element,
    shorten,
    status_word,
    text,
)

DRAWN: tuple[DependencyStatus, ...] = (
    DependencyStatus.LATE,
    DependencyStatus.AT_RISK,
    DependencyStatus.UNSCHEDULED,
)  # the strings that matter, most severe first
FEATURES_DRAWN = 3
TEAM_W, COL_W, HEAD_H = 96.0, 132.0, 32.0
CARD_H, PIN_H, PIN_W, PAD = 15.0, 13.0, 60.0, 4.0
UNSCHEDULED, OTHER_PI = "unscheduled", "other"
OTHER_TEAMS = "Other teams"

Column = int | str  # an iteration index, UNSCHEDULED or OTHER_PI


@dataclass(frozen=True, slots=True)
class DrawnBoard:
    svg: Markup
    drawn: int  # strings drawn
    not_drawn: tuple[tuple[str, int], ...]  # (status, count) of the dependencies counted instead


def _column(end: DependencyEnd) -> Column:
    if end.iteration_index is not None:
        return end.iteration_index
    return UNSCHEDULED if end.sprint is None else OTHER_PI


@dataclass(frozen=True, slots=True)
class _Card:
    x: float
    y: float
    key: str
    summary: str
    done: bool


@dataclass(frozen=True, slots=True)
class _Pin:
    x: float
    y: float
    key: str
    status: DependencyStatus


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where everything goes: the board laid out once, drawn for the screen or for print."""

    width: float
    height: float
    columns: tuple[tuple[float, str, str], ...]  # x, fill, heading
    rows: tuple[tuple[float, str], ...]  # top, team
    cards: tuple[_Card, ...]
    more: tuple[tuple[float, float, int], ...]  # x, y, features not drawn in that cell
    pins: tuple[_Pin, ...]
    strings: tuple[tuple[DependencyRow, tuple[float, float], tuple[float, float]], ...]  # tail, head
    legend: str
    description: str


def drawn_board(
    board: ProgramBoard,
    dependencies: Sequence[DependencyRow],
    *,
    current: int | None = None,
    for_print: bool = False,
) -> DrawnBoard:
    """The board as inline SVG with every late, at-risk and unscheduled string drawn."""
    strings = [d for d in dependencies if d.status in DRAWN]
    rest = Counter(d.status for d in dependencies if d.status not in DRAWN and d.status != "done")
    not_drawn = tuple(sorted(rest.items(), key=lambda item: item[0].severity))
    if not board.iterations:
        return DrawnBoard(Markup(""), 0, not_drawn)
    plan = _plan(board, strings, not_drawn, current)
    title = "The program board with its strings: teams by iterations"
    if for_print:
        return DrawnBoard(_print_board(plan, title), len(strings), not_drawn)
    svg = document(
        _screen_parts(plan),
        width=plan.width,
        height=plan.height,
        title=title,
        description=plan.description,
        css="chart board-drawing",
    )
    return DrawnBoard(svg, len(strings), not_drawn)


def _plan(
    board: ProgramBoard,
    strings: list[DependencyRow],
    not_drawn: tuple[tuple[DependencyStatus, int], ...],
    current: int | None,
) -> _Plan:
    rows = list(board.teams)
    index = {it.index for it in board.iterations}
    placed = [(d.provider, d) for d in strings] + [(d.consumer, d) for d in strings]
    if any(end.team not in rows for end, _ in placed):
        rows.append(OTHER_TEAMS)
    columns: list[Column] = [it.index for it in board.iterations]
    wanted = {_column(end) for end, _ in placed} | {c.iteration_index or UNSCHEDULED for c in board.cells}
    columns += [c for c in (UNSCHEDULED, OTHER_PI) if c in wanted]
    names = {it.index: it.name for it in board.iterations} | {
        UNSCHEDULED: "Unscheduled",
        OTHER_PI: "Other PI",
    }

    def cell_of(end: DependencyEnd) -> tuple[str, Column]:
        column = _column(end)
        if isinstance(column, int) and column not in index:
            column = OTHER_PI
        return (end.team if end.team in rows else OTHER_TEAMS, column)

    pins: dict[tuple[str, Column], dict[str, DependencyStatus]] = defaultdict(
        dict
    )  # cell -> key -> worst status
    for end, dep in placed:
        cell = pins[cell_of(end)]
        if end.key not in cell or dep.status.severity < cell[end.key].severity:
            cell[end.key] = dep.status
    # open features first: a done one is worth less room on a crowded board
    features = {
        (c.team, c.iteration_index or UNSCHEDULED): tuple(sorted(c.features, key=lambda f: f.done))
        for c in board.cells
    }
    per_row = max(1, int((COL_W - PAD) // (PIN_W + PAD)))

    def cell_height(team: str, column: Column) -> float:
        cards = features.get((team, column), ())
        shown = min(len(cards), FEATURES_DRAWN)
        height = shown * (CARD_H + 2) + (12.0 if len(cards) > shown else 0.0)
        count = len(pins.get((team, column), {}))
        return height + math.ceil(count / per_row) * (PIN_H + 3)

    heights = [max(28.0, PAD * 2 + max(cell_height(team, c) for c in columns)) for team in rows]
    tops = [HEAD_H + sum(heights[:i]) for i in range(len(rows))]
    width = TEAM_W + COL_W * len(columns)
    height = HEAD_H + sum(heights) + 24.0
    x_of = {column: TEAM_W + COL_W * i for i, column in enumerate(columns)}
    heads = tuple(
        (
            x_of[column],
            "#cfdceb" if column == current else "#e4e9ef" if i % 2 == 0 else "#edf0f4",
            ("▼ " if column == current else "") + names[column],
        )
        for i, column in enumerate(columns)
    )
    cards: list[_Card] = []
    more: list[tuple[float, float, int]] = []
    drawn_pins: list[_Pin] = []
    anchors: dict[tuple[tuple[str, Column], str], tuple[float, float]] = {}
    for team, top in zip(rows, tops, strict=True):
        for column in columns:
            x, y = x_of[column] + PAD, top + PAD
            in_cell = features.get((team, column), ())
            for card in in_cell[:FEATURES_DRAWN]:
                cards.append(_Card(x, y, card.key, card.summary, card.done))
                y += CARD_H + 2
            if len(in_cell) > FEATURES_DRAWN:
                more.append((x, y, len(in_cell) - FEATURES_DRAWN))
                y += 12.0
            for n, (key, status) in enumerate(sorted(pins.get((team, column), {}).items())):
                px = x + (n % per_row) * (PIN_W + PAD)
                py = y + (n // per_row) * (PIN_H + 3)
                drawn_pins.append(_Pin(px, py, key, status))
                anchors[((team, column), key)] = (px + PIN_W / 2, py + PIN_H / 2)
    lines = tuple(
        (
            dep,
            anchors[(cell_of(dep.provider), dep.provider.key)],
            anchors[(cell_of(dep.consumer), dep.consumer.key)],
        )
        for dep in sorted(strings, key=lambda d: -d.status.severity)  # late drawn last, on top
    )
    counted = ", ".join(f"{n} {status_word(s)}" for s, n in not_drawn)
    legend = "Strings: " + "; ".join(
        f"{status_word(s)} ({sum(1 for d in strings if d.status == s)})" for s in DRAWN
    )
    legend += ", from the pin that provides to the dot that needs." + (
        f" Not drawn: {counted}." if counted else ""
    )
    description = (
        f"{len(strings)} late, at-risk and unscheduled dependencies drawn between the issues that provide and "
        "need them; the dependency table lists each one."
    )
    return _Plan(
        width=width,
        height=height,
        columns=heads,
        rows=tuple(zip(tops, rows, strict=True)),
        cards=tuple(cards),
        more=tuple(more),
        pins=tuple(drawn_pins),
        strings=lines,
        legend=legend,
        description=description,
    )


def _string_path(tail: tuple[float, float], head: tuple[float, float]) -> str:
    bend = max(30.0, abs(head[0] - tail[0]) * 0.35)
    return (
        f"M{tail[0]:.1f},{tail[1]:.1f} C{tail[0]:.1f},{tail[1] + bend * 0.4:.1f} "
        f"{head[0]:.1f},{head[1] - bend * 0.4:.1f} {head[0]:.1f},{head[1]:.1f}"
    )


def _screen_parts(plan: _Plan) -> list[str]:
    parts: list[str] = []
    for x, fill, heading in plan.columns:
        parts.append(
            element("rect", x=x, y=0.0, width=COL_W, height=plan.height - 24.0, fill=fill, stroke="#b8c2cc")
        )
        parts.append(
            element(
                "text",
                text(heading),
                x=x + COL_W / 2,
                y=20.0,
                font_size=11.0,
                font_weight="bold",
                text_anchor="middle",
            )
        )
    for top, team in plan.rows:
        parts.append(
            element("line", x1=0.0, y1=top, x2=plan.width, y2=top, stroke="#8a96a3", stroke_width=0.8)
        )
        parts.append(
            element("text", text(shorten(team, 15)), x=6.0, y=top + 16.0, font_size=10.5, font_weight="bold")
        )
    for card in plan.cards:
        parts.append(
            element(
                "rect",
                x=card.x,
                y=card.y,
                width=COL_W - 2 * PAD,
                height=CARD_H,
                rx=2.0,
                fill="#ffffff" if card.done else "#dbe7f3",
                stroke="#8aa0b6",
                stroke_dasharray="2 2" if card.done else None,
            )
            + element(
                "text",
                text(card.key + (" ✔" if card.done else "")),
                x=card.x + 3.0,
                y=card.y + 11.0,
                font_size=8.0,
                font_weight="bold",
            )
            + element(
                "text", text(shorten(card.summary, 15)), x=card.x + 58.0, y=card.y + 11.0, font_size=7.5
            )
        )
    for x, y, count in plan.more:
        parts.append(
            element(
                "text", text(f"+{count} more features"), x=x, y=y + 9.0, font_size=7.5, font_style="italic"
            )
        )
    for pin in plan.pins:
        style = STRING_STYLES[pin.status]
        parts.append(
            element(
                "rect",
                x=pin.x,
                y=pin.y,
                width=PIN_W,
                height=PIN_H,
                rx=6.0,
                fill="#ffffff",
                stroke=style.colour,
                stroke_width=1.4,
                stroke_dasharray=style.dash or None,
            )
            + element(
                "text",
                text(shorten(pin.key, 11)),
                x=pin.x + PIN_W / 2,
                y=pin.y + 9.5,
                font_size=7.5,
                text_anchor="middle",
            )
        )
    for dep, tail, head in plan.strings:
        style = STRING_STYLES[dep.status]
        parts.append(
            element(
                "path",
                element(
                    "title",
                    text(
                        f"{dep.provider.key} ({dep.provider.team}) provides to "
                        f"{dep.consumer.key} ({dep.consumer.team}): {dep.status_label}"
                    ),
                ),
                d=_string_path(tail, head),
                fill="none",
                stroke=style.colour,
                stroke_width=1.6 if dep.status == "late" else 1.2,
                stroke_dasharray=style.dash or None,
                stroke_opacity="0.9",
                class_=f"board-string st-{dep.status.replace('_', '-')}",
                data_provider=dep.provider.key,
                data_consumer=dep.consumer.key,
            )
            + element("circle", cx=head[0], cy=head[1], r=2.6, fill=style.colour)
        )
    parts.append(element("text", text(plan.legend), x=4.0, y=plan.height - 8.0, font_size=9.0))
    return parts


def _dot(x: float, y: float, r: float) -> str:
    return f"M{x - r:.1f},{y:.1f}a{r},{r} 0 1,0 {2 * r:.1f},0a{r},{r} 0 1,0 {-2 * r:.1f},0z"


# print: the board at most this size (millimetres) on its landscape page: as wide as a Letter page's text
# (A4's is a little wider), as tall as leaves room for the section's heading and the caption
PRINT_FIT = (259.0, 150.0)


def _print_board(plan: _Plan, title: str) -> Markup:
    sketch = PrintSketch(text_layer=True)
    for x, fill, heading in plan.columns:
        sketch.rect(x, 0.0, COL_W, plan.height - 24.0, fill=fill, stroke="#b8c2cc")
        sketch.label(heading, x + COL_W / 2, 20.0, 11.0, bold=True, middle=True)
    sketch.shape(
        "".join(f"M0,{top:.1f}H{plan.width:.1f}" for top, _ in plan.rows), stroke="#8a96a3", stroke_width=0.8
    )
    for top, team in plan.rows:
        sketch.label(shorten(team, 15), 6.0, top + 16.0, 10.5, bold=True)
    for card in plan.cards:
        sketch.rect(
            card.x,
            card.y,
            COL_W - 2 * PAD,
            CARD_H,
            fill="#ffffff" if card.done else "#dbe7f3",
            stroke="#8aa0b6",
            stroke_dasharray="2 2" if card.done else None,
        )
        sketch.label(card.key + (" done" if card.done else ""), card.x + 3.0, card.y + 11.0, 8.0, bold=True)
    for x, y, count in plan.more:
        sketch.label(f"+{count} more features", x, y + 9.0, 7.5)
    for pin in plan.pins:
        style = STRING_STYLES[pin.status]
        sketch.rect(
            pin.x,
            pin.y,
            PIN_W,
            PIN_H,
            fill="#ffffff",
            stroke=style.colour,
            stroke_width=1.4,
            stroke_dasharray=style.dash or None,
        )
        sketch.label(shorten(pin.key, 11), pin.x + PIN_W / 2, pin.y + 9.5, 7.5, middle=True)
    for dep, tail, head in plan.strings:
        style = STRING_STYLES[dep.status]
        sketch.shape(
            _string_path(tail, head),
            fill="none",
            stroke=style.colour,
            stroke_width=1.6 if dep.status == "late" else 1.2,
            stroke_dasharray=style.dash or None,
            stroke_opacity="0.9",
        )
    for dep, _, head in plan.strings:
        sketch.shape(_dot(*head, 2.6), fill=STRING_STYLES[dep.status].colour)
    sketch.prose(plan.legend, 4.0, plan.height - 8.0, 9.0)  # in the report's own (narrower) font
    return sketch.layered(
        [],
        width=plan.width,
        height=plan.height,
        fit=PRINT_FIT,
        title=title,
        description=plan.description,
        css="chart board-drawing",
    )
