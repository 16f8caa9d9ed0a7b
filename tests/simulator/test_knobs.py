"""The simulator's knobs: rate limits, injected faults, latency and request statistics."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from syncreport.simulator import SimulatorHandle
from syncreport.simulator.state import SiteState

pytestmark = pytest.mark.e2e


def _get(sim: SimulatorHandle, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(sim.url + path, auth=(sim.email, sim.token), timeout=10, **kwargs)


def test_rate_limit_answers_429_with_retry_after_headers_and_html(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    sim.configure(rate_limit=2, rate_window_s=30, rate_retry_after="0")
    assert [_get(sim, "/rest/api/3/myself").status_code for _ in range(2)] == [200, 200]
    limited = _get(sim, "/rest/api/3/myself")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "0"
    assert limited.headers["X-RateLimit-Limit"] == "2" and limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based"
    assert limited.headers["Content-Type"].startswith("text/html")
    assert limited.text.startswith("<!DOCTYPE html>")
    sim.configure(rate_limit=None)
    assert _get(sim, "/rest/api/3/myself").status_code == 200


def test_every_nth_request_is_rate_limited_whatever_the_timing(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud", rate_limit_every=3, rate_retry_after="0")
    codes = [_get(sim, "/rest/api/3/myself").status_code for _ in range(7)]
    assert codes == [200, 200, 429, 200, 200, 429, 200]
    sim.configure(rate_limit_every=None)
    assert [_get(sim, "/rest/api/3/myself").status_code for _ in range(3)] == [200, 200, 200]


def test_injected_faults_hit_the_matching_path_the_given_number_of_times(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    sim.inject_fault("*/search/jql", "503", count=2, retry_after="3")
    sim.inject_fault("*/myself", "500")
    params = {"jql": "project = ORB"}
    first, second, third = (_get(sim, "/rest/api/3/search/jql", params=params) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.headers["Retry-After"] == "3"
    assert _get(sim, "/rest/api/3/myself").status_code == 500
    assert _get(sim, "/rest/api/3/myself").status_code == 200


def test_truncated_and_cut_answers_break_the_client_side(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    sim.inject_fault("*/field", "truncated")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _get(sim, "/rest/api/3/field")
    sim.inject_fault("*/field", "cut_json")
    cut = _get(sim, "/rest/api/3/field")
    assert cut.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        cut.json()
    assert isinstance(_get(sim, "/rest/api/3/field").json(), list)


def test_slow_fault_and_latency_delay_answers(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud", latency_ms=150)
    started = time.monotonic()
    _get(sim, "/rest/api/3/myself")
    assert time.monotonic() - started >= 0.15
    sim.configure(latency_ms=0)
    sim.inject_fault("*/myself", "slow", delay_s=0.3)
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(sim.url + "/rest/api/3/myself", auth=(sim.email, sim.token), timeout=0.1)


def test_stats_count_requests_per_endpoint_and_reset(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    _get(sim, "/rest/api/3/issue/ORB-1")
    _get(sim, "/rest/api/3/issue/ORB-2")
    _get(sim, "/rest/api/2/serverInfo")
    requests.get(sim.url + "/rest/api/3/myself", auth=(sim.email, "wrong"), timeout=10)
    expected = {
        "total": 4,
        "endpoints": {
            "GET /rest/api/2/serverInfo": 1,
            "GET /rest/api/3/issue/{key}": 2,
            "GET /rest/api/3/myself": 1,
        },
        "statuses": {"200": 3, "401": 1},
    }
    assert sim.stats() == expected
    assert requests.get(sim.url + "/_simulator/stats", timeout=10).json() == expected
    requests.post(sim.url + "/_simulator/reset", timeout=10)
    assert sim.stats() == {"total": 0, "endpoints": {}, "statuses": {}}


def test_config_endpoint_sets_knobs_and_refuses_unknown_ones(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="datacenter")
    assert requests.post(sim.url + "/_simulator/config", json={"bogus": 1}, timeout=10).status_code == 400
    body = {"faults": [{"path": "/rest/api/2/myself", "kind": "429", "retry_after": "0"}]}
    assert requests.post(sim.url + "/_simulator/config", json=body, timeout=10).status_code == 200
    headers = {"Authorization": f"Bearer {sim.token}"}
    answer = requests.get(sim.url + "/rest/api/2/myself", headers=headers, timeout=10)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "0"
    assert requests.get(sim.url + "/rest/api/2/myself", headers=headers, timeout=10).status_code == 200


def test_issue_errors_fault_reports_retriable_failures_by_id(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    sim.inject_fault("*/issue/bulkfetch", "issue_errors")
    keys = [i.key for i in sim.site.issues if i.project == "ORB"][:4]
    ids = {i.key: str(i.id) for i in sim.site.issues}
    url = sim.url + "/rest/api/3/issue/bulkfetch"
    first = requests.post(url, json={"issueIdsOrKeys": keys}, auth=(sim.email, sim.token), timeout=10).json()
    assert [i["key"] for i in first["issues"]] == keys[:2]
    assert [e["id"] for e in first["issueErrors"]] == [ids[k] for k in keys[2:]]
    assert all(e["errorMessage"] for e in first["issueErrors"])
    again = requests.post(
        url, json={"issueIdsOrKeys": keys[2:]}, auth=(sim.email, sim.token), timeout=10
    ).json()
    assert [i["key"] for i in again["issues"]] == keys[2:] and again["issueErrors"] == []


def test_a_request_is_in_the_stats_as_soon_as_its_answer_arrives(
    simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under load the server thread may be descheduled between writing an answer and counting it; a slow
    # count stands in for that here. The client reads the stats the moment it has its answer: the request
    # must be counted already (it was counted after the answer was written, so this saw 0).
    sim: SimulatorHandle = simulator(deployment="cloud")
    count = SiteState.count

    def slow_count(self: Any, name: str, status: int) -> None:
        time.sleep(0.3)
        count(self, name, status)

    monkeypatch.setattr(SiteState, "count", slow_count)
    assert _get(sim, "/rest/api/3/myself").status_code == 200
    assert sim.stats()["endpoints"] == {"GET /rest/api/3/myself": 1}
    assert (
        requests.get(sim.url + "/rest/api/3/myself", auth=(sim.email, "wrong"), timeout=10).status_code == 401
    )
    assert sim.stats()["statuses"] == {"200": 1, "401": 1}


def test_rate_limits_are_per_endpoint_and_method_as_cloud_burst_limits(simulator: Any) -> None:
    """Cloud's burst limit (RateLimit-Reason jira-burst-based): "One tenant, one endpoint, one HTTP method"."""
    sim: SimulatorHandle = simulator(deployment="cloud")
    sim.configure(rate_limit=5, rate_window_s=30)
    near = [_get(sim, "/rest/api/3/myself") for _ in range(5)]
    # under 20% of the budget left (0 of 5 after the fifth): X-RateLimit-NearLimit
    assert [r.headers["X-RateLimit-Remaining"] for r in near] == ["4", "3", "2", "1", "0"]
    assert [r.headers.get("X-RateLimit-NearLimit") for r in near] == [None] * 4 + ["true"]
    assert _get(sim, "/rest/api/3/myself").status_code == 429
    assert _get(sim, "/rest/api/3/field").status_code == 200  # another endpoint has its own budget


def test_429_without_retry_after_names_the_reset_as_the_docs_write_it(simulator: Any) -> None:
    """ "429 responses may be accompanied by Retry-After and X-RateLimit-Reset headers" ... X-RateLimit-Reset
    "is provided in the format: yyyy-MM-ddTHH:mmZ" (Jira Cloud, Rate limiting)."""
    sim: SimulatorHandle = simulator(deployment="cloud")
    sim.configure(rate_limit=1, rate_window_s=30, rate_retry_after=None)
    _get(sim, "/rest/api/3/myself")
    limited = _get(sim, "/rest/api/3/myself")
    assert limited.status_code == 429 and "Retry-After" not in limited.headers
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", limited.headers["X-RateLimit-Reset"])
