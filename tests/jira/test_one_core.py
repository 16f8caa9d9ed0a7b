"""The pull's threads on one core (syncreport.one_core): pinned while the pull runs, given back after."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import responses
from responses import matchers

from syncreport.jira.fetch import pull
from syncreport.one_core import current_core, one_core
from tests.jira.test_jira_fetch_http import SITE, common, config, history, issue
from tests.jira.test_jira_fetch_http import token as token  # the fixture: an API token in the environment

several_cores = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs a platform that pins threads (Linux) and at least two cores",
)


@several_cores
def test_the_block_and_the_threads_it_starts_run_on_one_core_then_the_cores_come_back() -> None:
    before = os.sched_getaffinity(0)
    seen: list[set[int]] = []
    with one_core():
        inside = os.sched_getaffinity(0)
        started = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
        started.start()
        started.join()
    assert len(inside) == 1 and inside <= before
    assert seen == [inside]  # a thread started meanwhile inherits the one core
    assert os.sched_getaffinity(0) == before


@several_cores
def test_the_core_chosen_is_the_one_the_thread_runs_on() -> None:
    allowed = os.sched_getaffinity(0)
    last = max(allowed)
    os.sched_setaffinity(0, {last})  # it runs there from now on
    try:
        assert current_core(set(allowed)) == last
    finally:
        os.sched_setaffinity(0, allowed)


def test_without_a_way_to_pin_the_block_runs_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    if hasattr(os, "sched_setaffinity"):

        def refuse(pid: int, cores: object) -> None:
            raise OSError(22, "Invalid argument")

        monkeypatch.setattr(os, "sched_setaffinity", refuse)
    ran = []
    with one_core():
        ran.append(True)
    assert ran == [True]


@several_cores
@responses.activate
def test_a_pull_asks_everything_from_one_core_and_gives_the_cores_back(tmp_path: Path) -> None:
    """A cold Data Center pull of two issues (the fields, statuses, count, search, board and sprint
    requests, from the main thread and the request threads): every request is made from one core, the
    same one; after the pull the calling thread has its cores back."""
    common("2")
    counted = matchers.json_params_matcher({"maxResults": 0}, strict_match=False)
    responses.post(f"{SITE}/rest/api/2/search", json={"total": 2, "issues": []}, match=[counted])
    page = [{**issue(n), "changelog": {"startAt": 0, "maxResults": 1, "total": 1, "histories": [history(n)]}}
            for n in (1, 2)]  # fmt: skip
    responses.post(
        f"{SITE}/rest/api/2/search", json={"startAt": 0, "maxResults": 1000, "total": 2, "issues": page}
    )
    before = os.sched_getaffinity(0)
    cores: list[frozenset[int]] = []
    threads: set[str] = set()

    def note(method: str, path: str) -> None:
        cores.append(frozenset(os.sched_getaffinity(0)))
        threads.add(threading.current_thread().name)

    snap = pull(config(tmp_path, "datacenter"), before_request=note).snapshot

    assert {i.key for i in snap.issues if i.in_train} == {"A-1", "A-2"}
    assert len(set(cores)) == 1 and len(cores[0]) == 1  # one core, the same for every request
    assert any(name.startswith("jira") for name in threads)  # the request threads among them
    assert os.sched_getaffinity(0) == before
