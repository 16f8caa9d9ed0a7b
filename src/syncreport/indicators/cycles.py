"""Dependency cycles: strongly connected components (Tarjan, iterative) and one simple cycle per component.

Hand-written because networkx is not a dependency and the graphs are small (links, not issues). A component
of several issues is reported as one cycle naming every issue in it: the simple cycle through all of them
when there is one (found by a bounded depth-first search), else the component's issues in a walk order.
"""

from __future__ import annotations

from collections.abc import Iterable

_SEARCH_BUDGET = 200_000  # steps of the Hamiltonian-cycle search per component before giving up


def _graph(edges: Iterable[tuple[str, str]]) -> tuple[dict[str, list[str]], set[str]]:
    """Adjacency lists (targets sorted, every node present) and the nodes with an edge to themselves."""
    graph: dict[str, list[str]] = {}
    self_loops: set[str] = set()
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
        if a == b:
            self_loops.add(a)
    for targets in graph.values():
        targets.sort()
    return graph, self_loops


def strongly_connected(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Components with more than one node, or a node with an edge to itself (Tarjan's algorithm)."""
    graph, self_loops = _graph(edges)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = graph[node]
            if child < len(targets):
                work.append((node, child + 1))
                nxt = targets[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in self_loops:
                    found.append(sorted(component))
    return found


def _cycle_through_all(members: list[str], graph: dict[str, list[str]]) -> list[str] | None:
    """A simple cycle visiting every member, starting at the smallest key; None if none found in budget."""
    start = members[0]
    wanted = len(members)
    path = [start]
    seen = {start}
    steps = 0
    iterators = [iter(graph[start])]
    while iterators:
        steps += 1
        if steps > _SEARCH_BUDGET:
            return None
        nxt = next(iterators[-1], None)
        if nxt is None:
            iterators.pop()
            seen.discard(path.pop())
            continue
        if nxt == start and len(path) == wanted:
            return path
        if nxt not in seen:
            path.append(nxt)
            seen.add(nxt)
            iterators.append(iter(graph[nxt]))
    return None


def _walk(members: list[str], graph: dict[str, list[str]]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()
    stack = [members[0]]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed(graph[node]))
    return order


def find_cycles(edges: Iterable[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Each cycle as the keys in dependency order (edge a -> b: a needs b), sorted by first key."""
    edge_list = list(edges)
    components = strongly_connected(edge_list)
    cycles: list[tuple[str, ...]] = []
    for members in components:
        inside = set(members)
        graph: dict[str, list[str]] = {m: [] for m in members}
        for a, b in edge_list:
            if a in inside and b in inside and b not in graph[a]:
                graph[a].append(b)
        for targets in graph.values():
            targets.sort()
        if len(members) == 1:
            cycles.append((members[0],))
            continue
        order = _cycle_through_all(members, graph) or _walk(members, graph)
        cycles.append(tuple(order))
    return sorted(cycles)
