"""The dependency map: teams as nodes, one arrow per providing -> consuming team pair (SVG).

networkx lays the teams out (a circle for up to 14 teams, where every arrow stays readable; a seeded spring
layout beyond); the drawing is ours. An arrow runs from the team that provides to the team that needs; its
width grows with the number of dependencies, its colour and dash pattern are the worst status among them
(late: red and dashed), and its label gives the counts ("3: 2 late, 1 on track"). Arrows of a pair that
lies on a dependency cycle are drawn over a black halo and their label says "cycle". The two directions of
a pair bend to opposite sides, so A -> B and B -> A never hide each other. The figures come from
:class:`~syncreport.indicators.results.TeamMap`: nothing is counted here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup

from syncreport.indicators.results import TeamMap, TeamMapEdge
from syncreport.render.svg import (
    STRING_STYLES,
    PrintSketch,
    document,
    element,
    shorten,
    status_word,
    text,
    text_width,
)

WIDTH = 640.0
HEIGHT = 560.0
LEGEND_HEIGHT = 74.0
FONT = 11.0
LABEL_FONT = 9.0
NODE_HEIGHT = 22.0
CIRCLE_UP_TO = 14


def _layout(teams: tuple[str, ...], edges: tuple[TeamMapEdge, ...]) -> dict[str, tuple[float, float]]:
    import networkx as nx  # here: a run that draws no map never imports it

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(teams)
    graph.add_weighted_edges_from((e.provider_team, e.consumer_team, e.count) for e in edges)
    if len(teams) <= CIRCLE_UP_TO:
        positions = nx.circular_layout(graph)
    else:
        positions = nx.spring_layout(graph, seed=7, k=1.6 / math.sqrt(len(teams)), iterations=80)
    xs = [float(p[0]) for p in positions.values()]
    ys = [float(p[1]) for p in positions.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    margin_x, margin_y = 80.0, 24.0
    side = min(WIDTH - 2 * margin_x, HEIGHT - LEGEND_HEIGHT - 2 * margin_y)  # a circle stays a circle
    left, top = (WIDTH - side) / 2, margin_y
    return {
        team: (
            left + (float(p[0]) - min(xs)) / span_x * side,
            top + (max(ys) - float(p[1])) / span_y * side,
        )
        for team, p in positions.items()
    }


def _edge_width(count: int, largest: int) -> float:
    return 1.2 + 5.0 * math.sqrt(count / max(largest, 1))


def _trim(
    x: float, y: float, towards: tuple[float, float], half_w: float, half_h: float
) -> tuple[float, float]:
    """Where the line from a node's centre towards ``towards`` leaves the node's box."""
    dx, dy = towards[0] - x, towards[1] - y
    if dx == 0 and dy == 0:
        return x, y
    scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    return x + dx * scale, y + dy * scale


def _label(edge: TeamMapEdge) -> str:
    parts = ", ".join(f"{n} {status_word(s)}" for s, n in edge.by_status)
    return f"{edge.count}: {parts}" + (" · cycle" if edge.in_cycle else "")


@dataclass(frozen=True, slots=True)
class _Arrow:
    """One team pair's arrow, placed: its curve, where it ends, and its count label."""

    edge: TeamMapEdge
    path: str
    tip: tuple[float, float]
    control: tuple[float, float]
    width: float
    middle: tuple[float, float]
    words: str


def _arrows(
    team_map: TeamMap, positions: dict[str, tuple[float, float]], boxes: dict[str, tuple[float, float]]
) -> list[_Arrow]:
    """Every pair's arrow, the most severe last (drawn on top)."""
    largest = max(e.count for e in team_map.edges)
    arrows = []
    for edge in reversed(team_map.edges):
        (x1, y1), (x2, y2) = positions[edge.provider_team], positions[edge.consumer_team]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        # bend to the left of the direction of travel: the way back bends to the other side
        bend = 0.12 * length
        cx, cy = (x1 + x2) / 2 - (y2 - y1) / length * bend, (y1 + y2) / 2 + (x2 - x1) / length * bend
        start = _trim(x1, y1, (cx, cy), *boxes[edge.provider_team])
        end = _trim(x2, y2, (cx, cy), *boxes[edge.consumer_team])
        arrows.append(
            _Arrow(
                edge=edge,
                path=f"M{start[0]:.1f},{start[1]:.1f} Q{cx:.1f},{cy:.1f} {end[0]:.1f},{end[1]:.1f}",
                tip=end,
                control=(cx, cy),
                width=_edge_width(edge.count, largest),
                middle=(
                    0.25 * start[0] + 0.5 * cx + 0.25 * end[0],
                    0.25 * start[1] + 0.5 * cy + 0.25 * end[1],
                ),
                words=f"{edge.count}⟳" if edge.in_cycle else str(edge.count),
            )
        )
    return arrows


def _pale(edge: TeamMapEdge) -> str | None:
    return "0.55" if edge.worst == "on_track" and not edge.in_cycle else None


def dependency_map(team_map: TeamMap, *, for_print: bool = False) -> Markup:
    """The map as inline SVG; a short note when no team depends on another. The print copy is the same
    picture drawn for WeasyPrint's speed (:class:`~syncreport.render.svg.PrintSketch`: one path per style,
    the labels as few texts, no tooltips or classes)."""
    if not team_map.edges:
        return Markup('<p class="chart-empty">Dependency map: no open cross-team dependency.</p>')
    positions = _layout(team_map.teams, team_map.edges)
    boxes = {
        team: (text_width(shorten(team, 22), FONT) / 2 + 6.0, NODE_HEIGHT / 2) for team in team_map.teams
    }
    arrows = _arrows(team_map, positions, boxes)
    parts = _print_parts(arrows, positions, boxes) if for_print else _screen_parts(arrows, positions, boxes)
    description = "; ".join(
        f"{e.provider_team} provides to {e.consumer_team}: {_label(e)}" for e in team_map.edges
    )
    return document(
        [*parts, _legend(team_map)],
        width=WIDTH,
        height=HEIGHT,
        title="Dependency map: which team provides to which (arrow from provider to consumer)",
        description=description,
        css="chart depmap",
    )


def _screen_parts(
    arrows: list[_Arrow], positions: dict[str, tuple[float, float]], boxes: dict[str, tuple[float, float]]
) -> list[str]:
    lines: list[str] = []
    labels: list[str] = []
    for arrow in arrows:
        edge, style = arrow.edge, STRING_STYLES[arrow.edge.worst]
        title = element(
            "title", text(f"{edge.provider_team} provides to {edge.consumer_team}: {_label(edge)}")
        )
        if edge.in_cycle:
            lines.append(
                element("path", d=arrow.path, fill="none", stroke="#000000", stroke_width=arrow.width + 2.4)
            )
        lines.append(
            element(
                "path",
                title,
                d=arrow.path,
                fill="none",
                stroke=style.colour,
                stroke_width=arrow.width,
                stroke_dasharray=style.dash or None,
                stroke_opacity=_pale(edge),
                class_=f"map-edge st-{edge.worst.replace('_', '-')}",
                data_provider=edge.provider_team,
                data_consumer=edge.consumer_team,
            )
        )
        lines.append(_arrow_head(arrow.tip, arrow.control, arrow.width, style.colour))
        (mid_x, mid_y), half = arrow.middle, text_width(arrow.words, LABEL_FONT) / 2 + 2.5
        labels.append(
            element(
                "rect",
                x=mid_x - half,
                y=mid_y - 6.5,
                width=2 * half,
                height=12.0,
                rx=5.0,
                fill="#ffffff",
                stroke=style.colour,
                stroke_width=0.8,
            )
            + element(
                "text",
                text(arrow.words),
                x=mid_x,
                y=mid_y + 3.0,
                font_size=LABEL_FONT,
                text_anchor="middle",
                font_weight="bold" if edge.worst == "late" else None,
            )
        )
    nodes = []
    for team, (x, y) in positions.items():
        half_w, half_h = boxes[team]
        nodes.append(
            element(
                "rect",
                x=x - half_w,
                y=y - half_h,
                width=2 * half_w,
                height=2 * half_h,
                rx=4.0,
                fill="#eef2f7",
                stroke="#1f4e79",
                stroke_width=1.2,
            )
            + element(
                "text",
                text(shorten(team, 22)),
                x=x,
                y=y + 4.0,
                font_size=FONT,
                font_weight="bold",
                text_anchor="middle",
            )
        )
    return [*lines, *labels, *nodes]


def _print_parts(
    arrows: list[_Arrow], positions: dict[str, tuple[float, float]], boxes: dict[str, tuple[float, float]]
) -> list[str]:
    """The same drawing as :func:`_screen_parts`, as a :class:`PrintSketch`: arrows, then their count
    labels, then the teams (square corners: a rounded box is four more curves a box)."""
    sketch = PrintSketch()
    for arrow in arrows:
        style = STRING_STYLES[arrow.edge.worst]
        if arrow.edge.in_cycle:
            sketch.shape(arrow.path, fill="none", stroke="#000000", stroke_width=round(arrow.width + 2.4, 1))
        sketch.shape(
            arrow.path,
            fill="none",
            stroke=style.colour,
            stroke_width=round(arrow.width, 1),
            stroke_dasharray=style.dash or None,
            stroke_opacity=_pale(arrow.edge),
        )
        sketch.shape(_arrow_head_path(arrow.tip, arrow.control, arrow.width), fill=style.colour)
    for arrow in arrows:
        (mid_x, mid_y), half = arrow.middle, text_width(arrow.words, LABEL_FONT) / 2 + 2.5
        colour = STRING_STYLES[arrow.edge.worst].colour
        sketch.rect(
            mid_x - half, mid_y - 6.5, 2 * half, 12.0, fill="#ffffff", stroke=colour, stroke_width=0.8
        )
        sketch.label(
            arrow.words, mid_x, mid_y + 3.0, LABEL_FONT, bold=arrow.edge.worst == "late", middle=True
        )
    for team, (x, y) in positions.items():
        half_w, half_h = boxes[team]
        sketch.rect(
            x - half_w, y - half_h, 2 * half_w, 2 * half_h, fill="#eef2f7", stroke="#1f4e79", stroke_width=1.2
        )
        sketch.label(shorten(team, 22), x, y + 4.0, FONT, bold=True, middle=True)
    return sketch.parts()


def _arrow_points(
    tip: tuple[float, float], control: tuple[float, float], width: float
) -> tuple[tuple[float, float], ...]:
    dx, dy = tip[0] - control[0], tip[1] - control[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    size = 6.0 + width
    back_x, back_y = tip[0] - ux * size, tip[1] - uy * size
    left = (back_x - uy * size * 0.5, back_y + ux * size * 0.5)
    right = (back_x + uy * size * 0.5, back_y - ux * size * 0.5)
    return (tip, left, right)


def _arrow_head(tip: tuple[float, float], control: tuple[float, float], width: float, colour: str) -> str:
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in _arrow_points(tip, control, width))
    return element("polygon", points=points, fill=colour, stroke="none")


def _arrow_head_path(tip: tuple[float, float], control: tuple[float, float], width: float) -> str:
    (x1, y1), (x2, y2), (x3, y3) = _arrow_points(tip, control, width)
    return f"M{x1:.1f},{y1:.1f}L{x2:.1f},{y2:.1f}L{x3:.1f},{y3:.1f}z"


def _legend(team_map: TeamMap) -> str:
    shown = [s for s in STRING_STYLES if any(e.worst == s for e in team_map.edges)]
    y = HEIGHT - LEGEND_HEIGHT + 8.0
    parts = [
        element(
            "text",
            text(
                "Arrow: from the team that provides to the team that needs; width and number: "
                "how many dependencies;"
            ),
            x=10.0,
            y=y,
            font_size=LABEL_FONT,
        )
        + element(
            "text",
            text("colour and pattern: the worst status of the pair (on track drawn pale)."),
            x=10.0,
            y=y + 12.0,
            font_size=LABEL_FONT,
        )
    ]
    x, y = 10.0, y + 27.0
    for status in shown:
        style = STRING_STYLES[status]
        step = 46.0 + text_width(status_word(status), LABEL_FONT)
        if x + step > WIDTH:
            x, y = 10.0, y + 14.0
        parts.append(
            element(
                "line",
                x1=x,
                y1=y,
                x2=x + 32.0,
                y2=y,
                stroke=style.colour,
                stroke_width=3.0,
                stroke_dasharray=style.dash or None,
            )
            + element("text", text(status_word(status)), x=x + 38.0, y=y + 3.5, font_size=LABEL_FONT)
        )
        x += step
    if team_map.team_cycles:
        cycles = "; ".join(" → ".join((*c, c[0])) for c in team_map.team_cycles[:3])
        more = f" (+{len(team_map.team_cycles) - 3} more)" if len(team_map.team_cycles) > 3 else ""
        parts.append(
            element(
                "text",
                text(f"⟳ and a black halo: a dependency cycle ({shorten(cycles, 80)}{more})"),
                x=10.0,
                y=y + 16.0,
                font_size=LABEL_FONT,
            )
        )
    return "".join(parts)
