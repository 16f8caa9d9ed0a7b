"""The retry policy and the paging rules in memory, through the transport seam (no sockets, no `responses`).

Each test answers the client with a function (:class:`MockTransport`) and states what the client must do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import orjson
import pytest

from syncreport.config import JiraSettings
from syncreport.errors import JiraError, PagingError
from syncreport.jira.client import JiraClient
from syncreport.jira.paging import agile_pages, token_pages
from syncreport.jira.transport import Dropped, MockTransport, Request, Response, Unreachable

SITE = "https://acme.atlassian.net"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "t0k3n-in-memory")


def answer(body: object, status: int = 200, **headers: str) -> Response:
    return Response(status, {"Content-Type": "application/json", **headers}, orjson.dumps(body))


def scripted(*answers: Response | Exception) -> Callable[[Request], Response]:
    """Answers in this order, one a request."""
    queue: Iterator[Response | Exception] = iter(answers)

    def handle(request: Request) -> Response:
        found = next(queue)
        if isinstance(found, Exception):
            raise found
        return found

    return handle


def client(handler: Callable[[Request], Response], sleeps: list[float], **extra: object) -> JiraClient:
    settings = JiraSettings.model_validate(
        {"url": SITE, "deployment": "cloud", "email": "rte@acme.com", "max_retry_seconds": 120.0, **extra}
    )
    return JiraClient(settings, "cloud", sleep=sleeps.append, transport=MockTransport(handler))


def test_a_429_waits_retry_after_then_the_answer_is_used() -> None:
    # 429 with Retry-After: 3, then the page: one wait of exactly 3 s, two requests, the page's body.
    sleeps: list[float] = []
    page = {"issues": [], "isLast": True}
    with client(scripted(answer({}, 429, **{"Retry-After": "3"}), answer(page)), sleeps) as c:
        assert c.post("/rest/api/3/search/jql", {"jql": "project = A"}) == page
        assert c.request_counts["/rest/api/3/search/jql"] == 2
    assert sleeps == [3.0]


def test_dropped_connections_back_off_then_succeed() -> None:
    # Two dropped connections, then the answer: two waits, each within the jittered backoff (1 s, then 2 s).
    sleeps: list[float] = []
    handler = scripted(Dropped("the connection dropped"), Dropped("the connection dropped"), answer([]))
    with client(handler, sleeps) as c:
        assert c.get("/rest/api/3/field") == []
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0


def test_an_unreachable_site_is_one_line_and_not_retried() -> None:
    sleeps: list[float] = []
    with client(scripted(Unreachable("refused")), sleeps) as c, pytest.raises(JiraError) as failed:
        c.get("/rest/api/3/myself")
    assert failed.value.message.startswith(f"cannot connect to {SITE}")
    assert failed.value.endpoint == "/rest/api/3/myself" and failed.value.status is None
    assert sleeps == []


def test_jira_error_carries_the_status_and_the_endpoint() -> None:
    # A board the account may not read: 403. The message stays the CLI's one line; the error says which
    # request (ids replaced by {}) and which status.
    body = {"errorMessages": ["You do not have permission"]}
    with client(scripted(answer(body, 403)), []) as c, pytest.raises(JiraError) as refused:
        c.get("/rest/agile/1.0/board/12/sprint")
    assert (refused.value.status, refused.value.endpoint) == (403, "/rest/agile/1.0/board/{}/sprint")
    assert refused.value.jira_messages == ("You do not have permission",)
    assert "HTTP 403" in refused.value.message


def test_retries_that_never_succeed_name_the_last_status() -> None:
    sleeps: list[float] = []
    always_503 = answer({}, 503, **{"Retry-After": "1"})
    with (
        client(lambda request: always_503, sleeps, max_retry_seconds=5.0) as c,
        pytest.raises(JiraError) as failed,
    ):
        c.get("/rest/api/3/status")
    assert failed.value.status == 503 and failed.value.endpoint == "/rest/api/3/status"
    assert "kept failing" in failed.value.message


def test_the_request_carries_json_and_the_deadline_bounded_timeout() -> None:
    transport = MockTransport(lambda request: answer({"count": 7}))
    settings = JiraSettings(url=SITE, deployment="cloud", email="rte@acme.com", timeout_seconds=12)
    with JiraClient(settings, "cloud", transport=transport) as c:
        assert c.post("/rest/api/3/search/approximate-count", {"jql": "project = A"}) == {"count": 7}
    [sent] = transport.requests
    assert (sent.method, sent.url, sent.timeout) == (
        "POST",
        f"{SITE}/rest/api/3/search/approximate-count",
        12,
    )
    assert orjson.loads(sent.body or b"") == {"jql": "project = A"}


# --- paging rules, in memory --------------------------------------------------------------------------


def test_token_pages_follow_the_tokens_with_the_same_query() -> None:
    # Three pages by token; every request repeats the JQL (the token encodes it) and sends the last token.
    pages = [
        answer({"issues": [{"id": "1"}], "nextPageToken": "a"}),
        answer({"issues": [{"id": "2"}], "nextPageToken": "b"}),
        answer({"issues": [{"id": "3"}], "isLast": True}),
    ]
    transport = MockTransport(scripted(*pages))
    settings = JiraSettings(url=SITE, deployment="cloud", email="rte@acme.com")
    with JiraClient(settings, "cloud", transport=transport) as c:
        body = {"jql": "project = A", "maxResults": 5000}
        got = [
            i["id"] for p in token_pages(c, "/rest/api/3/search/jql", body, "the issues") for i in p["issues"]
        ]
    assert got == ["1", "2", "3"]
    sent = [orjson.loads(r.body or b"") for r in transport.requests]
    assert [s.get("nextPageToken") for s in sent] == [None, "a", "b"]
    assert {s["jql"] for s in sent} == {"project = A"}


def test_a_repeated_token_stops_the_loop_with_one_line() -> None:
    pages = [answer({"issues": [{"id": str(n)}], "nextPageToken": "same"}) for n in range(3)]
    settings = JiraSettings(url=SITE, deployment="cloud", email="rte@acme.com")
    with JiraClient(settings, "cloud", transport=MockTransport(scripted(*pages))) as c:
        body = {"jql": "project = A"}
        with pytest.raises(PagingError, match="page token it had already given"):
            list(token_pages(c, "/rest/api/3/search/jql", body, "the issues"))


def test_agile_pages_page_by_start_at_until_is_last() -> None:
    # 50 + 50 + 7 boards: three requests at startAt 0, 50, 100; all 107 values, in order.
    values = [{"id": n} for n in range(107)]
    transport = MockTransport(
        lambda r: answer(
            {
                "values": values[int((r.params or {})["startAt"]) :][:50],
                "isLast": int((r.params or {})["startAt"]) + 50 >= 107,
                "total": 107,
            }
        )
    )
    settings = JiraSettings(url=SITE, deployment="cloud", email="rte@acme.com")
    with JiraClient(settings, "cloud", transport=transport) as c:
        got = agile_pages(c, "/rest/agile/1.0/board", {"projectKeyOrId": "A"})
    assert [v["id"] for v in got] == list(range(107))
    assert [(r.params or {})["startAt"] for r in transport.requests] == [0, 50, 100]


def test_the_client_keeps_the_earliest_date_jira_answered_with() -> None:
    # Three answers made at 09:00:05, 09:00:03 (a slower node) and one without a Date: the earliest is kept,
    # to the second, as the watermark of what the pull saw (since.py).
    with client(
        scripted(
            answer({}, Date="Mon, 02 Mar 2026 09:00:05 GMT"),
            answer({}, Date="Mon, 02 Mar 2026 09:00:03 GMT"),
            answer({}),
        ),
        [],
    ) as c:
        for _ in range(3):
            c.get("/rest/api/3/myself")
        assert c.earliest_server_time == datetime(2026, 3, 2, 9, 0, 3, tzinfo=UTC)


def test_an_odd_date_header_is_ignored() -> None:
    with client(scripted(answer({}, Date="yesterday, at noon")), []) as c:
        c.get("/rest/api/3/myself")
        assert c.earliest_server_time is None
