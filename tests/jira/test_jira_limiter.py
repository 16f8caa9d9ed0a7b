"""The adaptive limit on requests in flight (syncreport.jira.limiter), in memory, with a hand-made clock."""

from __future__ import annotations

import threading

import orjson
import pytest

from syncreport.config import JiraSettings
from syncreport.jira.client import JiraClient
from syncreport.jira.limiter import AdaptiveLimit, Signal
from syncreport.jira.transport import MockTransport, Request, Response


class Clock:
    """A monotonic clock that moves only when told (``step``: seconds it moves on every reading)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 100.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def answered(limit: AdaptiveLimit, signal: Signal, seconds: float = 0.1, endpoint: str = "/search") -> None:
    ticket = limit.acquire()
    assert ticket is not None
    limit.release(ticket, signal, endpoint=endpoint, seconds=seconds)


def test_clean_fast_answers_grow_the_limit_up_to_the_ceiling_and_no_further() -> None:
    # Starts at 4; slow start adds one a clean answer: 4 + 10 answers -> 14; 20 more stop at the ceiling 16.
    limit = AdaptiveLimit(16, clock=Clock())
    assert limit.limit == 4
    for _ in range(10):
        answered(limit, Signal.CLEAN)
    assert limit.limit == 14
    for _ in range(20):
        answered(limit, Signal.CLEAN)
    assert limit.limit == 16


def test_a_429_halves_the_limit_once_per_round_trip() -> None:
    # 16 in flight (sent before any answer), then four 429s come back: one cut (16 -> 8), not four
    # (the others answer requests sent before the cut); a 429 to a request sent after it cuts again (8 -> 4).
    limit = AdaptiveLimit(16, initial=16, clock=Clock())
    tickets = [limit.acquire() for _ in range(16)]
    assert all(t is not None for t in tickets)
    for ticket in tickets[:4]:
        assert ticket is not None
        limit.release(ticket, Signal.THROTTLED)
    assert (limit.limit, limit.cuts) == (8, 1)
    for ticket in tickets[4:]:
        assert ticket is not None
        limit.release(ticket, Signal.FAILED)  # no answer: neither grows nor cuts
    assert limit.limit == 8
    answered(limit, Signal.THROTTLED)
    assert (limit.limit, limit.cuts) == (4, 2)


def test_after_a_cut_the_limit_grows_by_one_per_round_trip() -> None:
    # Congestion avoidance: at 8, eight clean answers add 1/8 each: 9 (give or take rounding), not 16.
    limit = AdaptiveLimit(32, initial=16, clock=Clock())
    answered(limit, Signal.NEAR_LIMIT)
    assert limit.limit == 8
    for _ in range(8):
        answered(limit, Signal.CLEAN)
    assert 8.9 < limit.limit < 9.1


def test_a_slow_answer_does_not_grow_the_limit() -> None:
    # The endpoint answered in 0.1 s before; 2 s is saturation (over 3 x 0.1 + 0.05): the limit holds.
    limit = AdaptiveLimit(16, clock=Clock())
    answered(limit, Signal.CLEAN, seconds=0.1)
    assert limit.limit == 5
    answered(limit, Signal.CLEAN, seconds=2.0)
    assert limit.limit == 5


def test_no_more_than_the_limit_are_in_flight() -> None:
    limit = AdaptiveLimit(16, initial=2, clock=Clock())
    first, second = limit.acquire(), limit.acquire()
    assert first is not None and second is not None
    # a third waits; with a deadline already reached it gives up (None) instead of passing the limit
    assert limit.acquire(deadline=Clock()()) is None
    limit.release(first, Signal.FAILED)
    assert limit.acquire() is not None


def test_a_pause_holds_new_requests_until_it_ends() -> None:
    clock = Clock(step=0.25)  # a quarter second passes at every reading
    limit = AdaptiveLimit(16, clock=clock)
    limit.pause(5.0)
    assert limit.acquire(deadline=clock.now + 1.0) is None  # still paused at the deadline
    assert limit.acquire(ignore_pause=True) is not None  # the retry that waited out its own Retry-After
    clock.now += 5.0
    assert limit.acquire(deadline=clock.now + 1.0) is not None


def test_a_cancelled_run_stops_waiting() -> None:
    limit = AdaptiveLimit(1, clock=Clock())
    assert limit.acquire() is not None
    cancelled = threading.Event()
    cancelled.set()
    assert limit.acquire(cancelled=cancelled) is None


# --- through the client -------------------------------------------------------------------------------


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "t0k3n")


def test_the_client_halves_on_near_limit_and_pauses_everyone_on_retry_after(token: None) -> None:
    # Answer 1: clean (4 -> 5). Answer 2: X-RateLimit-NearLimit (5 -> 2.5). Answer 3: 429 Retry-After 2
    # (2.5 -> 1.25, and new requests pause 2 s); its retry (after its own 2 s wait) answers clean.
    answers = iter(
        [
            Response(200, {}, orjson.dumps({})),
            Response(200, {"X-RateLimit-NearLimit": "true"}, orjson.dumps({})),
            Response(429, {"Retry-After": "2"}, b"<html>slow down</html>"),
            Response(200, {}, orjson.dumps({"ok": True})),
        ]
    )

    def handle(request: Request) -> Response:
        return next(answers)

    settings = JiraSettings(
        url="https://acme.atlassian.net", deployment="cloud", email="r@acme.com", concurrency=16
    )
    sleeps: list[float] = []
    with JiraClient(settings, "cloud", sleep=sleeps.append, transport=MockTransport(handle)) as client:
        client.get("/rest/api/3/myself")
        assert client.limit.limit == 5
        client.get("/rest/api/3/field")
        assert client.limit.limit == 2.5
        assert client.get("/rest/api/3/status") == {"ok": True}
        assert client.limit.cuts == 2 and client.limit.pauses == 1
    assert sleeps[-1] == 2.0  # the retry waited what Retry-After said
