"""Chat notifications: a Slack incoming webhook and a Microsoft Teams workflow webhook (an Adaptive Card).

Each card says the train's health, the (at most five) attention items with their Jira links, what changed
since the last run, and where the full report is. The pipeline posts them only after the report files are
written (and the e-mail accepted), once per run: a POST is never retried, because a webhook that timed out
may still have posted, and a channel must not get the same card twice.

A webhook URL is a secret (whoever has it can post to the channel): it comes from the environment variable
the config names, is registered for redaction the moment it is read, and no message here contains it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from syncreport.config import ChatSettings
from syncreport.errors import ConfigError, NotifyError
from syncreport.logs import read_secret_env, redact, register_secret

if TYPE_CHECKING:
    from syncreport.indicators.results import IndicatorResults

log = logging.getLogger(__name__)

HEALTH_WORDS = {"green": "GREEN", "amber": "AMBER", "red": "RED"}
HEALTH_EMOJI = {"green": ":large_green_circle:", "amber": ":large_orange_circle:", "red": ":red_circle:"}
TEAMS_COLOUR = {"green": "Good", "amber": "Warning", "red": "Attention"}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_KEYS_PER_ITEM = 6


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True, slots=True)
class AttentionLine:
    rank: int
    severity: str
    title: str
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class ChatSummary:
    """What a chat card says, taken from the results (the same figures as the report)."""

    title: str  # "ART sync report: Phoenix · PI 26.4"
    as_of: str  # "2026-11-26 09:00 UTC"
    health: str  # green | amber | red
    reasons: tuple[str, ...]
    attention: tuple[AttentionLine, ...]
    changes: str  # one sentence: the deltas since the last run, or why there are none
    report: str  # where the full report is (a URL or a path)


@dataclass(frozen=True, slots=True)
class Webhook:
    service: str  # "Slack" | "Teams"
    env: str  # the variable the URL came from (named in messages; the URL never is)
    url: str


def summarize(results: IndicatorResults, issue_url: Callable[[str], str], report: str) -> ChatSummary:
    train = results.train
    changes = results.changes
    if changes.available:
        sentence = (
            f"Since the last run: {len(changes.turned_late)} turned late, {len(changes.recovered)} no longer "
            f"late, {len(changes.new_dependencies)} new dependencies, {len(changes.newly_slipped)} newly "
            f"slipped, {len(changes.resolved)} resolved."
        )
    else:
        why = (changes.reason or "there is no earlier run").rstrip(".")
        sentence = f"Changes since the last run are not available: {why}."
    return ChatSummary(
        title=f"ART sync report: {train.name}" + (f" · {train.pi}" if train.pi else ""),
        as_of=train.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        health=results.train_health.health,
        reasons=tuple(results.train_health.reasons),
        attention=tuple(
            AttentionLine(
                item.rank,
                item.severity,
                item.title,
                tuple(Link(key, issue_url(key)) for key in item.keys[:_KEYS_PER_ITEM]),
            )
            for item in results.attention[:5]
        ),
        changes=sentence,
        report=report,
    )


# --- Slack ---------------------------------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn: &, < and > are the only characters to escape."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(link: Link) -> str:
    return f"<{link.url}|{_slack_escape(link.text)}>"


_SLACK_SECTION_LIMIT = 3000  # Slack refuses a section text longer than this (invalid_blocks)


def _fit(text: str, limit: int = _SLACK_SECTION_LIMIT) -> str:
    """Cut at a line end so that no link is cut in half; say that something was left out."""
    if len(text) <= limit:
        return text
    kept = text[: limit - 40].rsplit("\n", 1)[0]
    return kept + "\n… (more in the full report)"


def slack_payload(summary: ChatSummary) -> dict[str, Any]:
    """An incoming-webhook message: a plain ``text`` (notifications, old clients) and Block Kit blocks."""
    health = HEALTH_WORDS[summary.health]
    reasons = "".join(f"\n• {_slack_escape(r)}" for r in summary.reasons)
    if summary.attention:
        attention = "\n".join(
            f"{line.rank}. [{line.severity}] {_slack_escape(line.title)}"
            + (f" ({', '.join(_slack_link(k) for k in line.links)})" if line.links else "")
            for line in summary.attention
        )
    else:
        attention = "Nothing needs the sync's attention."
    report = (
        f"<{summary.report}|Full report>"
        if summary.report.startswith(("https://", "http://"))
        else f"Full report: `{_slack_escape(summary.report)}`"
    )
    return {
        "text": f"{summary.title}: train health {health}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": summary.title[:150]}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _fit(
                        f"{HEALTH_EMOJI[summary.health]} *Train health {health}* (as of "
                        f"{_slack_escape(summary.as_of)}){reasons}"
                    ),
                },
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _fit(f"*Needs attention now*\n{attention}")},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(summary.changes)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": report}]},
        ],
    }


# --- Teams ---------------------------------------------------------------------------------------------------


def _card_text(text: str) -> str:
    """Jira text in an Adaptive Card TextBlock: never a link of its own.

    Teams' card markdown has no documented escape character, so a "[text](url)" in a summary is broken up
    ("] (") rather than escaped; emphasis characters are left alone (they cannot do harm).
    """
    return text.replace("](", "] (")


def teams_payload(summary: ChatSummary) -> dict[str, Any]:
    """A Teams workflow ("When a Teams webhook request is received") message carrying one Adaptive Card."""
    health = HEALTH_WORDS[summary.health]
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _card_text(summary.title),
            "size": "Large",
            "weight": "Bolder",
            "wrap": True,
        },
        {
            "type": "TextBlock",
            "text": f"Train health {health}",
            "color": TEAMS_COLOUR[summary.health],
            "weight": "Bolder",
            "wrap": True,
        },
        {"type": "TextBlock", "text": f"as of {summary.as_of}", "isSubtle": True, "spacing": "None"},
    ]
    body += [{"type": "TextBlock", "text": f"- {_card_text(r)}", "wrap": True} for r in summary.reasons]
    body.append({"type": "TextBlock", "text": "Needs attention now", "weight": "Bolder", "wrap": True})
    if summary.attention:
        for line in summary.attention:
            links = ", ".join(f"[{_card_text(k.text)}]({k.url})" for k in line.links)
            text = f"{line.rank}. {line.severity.upper()}: {_card_text(line.title)}" + (
                f" ({links})" if links else ""
            )
            body.append({"type": "TextBlock", "text": text, "wrap": True})
    else:
        body.append({"type": "TextBlock", "text": "Nothing needs the sync's attention.", "wrap": True})
    body.append({"type": "TextBlock", "text": _card_text(summary.changes), "wrap": True})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if summary.report.startswith(("https://", "http://")):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Full report", "url": summary.report}]
    else:
        body.append({"type": "TextBlock", "text": f"Full report: {_card_text(summary.report)}", "wrap": True})
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


# --- sending -------------------------------------------------------------------------------------------------


def _check_url(service: str, env: str, url: str) -> None:
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK
    if not (parts.scheme == "https" or loopback) or not parts.hostname:
        raise ConfigError(
            f"the {service} webhook in {env} is not an https:// URL; paste the whole webhook URL into {env}"
        )


def _register_url_parts(url: str) -> None:
    """The whole URL is a secret, and so is its path and query: HTTP libraries log those without the host."""
    parts = urlsplit(url)
    register_secret(url)
    register_secret(parts.path + (f"?{parts.query}" if parts.query else ""))
    if parts.query:
        register_secret(parts.query)


def webhooks(settings: ChatSettings) -> list[Webhook]:
    """The configured webhooks with their URLs read from the environment, or a one-line :class:`ConfigError`."""
    found = []
    for service, env in (("Slack", settings.slack_webhook_env), ("Teams", settings.teams_webhook_env)):
        if not env:
            continue
        url = read_secret_env(env)
        if url is None:
            raise ConfigError(
                f"the environment variable {env} (chat.{service.lower()}_webhook_env) is not set; export "
                f"it with the {service} webhook URL before running"
            )
        url = url.strip()
        _register_url_parts(url)
        _check_url(service, env, url)
        found.append(Webhook(service, env, url))
    return found


def _accepted(hook: Webhook, response: requests.Response) -> bool:
    if hook.service == "Slack":
        return response.status_code == 200  # Slack answers 200 "ok"; errors are 4xx with a short code
    return response.status_code in (200, 202)  # a Teams workflow answers 202 Accepted


def post(hook: Webhook, payload: dict[str, Any], *, timeout: float) -> None:
    """POST one card, once; raise :class:`NotifyError` (one line, no URL) when it was not accepted."""
    name = f"the {hook.service} webhook ({hook.env})"
    try:
        response = requests.post(hook.url, json=payload, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        raise NotifyError(
            f"{name} did not answer within {timeout:g}s; the card may or may not have been posted"
        ) from None
    except requests.RequestException as exc:
        raise NotifyError(
            f"cannot reach {name}: {type(exc).__name__}; check the URL in {hook.env} and the network"
        ) from None
    if not _accepted(hook, response):
        detail = redact(response.text.strip().splitlines()[0][:120]) if response.text.strip() else ""
        raise NotifyError(
            f"{name} answered {response.status_code}"
            + (f" {detail}" if detail else "")
            + f"; check the URL in {hook.env} (re-create the webhook if it was revoked)"
        )
    log.info("posted the report card to %s", name)


def notify(hooks: Sequence[Webhook], summary: ChatSummary, *, timeout: float) -> tuple[list[str], str | None]:
    """Post the card to every webhook, each once: (the services posted to, one line for the failures or None).

    A failing webhook does not stop the others; the line names every one that failed.
    """
    posted: list[str] = []
    failures: list[str] = []
    for hook in hooks:
        payload = slack_payload(summary) if hook.service == "Slack" else teams_payload(summary)
        try:
            post(hook, payload, timeout=timeout)
        except NotifyError as exc:
            failures.append(exc.message)
        else:
            posted.append(hook.service)
    if not failures:
        return posted, None
    done = f" ({', '.join(posted)}: posted)" if posted else ""
    return posted, "; ".join(failures) + done + "; the report itself was delivered"
