"""Publish the report to a Confluence page (Cloud and Data Center): create or update it, attach PDF and HTML.

One page per title in the space: ``confluence.title`` decides whether that is one page per train
("ART sync report: {train}") or one per run under ``parent_id`` ("{train} {date}"). Before creating, the
page is looked up by title, so a retried run updates the page the failed run created and never makes a
duplicate. An update bumps the version number by one (Confluence refuses anything else, 409). The body is
the summary in Confluence's storage format (XHTML); the files are attached with the attachment endpoint
that creates or updates by file name, so a re-run adds a new version of the same attachment.

REST paths, as Atlassian documents them:

- Cloud (``https://<site>.atlassian.net/wiki``): v2 for spaces and pages (``/api/v2/spaces?keys=``,
  ``/api/v2/pages?space-id=&title=``, ``POST /api/v2/pages``, ``PUT /api/v2/pages/{id}``), v1 for the
  attachment upload, which v2 does not have (``PUT /rest/api/content/{id}/child/attachment``); HTTP Basic
  with the account e-mail and an API token.
- Data Center (``https://wiki.acme.com`` with any context path): v1 (``/rest/api/content``); a personal
  access token as Bearer.

The token is registered for redaction when read; no message contains it.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from syncreport.config import ConfluenceSettings
from syncreport.deliver.chat import ChatSummary
from syncreport.errors import ConfigError, DeliveryError
from syncreport.logs import read_secret_env, redact

log = logging.getLogger(__name__)

TITLE_FIELDS = ("train", "pi", "date")
HEALTH_COLOUR = {"green": "Green", "amber": "Yellow", "red": "Red"}  # the status macro's colours


@dataclass(frozen=True, slots=True)
class PublishedPage:
    page_id: str
    title: str
    version: int
    url: str
    created: bool
    attachments: tuple[str, ...]


def page_title(settings: ConfluenceSettings, values: Mapping[str, str]) -> str:
    try:
        return settings.title.format_map(dict(values))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"confluence.title '{settings.title}' cannot be filled ({type(exc).__name__}: {exc}); use only "
            f"the placeholders {', '.join('{' + f + '}' for f in TITLE_FIELDS)}"
        ) from None


def check_settings(settings: ConfluenceSettings) -> str:
    """The token (read and registered for redaction), or a one-line ConfigError; called before the pull."""
    page_title(settings, dict.fromkeys(TITLE_FIELDS, ""))
    if settings.deployment == "cloud" and not settings.email:
        raise ConfigError(
            "confluence.email is missing: Confluence Cloud signs in with the account e-mail and an API token"
        )
    token = read_secret_env(settings.token_env, user=settings.email)
    if token is None:
        raise ConfigError(
            f"the environment variable {settings.token_env} (confluence.token_env) is not set; export it with "
            "the Confluence API token (Cloud) or personal access token (Data Center)"
        )
    return token


def storage_body(summary: ChatSummary, attachments: tuple[str, ...]) -> str:
    """The summary in Confluence's storage format: XHTML with a status macro and links to the attachments."""
    e = html.escape
    parts = [
        '<p><ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">'
        f"{HEALTH_COLOUR[summary.health]}</ac:parameter>"
        f'<ac:parameter ac:name="title">Train health {summary.health.upper()}</ac:parameter>'
        f"</ac:structured-macro> as of {e(summary.as_of)}</p>",
    ]
    if summary.reasons:
        parts.append("<ul>" + "".join(f"<li>{e(r)}</li>" for r in summary.reasons) + "</ul>")
    parts.append("<h2>Needs attention now</h2>")
    if summary.attention:
        items = []
        for line in summary.attention:
            links = ", ".join(f'<a href="{e(k.url)}">{e(k.text)}</a>' for k in line.links)
            items.append(f"<li>[{e(line.severity)}] {e(line.title)}{f' ({links})' if links else ''}</li>")
        parts.append("<ol>" + "".join(items) + "</ol>")
    else:
        parts.append("<p>Nothing needs the sync's attention.</p>")
    parts.append(f"<p>{e(summary.changes)}</p>")
    if attachments:
        links = " · ".join(
            f'<ac:link><ri:attachment ri:filename="{e(name)}" /><ac:plain-text-link-body>'
            f"<![CDATA[{name}]]></ac:plain-text-link-body></ac:link>"
            for name in attachments
        )
        parts.append(f"<p>The full report: {links}</p>")
    return "".join(parts)


class _Api:
    def __init__(self, settings: ConfluenceSettings, token: str) -> None:
        self.settings = settings
        self.base = (settings.url or "").rstrip("/")
        self.session = requests.Session()
        if settings.deployment == "cloud":
            self.session.auth = (settings.email or "", token)
        else:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["Accept"] = "application/json"

    def call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        url = f"{self.base}{path}"
        try:
            response = self.session.request(
                method, url, timeout=self.settings.timeout_seconds, allow_redirects=False, **kwargs
            )
        except requests.Timeout:
            raise DeliveryError(
                f"Confluence at {self.base} did not answer within {self.settings.timeout_seconds:g}s ({what})"
            ) from None
        except requests.RequestException as exc:
            raise DeliveryError(
                f"cannot reach Confluence at {self.base} ({what}): {type(exc).__name__}; check confluence.url"
            ) from None
        if response.status_code in (401, 403):
            raise DeliveryError(
                f"Confluence at {self.base} refused {what} ({response.status_code}); check confluence.email, "
                f"the token in {self.settings.token_env} and its permission to edit space {self.settings.space}"
            )
        if response.status_code == 404:
            raise DeliveryError(
                f"Confluence at {self.base} has no {path.split('?')[0]} (404, {what}); check confluence.url "
                "(Cloud: https://<site>.atlassian.net/wiki) and confluence.deployment"
            )
        if response.status_code >= 400:
            raise DeliveryError(
                f"Confluence at {self.base} answered {response.status_code} to {what}: {_message(response)}"
            )
        try:
            return response.json()
        except ValueError:
            raise DeliveryError(
                f"Confluence at {self.base} answered {what} with something not JSON"
            ) from None


def _message(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return redact(response.text.strip()[:160]) or "no detail"
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return redact(str(errors[0].get("title") or errors[0].get("detail") or errors[0]))[:200]
        return redact(str(data.get("message") or data))[:200]
    return redact(str(data))[:200]


def _page_url(api: _Api, page: dict[str, Any]) -> str:
    links = page.get("_links") or {}
    base = links.get("base") or api.base
    return f"{base}{links.get('webui', '')}"


def publish(
    settings: ConfluenceSettings,
    title: str,
    body: str,
    files: Mapping[str, bytes],
) -> PublishedPage:
    """Create or update the page named ``title`` in the space, then attach ``files`` (name -> bytes)."""
    token = check_settings(settings)
    api = _Api(settings, token)
    page, created = (_cloud_upsert if settings.deployment == "cloud" else _dc_upsert)(api, title, body)
    page_id = str(page["id"])
    for name, data in files.items():
        api.call(
            "PUT",
            f"/rest/api/content/{page_id}/child/attachment",  # v1 on both: Cloud's v2 cannot upload
            f"attaching {name}",
            headers={"X-Atlassian-Token": "no-check"},
            files={"file": (name, data, _content_type(name))},
            data={"minorEdit": "true", "comment": "syncreport"},
        )
    version = int((page.get("version") or {}).get("number") or 1)
    url = _page_url(api, page)
    log.info("%s the Confluence page %s (version %d)", "created" if created else "updated", url, version)
    return PublishedPage(page_id, title, version, url, created, tuple(files))


def _content_type(name: str) -> str:
    return (
        "application/pdf"
        if name.endswith(".pdf")
        else "text/html"
        if name.endswith(".html")
        else "application/octet-stream"
    )


def _cloud_upsert(api: _Api, title: str, body: str) -> tuple[dict[str, Any], bool]:
    space = api.settings.space
    spaces = api.call("GET", "/api/v2/spaces", f"looking up space {space}", params={"keys": space})
    found = spaces.get("results") or []
    if not found:
        raise DeliveryError(
            f"Confluence has no space with the key {space} that this account can see; fix confluence.space"
        )
    space_id = str(found[0]["id"])

    def existing() -> dict[str, Any] | None:
        pages = api.call(
            "GET",
            "/api/v2/pages",
            f"looking up the page '{title}'",
            params={"space-id": space_id, "title": title, "status": "current"},
        )
        results = pages.get("results") or []
        return results[0] if results else None

    storage = {"representation": "storage", "value": body}
    page = existing()
    if page is None:
        payload: dict[str, Any] = {"spaceId": space_id, "status": "current", "title": title, "body": storage}
        if api.settings.parent_id:
            payload["parentId"] = api.settings.parent_id
        return api.call("POST", "/api/v2/pages", f"creating the page '{title}'", json=payload), True
    number = int(page["version"]["number"]) + 1
    payload = {
        "id": str(page["id"]),
        "status": "current",
        "title": title,
        "body": storage,
        "version": {"number": number, "message": "syncreport"},
    }
    return api.call("PUT", f"/api/v2/pages/{page['id']}", f"updating the page '{title}'", json=payload), False


def _dc_upsert(api: _Api, title: str, body: str) -> tuple[dict[str, Any], bool]:
    space = api.settings.space
    pages = api.call(
        "GET",
        "/rest/api/content",
        f"looking up the page '{title}'",
        params={"spaceKey": space, "title": title, "type": "page", "expand": "version"},
    )
    results = pages.get("results") or []
    storage = {"storage": {"value": body, "representation": "storage"}}
    if not results:
        payload: dict[str, Any] = {"type": "page", "title": title, "space": {"key": space}, "body": storage}
        if api.settings.parent_id:
            payload["ancestors"] = [{"id": api.settings.parent_id}]
        return api.call("POST", "/rest/api/content", f"creating the page '{title}'", json=payload), True
    page = results[0]
    payload = {
        "id": str(page["id"]),
        "type": "page",
        "title": title,
        "body": storage,
        "version": {"number": int(page["version"]["number"]) + 1, "message": "syncreport"},
    }
    return api.call(
        "PUT", f"/rest/api/content/{page['id']}", f"updating the page '{title}'", json=payload
    ), False
