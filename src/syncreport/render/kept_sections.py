"""The report's sections kept in the run's store (:mod:`syncreport.artifacts`), so a run renders only the
sections whose figures changed: at 10,000 issues the board, the features, the dependencies and the slippage
are most of the HTML's templating, and on a run where Jira did not change they are the same bytes.

Each kept section (:data:`READS`) names the attributes of ``results`` and ``view`` it reads (its included
templates' too), and is rendered with a context holding only those (:class:`_Only`: any other attribute is
undefined, and the report's ``StrictUndefined`` fails the run at once, so a template that reads more than
its entry says cannot be kept on a key that misses it). Its entry is named by the SHA-256 of:

- the section's name and the code that renders it: every packaged template, the modules of the filters and
  globals (``render/view.py``, ``render/html.py``, ``untrusted.py``, ``kinds.py``), the results' and the
  snapshot's classes (their properties), this module, and the Jinja, MarkupSafe and syncreport versions;
- the site's URL (``issue_url`` is the snapshot's ``browse/`` link);
- the values of the attributes the section reads, as :mod:`pickle` writes them without its memo (so
  which equal values are one object does not matter; used only to *name* the entry, never to load one:
  the entry holds the section's HTML text). Pickle keeps what JSON would merge
  (NaN and None, 1 and 1.0, a tuple and a list, a str and Markup, an enum and its value); two equal values
  pickled differently (a set's order) only make a new entry, never a stale hit. A value that does not
  pickle is not kept: the section is rendered as before.

Only the HTML's sections are kept (the print document's are capped lists, rendered in less time than
naming them takes), and only the packaged templates: with a ``[report] templates_dir`` every template renders as before
(an override may read anything). The HTML is the same bytes either way (tested per section, with one
changed input each that must not reuse the entry).
"""

from __future__ import annotations

import functools
import io
import logging
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2

import syncreport
from syncreport import artifacts, kinds, untrusted
from syncreport import snapshot as snapshot_module
from syncreport.indicators import results as results_module

log = logging.getLogger(__name__)

# template -> (the attributes of ``results`` it reads, those of ``view``), its includes' reads included; a
# dotted name is one attribute of an attribute (the pictures hold the trends, which are new on every run).
# The summary and the trends are not kept: they show the run's minute and the trends' last point.
READS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "sections/board.html": (
        frozenset({"board", "capacity"}),
        frozenset(
            {
                "board_cell_limit",
                "board_columns",
                "board_parts",
                "for_print",
                "iteration_names",
                "pictures.board",
            }
        ),
    ),
    "sections/features.html": (frozenset({"baseline", "features"}), frozenset({"for_print", "list_limit"})),
    "sections/capacity.html": (frozenset({"calendar", "capacity"}), frozenset()),
    "sections/dependencies.html": (
        frozenset({"clean_up", "cross_pi_dependencies", "cycles", "dependencies", "same_team_links"}),
        frozenset({"charts", "for_print", "list_limit"}),
    ),
    # not the risks' changes since the last run (the summary shows them): the first run with an earlier one
    # has other changes and the same section
    "sections/risks.html": (
        frozenset({"risks.counts", "risks.notes", "risks.open_high", "risks.roam_days", "risks.rows"}),
        frozenset({"for_print", "list_limit"}),
    ),
    "sections/objectives.html": (frozenset({"objectives"}), frozenset({"for_print", "list_limit"})),
    "sections/slippage.html": (
        frozenset({"ageing", "slippage_by_team", "slipped_issues", "teams"}),
        frozenset({"charts", "for_print", "list_limit", "pictures.slippage_by_team"}),
    ),
    "sections/cadence.html": (
        frozenset({"off_cadence", "orphans", "predictability", "thresholds"}),
        frozenset({"charts", "for_print", "list_limit", "reliability_columns", "reliability_rows"}),
    ),
    "sections/data_quality.html": (
        frozenset(
            {"calendar.source", "data_quality", "train.deployment", "train.jira_url", "train.pis", "unowned"}
        ),
        frozenset(
            {
                "for_print",
                "list_limit",
                "other_thresholds",
                "pictures.thresholds_table",
                "thresholds",
                "thresholds_at",
            }
        ),
    ),
}

_CODE_MODULES = (kinds, untrusted, snapshot_module, results_module)
_WRAPPED = "_syncreport_kept"  # marks a template whose rendering is already wrapped


class _Only:
    """``target`` with only the attributes in ``names``: any other one is missing (undefined in Jinja). A
    dotted name ("pictures.board") gives that attribute with only its named attributes in turn."""

    __slots__ = ("_names", "_target")

    def __init__(self, target: object, names: frozenset[str]) -> None:
        self._target = target
        self._names = names

    def __bool__(self) -> bool:
        return bool(self._target)

    def __getattr__(self, name: str) -> Any:
        if name in self._names:
            return getattr(self._target, name)
        inner = frozenset(n.partition(".")[2] for n in self._names if n.startswith(f"{name}."))
        if not inner:
            raise AttributeError(f"this section does not read {name!r} (render/kept_sections.py READS)")
        value = getattr(self._target, name)
        return value if value is None else _Only(value, inner)


def _value(target: object, path: str) -> object:
    """The attribute at a dotted ``path`` of ``target`` (None once a step is None)."""
    for name in path.split("."):
        if target is None:
            return None
        target = getattr(target, name)
    return target


@functools.cache
def code_digest() -> str:
    """The SHA-256 of everything but the figures that a kept section's HTML depends on."""
    from syncreport.render import html, view

    templates = Path(html.__file__).resolve().parents[1] / "templates"
    parts: list[str | bytes] = [syncreport.__version__, jinja2.__version__, metadata.version("markupsafe")]
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        parts += [path.relative_to(templates).as_posix(), path.read_bytes()]
    for module in (*_CODE_MODULES, html, view, sys.modules[__name__]):
        parts.append(Path(str(module.__file__)).read_bytes())
    return artifacts.digest(*parts)


def entry_name(template: str, context: Mapping[str, Any]) -> str | None:
    """The store's name for ``template`` rendered with ``context`` (``results``, ``view``, ``issue_url``);
    None when the values it reads do not pickle (then it is not kept)."""
    result_names, view_names = READS[template]
    results, view, issue_url = context["results"], context["view"], context["issue_url"]
    site = getattr(getattr(issue_url, "__self__", None), "site_url", None)
    if not isinstance(site, str):  # not the snapshot's link maker: nothing to name the links by
        return None
    try:
        values = _pickled(
            (
                tuple(_value(results, name) for name in sorted(result_names)),
                tuple(_value(view, name) for name in sorted(view_names)),
            )
        )
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        log.debug("not keeping %s: its figures do not pickle (%s)", template, exc)
        return None
    return artifacts.digest("html-section", template, code_digest(), site, values)


def _pickled(value: object) -> bytes:
    """``value`` as pickle writes it without its memo: the bytes depend on the values alone, not on which of
    them are one object. With the memo, a value met twice is written once and then referred to, so equal
    figures built differently (the first warm run's results come from the kept parts, the cold run's from
    Jira's JSON: an issue key one shared string in one, two equal strings in the other) named other entries,
    and the first warm run rendered the board and the dependencies again. A cycle raises ValueError (pickle's
    fast mode checks for one below 50 levels): the section is then not kept."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo (deprecated in the docs since 3.0 and still in both picklers)
    pickler.dump(value)
    return buffer.getvalue()


def keep_sections(environment: jinja2.Environment) -> None:
    """Make the packaged ``environment`` keep the sections of :data:`READS` in the run's store (and render
    each with only what it reads, store or not). Idempotent; a template Jinja reloads renders as before."""
    for name in READS:
        template = environment.get_template(name)
        if not getattr(template, _WRAPPED, False):
            template.root_render_func = _kept(template, name, template.root_render_func)
            setattr(template, _WRAPPED, True)


def _kept(
    template: jinja2.Template, name: str, render: Callable[[Any], Iterator[str]]
) -> Callable[[Any], Iterator[str]]:
    def kept_or_rendered(context: Any) -> Iterator[str]:
        result_names, view_names = READS[name]
        values = {k: context[k] for k in ("results", "view", "issue_url")}
        # the print document's sections are short lists, cheaper to render than to name: not kept
        store = None if getattr(values["view"], "for_print", True) else artifacts.current()
        entry = entry_name(name, values) if store is not None else None
        if store is not None and entry is not None:
            kept = store.get(entry)
            if kept is not None:
                try:
                    yield kept.decode("utf-8")
                    return
                except UnicodeDecodeError:  # not what we wrote: render it again
                    pass
        only = template.new_context(
            {
                "results": _Only(values["results"], result_names),
                "view": _Only(values["view"], view_names),
                "issue_url": values["issue_url"],
            }
        )
        text = "".join(render(only))
        if store is not None and entry is not None:
            log.debug("rendered %s (not kept yet), kept as %s", name, entry[:12])
            store.put(entry, text.encode("utf-8"))
        yield text

    return kept_or_rendered


__all__ = ["READS", "entry_name", "keep_sections"]
