"""The HTML's sections kept in the run's store (render/kept_sections.py): a run where a section's figures did
not change takes it from the store, and the HTML is the same bytes as rendered afresh; any changed input
(a figure it reads, the site's URL, the code) names another entry, so it is never reused."""

from __future__ import annotations

import dataclasses
import pickle
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import syncreport
from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.errors import ConfigError
from syncreport.indicators import compute_indicators
from syncreport.indicators.results import RiskChange
from syncreport.render import kept_sections, view
from syncreport.render.html import render_html

from .test_render_plan import FIVE
from .test_render_plan import _train as _plan_train

SECTIONS = sorted(kept_sections.READS)


def _section(html: str, name: str) -> str:
    """The <section> of ``html`` a kept template renders (its id is the template's name)."""
    anchor = {"sections/board.html": "board", "sections/data_quality.html": "data-quality"}.get(
        name, Path(name).stem
    )
    found = re.search(rf'<section[^>]*id="{anchor}".*?</section>', html, re.S)
    assert found is not None, name
    return found.group(0)


def _store(tmp_path: Path) -> artifacts.ArtifactStore:
    return artifacts.ArtifactStore(tmp_path / "rendered")


def _html(results: Any, snapshot: Any, store: artifacts.ArtifactStore | None) -> str:
    with artifacts.using(store):
        return render_html(results, snapshot, ReportSettings())


def test_the_next_run_takes_every_kept_section_from_the_store_and_writes_the_same_bytes(
    sample: ModuleType, tmp_path: Path
) -> None:
    results, snapshot = sample.train()
    fresh = _html(results, snapshot, None)
    store = _store(tmp_path)
    first = _html(results, snapshot, store)
    hits = store.hits
    again = _html(results, snapshot, store)
    assert first == fresh and again == fresh
    # every kept section (and the compiled templates, the charts) came from the store on the second run
    assert store.hits - hits >= len(SECTIONS)
    names = {p.name for p in store.folder.iterdir()}
    for section in SECTIONS:
        context = {"results": results, "view": view.build_view(results, ReportSettings(), for_print=False)}
        name = kept_sections.entry_name(section, {**context, "issue_url": snapshot.issue_url})
        assert name in names, section


@pytest.mark.parametrize("section", SECTIONS)
def test_a_section_whose_figures_changed_is_rendered_again(
    section: str, sample: ModuleType, tmp_path: Path
) -> None:
    # Two trains of other figures: every kept section differs between them (checked), so a section taken
    # from the first train's entry would show in the second's HTML. The hand-built sample trains (6 teams and
    # seed 3; 5 teams, seed 4 and hostile names) have no features or capacity figures: for those sections, the plan trains
    # of test_render_plan.py (the later one has one feature more, F-3, and its story: 2 points in I5).
    # Both sample trains have the same data-quality findings: there, the second train is the first without
    # its first finding.
    if section in ("sections/capacity.html", "sections/features.html"):
        first_snapshot, second_snapshot = _plan_train(49, later=False), _plan_train(49, later=True)
        first = compute_indicators(first_snapshot, iterations=FIVE)
        second = compute_indicators(second_snapshot, iterations=FIVE)
    elif section == "sections/data_quality.html":
        first, first_snapshot = sample.train(seed=3)
        second, second_snapshot = (
            dataclasses.replace(first, data_quality=first.data_quality[1:]),
            first_snapshot,
        )
    else:
        first, first_snapshot = sample.train(seed=3)
        second, second_snapshot = sample.train(seed=4, teams=5, hostile=True)
    store = _store(tmp_path)
    before = _html(first, first_snapshot, store)
    after = _html(second, second_snapshot, store)
    assert _section(after, section) != _section(before, section)
    assert after == _html(second, second_snapshot, None)


def _changed(target: Any, path: str) -> Any:
    """``target`` with the attribute at the dotted ``path`` replaced by another value."""
    name, _, rest = path.partition(".")
    value = getattr(target, name)
    return dataclasses.replace(target, **{name: _changed(value, rest) if rest else ("changed", value)})


@pytest.fixture(scope="module")
def context(sample: ModuleType) -> dict[str, Any]:
    """What a kept section is rendered with: the sample train's results, its HTML view, its link maker."""
    results, snapshot = sample.train()
    return {
        "results": results,
        "view": view.build_view(results, ReportSettings(), for_print=False),
        "issue_url": snapshot.issue_url,
    }


@pytest.mark.parametrize(
    ("section", "where", "attribute"),
    [(s, "results", a) for s in SECTIONS for a in sorted(kept_sections.READS[s][0])]
    + [(s, "view", a) for s in SECTIONS for a in sorted(kept_sections.READS[s][1])],
)
def test_every_input_a_section_reads_names_its_entry(
    section: str, where: str, attribute: str, context: dict[str, Any]
) -> None:
    name = kept_sections.entry_name(section, context)
    changed = _changed(context[where], attribute)
    assert name is not None
    assert kept_sections.entry_name(section, {**context, where: changed}) not in (None, name)


def test_another_site_names_other_entries(sample: ModuleType) -> None:
    results, snapshot = sample.train()
    context = {"results": results, "view": view.build_view(results, ReportSettings(), for_print=False)}
    moved = dataclasses.replace(snapshot, site_url="https://other.example.net")
    for section in SECTIONS:
        here = kept_sections.entry_name(section, {**context, "issue_url": snapshot.issue_url})
        there = kept_sections.entry_name(section, {**context, "issue_url": moved.issue_url})
        assert here != there, section


def test_changed_code_names_other_entries(sample: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    results, snapshot = sample.train()
    context = {
        "results": results,
        "view": view.build_view(results, ReportSettings(), for_print=False),
        "issue_url": snapshot.issue_url,
    }
    before = kept_sections.entry_name("sections/board.html", context)
    kept_sections.code_digest.cache_clear()
    monkeypatch.setattr(syncreport, "__version__", "0.0.0-other")
    try:
        assert kept_sections.entry_name("sections/board.html", context) != before
    finally:
        kept_sections.code_digest.cache_clear()


def test_a_damaged_entry_is_rendered_again(sample: ModuleType, tmp_path: Path) -> None:
    results, snapshot = sample.train()
    store = _store(tmp_path)
    fresh = _html(results, snapshot, store)
    for entry in store.folder.iterdir():
        entry.write_bytes(entry.read_bytes()[:-3] + b"<p>")  # torn: fails its SHA-256 check
    assert _html(results, snapshot, store) == fresh


def test_a_section_that_reads_more_than_its_entry_says_fails_the_run(
    sample: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # READS is what names the entry: a template reading an attribute it does not list must not render
    # (it would be kept on a name that misses that input), so the context holds only what it lists.
    results, snapshot = sample.train()
    reads = dict(kept_sections.READS)
    result_names, view_names = reads["sections/risks.html"]
    reads["sections/risks.html"] = (result_names - {"risks.rows"}, view_names)
    monkeypatch.setattr(kept_sections, "READS", reads)
    with pytest.raises(ConfigError, match="rows"):
        _html(results, snapshot, _store(tmp_path))


def test_a_users_templates_are_not_kept(sample: ModuleType, tmp_path: Path) -> None:
    results, snapshot = sample.train()
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "branding.html").write_text("<p>Orbit ART</p>\n", encoding="utf-8")
    store = _store(tmp_path)
    with artifacts.using(store):
        render_html(results, snapshot, ReportSettings(templates_dir=templates))
    context = {
        "results": results,
        "view": view.build_view(results, ReportSettings(), for_print=False),
        "issue_url": snapshot.issue_url,
    }
    names = {p.name for p in store.folder.iterdir()}
    assert not names & {kept_sections.entry_name(s, context) for s in SECTIONS}


def _unshared(value: Any) -> Any:
    """``value`` rebuilt with every string a new object: equal to it, with none of its strings shared (as the
    first warm run's figures, decoded from the kept parts, are equal to the cold run's, made from Jira's
    JSON, without sharing their issue keys the same way)."""
    if type(value) is str:
        return value.encode().decode()  # an equal string, another object
    if type(value) in (tuple, list):
        return type(value)(_unshared(item) for item in value)
    if type(value) is dict:
        return {_unshared(k): _unshared(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _unshared(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


def test_equal_figures_name_the_same_entry_whichever_of_them_are_one_object(
    context: dict[str, Any],
) -> None:
    # The first warm run after a cold one rendered the board and the dependencies again: pickle's memo wrote
    # a string met twice once, so figures built with other sharing pickled to other bytes
    results = context["results"]
    unshared = _unshared(results)
    assert unshared == results
    assert pickle.dumps(unshared.board, protocol=5) != pickle.dumps(results.board, protocol=5)
    rebuilt = {**context, "results": unshared}
    for section in SECTIONS:
        assert kept_sections.entry_name(section, rebuilt) == kept_sections.entry_name(section, context), (
            section
        )


def test_the_risks_changes_since_the_last_run_do_not_name_the_risks_section(sample: ModuleType) -> None:
    # the first warm run compares with the cold run (which had no run to compare with): the summary shows
    # the risks' changes, the risks section does not, so the two runs' sections are one entry
    results, snapshot = sample.train()
    first = dataclasses.replace(
        results,
        risks=dataclasses.replace(
            results.risks,
            changes_available=False,
            changes_reason="no previous run to compare with",
            changes=(),
        ),
    )
    moved = RiskChange(key="RSK-1", team="Team 1", summary="Risk number 1", previous=None, roam="owned")
    compared = dataclasses.replace(
        results,
        risks=dataclasses.replace(
            results.risks, changes_available=True, changes_reason=None, changes=(moved,)
        ),
    )
    names = []
    for given in (first, compared):
        context = {"results": given, "view": view.build_view(given, ReportSettings(), for_print=False)}
        names.append(
            kept_sections.entry_name("sections/risks.html", {**context, "issue_url": snapshot.issue_url})
        )
    assert names[0] == names[1] is not None
    risks = "sections/risks.html"
    assert _section(_html(first, snapshot, None), risks) == _section(_html(compared, snapshot, None), risks)
