"""The HTTP layer's edge cases, against `responses` (unit tests; the simulator covers the real server)."""

from __future__ import annotations

import socket
import traceback
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

from syncreport.config import JiraSettings
from syncreport.errors import ConfigError, JiraError
from syncreport.jira.answers import parse_retry_after
from syncreport.jira.client import MAX_ATTEMPTS, NEAR_LIMIT_PAUSE_SECONDS, JiraClient
from syncreport.kinds import Deployment
from tests.jira.recorded import sent_json

SITE = "https://acme.atlassian.net"
TOKEN = "s3cr3t-token-value"
SEARCH = f"{SITE}/rest/api/3/search/jql"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)


def client(sleeps: list[float], deployment: Deployment = "cloud", **settings: object) -> JiraClient:
    values: dict[str, object] = {"url": SITE, "email": "rte@acme.com", "max_retry_seconds": 120.0, **settings}
    return JiraClient(JiraSettings.model_validate(values), deployment, sleep=sleeps.append)


def assert_secret_free(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))
    assert TOKEN not in text
    assert exc.__cause__ is None and exc.__suppress_context__


@responses.activate
def test_retry_after_zero_with_html_body_is_retried_at_once(env: None) -> None:
    responses.post(
        SEARCH, status=429, body="<html><body>Too many requests</body></html>", headers={"Retry-After": "0"}
    )
    responses.post(SEARCH, json={"issues": [], "isLast": True})
    sleeps: list[float] = []
    with client(sleeps) as c:
        assert c.post("/rest/api/3/search/jql", {"jql": "project = A"}) == {"issues": [], "isLast": True}
    assert sleeps == [0.0]
    assert len(responses.calls) == 2


@responses.activate
def test_503_waits_what_retry_after_says(env: None) -> None:
    responses.get(f"{SITE}/rest/api/3/field", status=503, headers={"Retry-After": "7"})
    responses.get(f"{SITE}/rest/api/3/field", json=[])
    sleeps: list[float] = []
    with client(sleeps) as c:
        assert c.get("/rest/api/3/field") == []
    assert sleeps == [7.0]


@responses.activate
def test_5xx_backs_off_exponentially_with_jitter(env: None) -> None:
    for _ in range(3):
        responses.get(f"{SITE}/rest/api/3/field", status=502)
    responses.get(f"{SITE}/rest/api/3/field", json=[{"id": "summary"}])
    sleeps: list[float] = []
    with client(sleeps) as c:
        assert c.get("/rest/api/3/field") == [{"id": "summary"}]
    # full jitter under a doubling ceiling: attempt n waits in [0, 2**(n-1)] seconds
    assert len(sleeps) == 3
    assert all(0 <= s <= 2**n for n, s in enumerate(sleeps))


@responses.activate
def test_a_429_storm_stops_within_the_retry_budget_with_one_line(env: None) -> None:
    responses.post(SEARCH, status=429, body="<html>slow down</html>", headers={"Retry-After": "30"})
    sleeps: list[float] = []
    with client(sleeps, max_retry_seconds=100) as c, pytest.raises(JiraError) as caught:
        c.post("/rest/api/3/search/jql", {"jql": "project = A"})
    assert sleeps == [30.0, 30.0, 30.0]  # a 4th wait would pass the 100 s budget
    assert "HTTP 429" in caught.value.message and "max_retry_seconds" in caught.value.message
    assert "\n" not in caught.value.message
    assert_secret_free(caught.value)


@responses.activate
def test_attempts_are_capped_even_when_jira_says_retry_now(env: None) -> None:
    responses.post(SEARCH, status=429, headers={"Retry-After": "0"})
    sleeps: list[float] = []
    # the jittered backoffs of 9 retries add up to at most 1+2+4+8+16+4*30 = 151 s: under a 600 s budget
    # the attempt cap is what stops (under the default 120 s, a rare draw stopped it sooner)
    with client(sleeps, max_retry_seconds=600) as c, pytest.raises(JiraError):
        c.post("/rest/api/3/search/jql", {"jql": "project = A"})
    assert len(responses.calls) == MAX_ATTEMPTS


@responses.activate
def test_401_on_cloud_names_the_variable_and_the_email_but_not_the_token(env: None) -> None:
    responses.get(f"{SITE}/rest/api/3/field", status=401, json={"errorMessages": ["unauthorized"]})
    with client([]) as c, pytest.raises(JiraError) as caught:
        c.get("/rest/api/3/field")
    message = caught.value.message
    assert "$JIRA_API_TOKEN" in message and "rte@acme.com" in message and "401" in message
    assert_secret_free(caught.value)
    assert len(responses.calls) == 1  # an auth failure is never retried


@responses.activate
def test_401_on_data_center_points_at_the_personal_access_token(env: None) -> None:
    responses.get(f"{SITE}/rest/api/2/field", status=401)
    with client([], "datacenter") as c, pytest.raises(JiraError) as caught:
        c.get("/rest/api/2/field")
    assert "personal access token in $JIRA_API_TOKEN" in caught.value.message
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert_secret_free(caught.value)


@responses.activate
def test_403_says_which_permission(env: None) -> None:
    responses.post(SEARCH, status=403, json={"errorMessages": ["You do not have permission"]})
    with client([]) as c, pytest.raises(JiraError) as caught:
        c.post("/rest/api/3/search/jql", {"jql": "project = A"})
    assert "Browse projects" in caught.value.message and "You do not have permission" in caught.value.message


@responses.activate
def test_bad_jql_shows_jiras_own_messages(env: None) -> None:
    responses.post(
        SEARCH,
        status=400,
        json={
            "errorMessages": ["Error in the JQL Query: Expecting ')' but got the end of the query."],
            "errors": {},
        },
    )
    with client([]) as c, pytest.raises(JiraError) as caught:
        c.post("/rest/api/3/search/jql", {"jql": "project in (A"})
    assert "Expecting ')' but got the end of the query." in caught.value.message
    assert "[train].jql" in caught.value.message


@responses.activate
def test_404_suggests_the_site_url_is_wrong(env: None) -> None:
    responses.get(f"{SITE}/rest/api/3/field", status=404, body="Not found")
    with client([]) as c, pytest.raises(JiraError) as caught:
        c.get("/rest/api/3/field")
    assert "404" in caught.value.message and "[jira].url" in caught.value.message


@responses.activate
def test_a_board_that_is_gone_or_hidden_is_none_when_missing_is_ok(env: None) -> None:
    responses.get(f"{SITE}/rest/agile/1.0/board/9", status=404)
    responses.get(f"{SITE}/rest/agile/1.0/board/9/sprint", status=403)
    with client([]) as c:
        assert c.get("/rest/agile/1.0/board/9", missing_ok=True) is None
        assert c.get("/rest/agile/1.0/board/9/sprint", missing_ok=True) is None
        with pytest.raises(JiraError, match="HTTP 403"):
            c.get("/rest/agile/1.0/board/9/sprint")


@responses.activate
def test_an_html_page_instead_of_json_is_one_line(env: None) -> None:
    responses.get(f"{SITE}/rest/api/3/field", body="<html>Log in</html>", content_type="text/html")
    with client([]) as c, pytest.raises(JiraError) as caught:
        c.get("/rest/api/3/field")
    assert "text/html, not JSON" in caught.value.message


@responses.activate
def test_tls_failure_points_at_the_ca_bundle(env: None) -> None:
    responses.get(f"{SITE}/rest/api/3/field", body=requests.exceptions.SSLError("certificate verify failed"))
    with client([]) as c, pytest.raises(JiraError) as caught:
        c.get("/rest/api/3/field")
    assert "TLS verification failed" in caught.value.message and "ca_bundle" in caught.value.message
    assert_secret_free(caught.value)


@responses.activate
def test_timeouts_are_retried_then_reported(env: None) -> None:
    responses.get(f"{SITE}/rest/api/3/field", body=requests.exceptions.ReadTimeout("read timed out"))
    sleeps: list[float] = []
    with client(sleeps, max_retry_seconds=0) as c, pytest.raises(JiraError) as caught:
        c.get("/rest/api/3/field")
    assert "no answer within 30 s" in caught.value.message


def test_connection_refused_is_one_line_without_retries(env: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    settings = JiraSettings(url=f"http://127.0.0.1:{port}", email="rte@acme.com")
    with JiraClient(settings, "cloud", sleep=sleeps.append) as c, pytest.raises(JiraError) as caught:
        c.get("/rest/api/3/field")
    assert "cannot connect" in caught.value.message and sleeps == []
    assert_secret_free(caught.value)


def test_a_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JIRA_API_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"JIRA_API_TOKEN is empty or not set"):
        JiraClient(JiraSettings(url=SITE, email="a@b.c"), "cloud")


def test_cloud_needs_the_email(env: None) -> None:
    with pytest.raises(ConfigError, match=r"\[jira\].email is required"):
        JiraClient(JiraSettings(url=SITE), "cloud")


def test_retry_after_accepts_seconds_zero_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 10, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(" 12 ") == 12.0
    assert parse_retry_after("Wed, 01 Oct 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@responses.activate
def test_bulkfetch_asks_again_for_the_issues_listed_as_errors(env: None) -> None:
    url = f"{SITE}/rest/api/3/issue/bulkfetch"
    timed_out = {"id": "2", "errorMessage": "Retrieving this issue timed out. Please try again."}
    responses.post(url, json={"issues": [{"id": "1", "key": "A-1"}], "issueErrors": [timed_out]})
    responses.post(url, json={"issues": [{"id": "2", "key": "A-2"}], "issueErrors": []})
    sleeps: list[float] = []
    with client(sleeps) as c:
        assert [i["key"] for i in c.bulk_issues(["1", "2"], ["summary"])] == ["A-1", "A-2"]
    assert sent_json(responses.calls[1])["issueIdsOrKeys"] == ["2"]
    assert len(sleeps) == 1


@responses.activate
def test_bulkfetch_errors_that_never_clear_are_one_line(env: None) -> None:
    timed_out = {"id": "2", "errorMessage": "Retrieving this issue timed out. Please try again."}
    responses.post(f"{SITE}/rest/api/3/issue/bulkfetch", json={"issues": [], "issueErrors": [timed_out]})
    # at most 151 s of jittered pauses (see above): the attempt cap stops, not the budget
    with client([], max_retry_seconds=600) as c, pytest.raises(JiraError, match="could not return 1 issue"):
        c.bulk_issues(["2"], ["summary"])
    assert len(responses.calls) == MAX_ATTEMPTS


@responses.activate
def test_429_without_retry_after_waits_until_the_documented_reset(env: None) -> None:
    """ "429 responses may be accompanied by Retry-After and X-RateLimit-Reset headers"; the reset is written
    yyyy-MM-ddTHH:mmZ. Before: no Retry-After meant a backoff of at most 1 s, straight back into the limit.
    Expected: the wait runs to the named minute, here at least 60 s ahead (a minute from now, cut to minutes
    plus one)."""
    reset = (datetime.now(UTC) + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%MZ")
    responses.post(SEARCH, status=429, body="<html>slow down</html>", headers={"X-RateLimit-Reset": reset})
    responses.post(SEARCH, json={"issues": [], "isLast": True})
    sleeps: list[float] = []
    with client(sleeps, max_retry_seconds=300) as c:
        assert c.post("/rest/api/3/search/jql", {"jql": "project = A"}) == {"issues": [], "isLast": True}
    assert len(sleeps) == 1 and 60 <= sleeps[0] <= 120


@responses.activate
def test_near_limit_answers_slow_the_next_request(env: None) -> None:
    """X-RateLimit-NearLimit: true (under 20% of the budget left): slow down before the 429, not after."""
    responses.get(f"{SITE}/rest/api/3/field", json=[], headers={"X-RateLimit-NearLimit": "true"})
    sleeps: list[float] = []
    with client(sleeps) as c:
        assert c.get("/rest/api/3/field") == []
    assert sleeps == [NEAR_LIMIT_PAUSE_SECONDS]
