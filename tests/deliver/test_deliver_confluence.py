"""Publishing to Confluence, against a Confluence double on 127.0.0.1 (Cloud v2 pages + v1 attachments, DC v1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from syncreport.config import ConfluenceSettings
from syncreport.deliver.chat import AttentionLine, ChatSummary, Link
from syncreport.deliver.confluence import check_settings, publish, storage_body
from syncreport.errors import ConfigError, DeliveryError
from tests.deliver.conftest import ConfluenceDouble

TOKEN_ENV = "CONFLUENCE_TEST_TOKEN"
SUMMARY = ChatSummary(
    title="ART sync report: Orbit",
    as_of="2026-11-26 09:00 UTC",
    health="red",
    reasons=("2 late dependencies & a cycle",),
    attention=(
        AttentionLine(
            1, "error", "ORB-7 <is> late", (Link("ORB-7", "https://acme.test/browse/ORB-7?a=1&b=2"),)
        ),
    ),
    changes="Since the last run: 1 turned late.",
    report="the attachments",
)
FILES = {"orbit-latest.pdf": b"%PDF-1.7 first", "orbit-latest.html": b"<html>first</html>"}


def _settings(double: ConfluenceDouble, **extra: Any) -> ConfluenceSettings:
    values: dict[str, Any] = dict(
        url=double.base, deployment=double.deployment, space="ART", token_env=TOKEN_ENV
    )
    if double.deployment == "cloud":
        values["email"] = double.email
    values.update(extra)
    return ConfluenceSettings(**values)


def test_storage_body_is_escaped_xhtml_with_a_status_macro_and_attachment_links() -> None:
    body = storage_body(SUMMARY, ("orbit-latest.pdf",))
    assert '<ac:parameter ac:name="colour">Red</ac:parameter>' in body
    assert "<li>2 late dependencies &amp; a cycle</li>" in body
    assert '<a href="https://acme.test/browse/ORB-7?a=1&amp;b=2">ORB-7</a>' in body
    assert "ORB-7 &lt;is&gt; late" in body
    assert '<ri:attachment ri:filename="orbit-latest.pdf" />' in body


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_first_run_creates_the_page_the_next_updates_it_with_the_version_bumped(
    confluence_double: Callable[..., ConfluenceDouble], monkeypatch: pytest.MonkeyPatch, deployment: str
) -> None:
    double = confluence_double(deployment)
    monkeypatch.setenv(TOKEN_ENV, double.token)
    settings = _settings(double, parent_id="4242")
    first = publish(settings, "ART sync report: Orbit", storage_body(SUMMARY, tuple(FILES)), FILES)
    second_files = {"orbit-latest.pdf": b"%PDF-1.7 second", "orbit-latest.html": b"<html>second</html>"}
    second = publish(settings, "ART sync report: Orbit", storage_body(SUMMARY, tuple(FILES)), second_files)

    [page] = double.pages.values()  # one page, never two
    assert (first.created, first.version, second.created, second.version) == (True, 1, False, 2)
    assert page.version == 2 and page.parent_id == "4242"
    assert page.attachments == {
        "orbit-latest.pdf": [b"%PDF-1.7 first", b"%PDF-1.7 second"],
        "orbit-latest.html": [b"<html>first</html>", b"<html>second</html>"],
    }
    assert "ORB-7" in page.body
    if deployment == "cloud":
        assert second.url == f"{double.base}/spaces/ART/pages/{page.id}"
        assert ("PUT", f"/wiki/api/v2/pages/{page.id}") in double.requests
        assert ("PUT", f"/wiki/rest/api/content/{page.id}/child/attachment") in double.requests
    else:
        assert second.url.endswith(f"/pages/viewpage.action?pageId={page.id}")
        assert ("PUT", f"/rest/api/content/{page.id}") in double.requests


def test_a_retry_after_a_failed_upload_updates_the_page_it_created_instead_of_a_duplicate(
    confluence_double: Callable[..., ConfluenceDouble], monkeypatch: pytest.MonkeyPatch
) -> None:
    double = confluence_double("cloud")
    monkeypatch.setenv(TOKEN_ENV, double.token)
    double.fail_once["/child/attachment"] = 502
    with pytest.raises(DeliveryError, match=r"answered 502 to attaching orbit-latest.pdf"):
        publish(_settings(double), "Orbit", storage_body(SUMMARY, ()), FILES)
    retried = publish(_settings(double), "Orbit", storage_body(SUMMARY, ()), FILES)
    assert len(double.pages) == 1
    assert (retried.created, retried.version) == (False, 2)


def test_a_refused_token_is_one_line_that_never_shows_it(
    confluence_double: Callable[..., ConfluenceDouble], monkeypatch: pytest.MonkeyPatch
) -> None:
    double = confluence_double("cloud")
    monkeypatch.setenv(TOKEN_ENV, "wrong-token-value")
    with pytest.raises(DeliveryError) as caught:
        publish(_settings(double), "Orbit", storage_body(SUMMARY, ()), FILES)
    assert caught.value.message == (
        f"Confluence at {double.base} refused looking up space ART (401); check confluence.email, the token "
        f"in {TOKEN_ENV} and its permission to edit space ART"
    )
    assert "wrong-token-value" not in caught.value.message


def test_an_unknown_space_and_a_wrong_url_say_which_key_to_fix(
    confluence_double: Callable[..., ConfluenceDouble], monkeypatch: pytest.MonkeyPatch
) -> None:
    double = confluence_double("cloud")
    monkeypatch.setenv(TOKEN_ENV, double.token)
    with pytest.raises(DeliveryError, match=r"no space with the key NOPE .* fix confluence.space"):
        publish(_settings(double, space="NOPE"), "Orbit", "<p/>", {})
    with pytest.raises(DeliveryError, match=r"\(404, looking up space ART\); check confluence.url"):
        publish(_settings(double, url=double.base.removesuffix("/wiki")), "Orbit", "<p/>", {})


def test_settings_are_checked_before_the_pull(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(ConfigError, match=r"confluence\.email is missing"):
        check_settings(ConfluenceSettings(url="https://acme.atlassian.net/wiki", token_env=TOKEN_ENV))
    with pytest.raises(ConfigError, match=rf"{TOKEN_ENV} \(confluence\.token_env\) is not set"):
        check_settings(
            ConfluenceSettings(url="https://wiki.acme.test", deployment="datacenter", token_env=TOKEN_ENV)
        )
    monkeypatch.setenv(TOKEN_ENV, "x" * 10)
    with pytest.raises(ConfigError, match=r"confluence\.title .* cannot be filled"):
        check_settings(
            ConfluenceSettings(
                url="https://wiki.acme.test", deployment="datacenter", token_env=TOKEN_ENV, title="{team}"
            )
        )
