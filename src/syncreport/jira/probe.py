"""Which kind of Jira a site is: serverInfo's ``deploymentType``, asked through :class:`JiraClient`.

Asked anonymously first, then signed in as each dialect would sign in; the dialect is never guessed from
the URL. Used by the pull (``[jira].deployment = "auto"``), ``syncreport check`` and ``syncreport init``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncreport.config import JiraSettings
from syncreport.errors import JiraError
from syncreport.jira.client import JiraClient
from syncreport.jira.endpoints import Deployment


@dataclass(frozen=True, slots=True)
class ServerProbe:
    """What serverInfo said: the dialect, the answer itself, and whether it took signing in."""

    deployment: Deployment
    info: dict[str, Any]
    signed_in: bool


def detect_deployment(
    settings: JiraSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    deadline: float | None = None,
    config_name: str = "the config",
) -> ServerProbe:
    """Cloud or Data Center, from serverInfo's ``deploymentType``; never guessed from the URL.

    serverInfo is asked anonymously first (most sites answer it); a site that refuses anonymous callers
    is asked again signed in: with the token as a Data Center bearer token, then (when ``[jira].email`` is
    set) as Cloud's e-mail + API token. A failed bearer attempt locks no account on either kind of site,
    so it goes first. When no answer names the deployment, the run stops with one line.
    """
    probe = anonymous_probe(settings, sleep=sleep, deadline=deadline, config_name=config_name)
    if probe is not None:
        return probe
    refused = "anonymous callers"
    if settings.token():
        kinds: list[Deployment] = ["datacenter", "cloud"] if settings.email else ["datacenter"]
        for kind in kinds:
            with JiraClient(
                settings, kind, sleep=sleep, deadline=deadline, config_name=config_name
            ) as client:
                info = _server_info(client)
            if info.get("deploymentType"):
                return ServerProbe(deployment_of(info), info, True)
        refused = "anonymous and signed-in callers"
    raise JiraError(
        f"cannot tell whether {settings.url} is Jira Cloud or Data Center: its serverInfo did not say to "
        f'{refused}; set [jira].deployment = "cloud" or "datacenter" in {config_name}'
    )


def anonymous_probe(
    settings: JiraSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    deadline: float | None = None,
    config_name: str = "the config",
) -> ServerProbe | None:
    """serverInfo asked without credentials; None when the site refuses anonymous callers or does not say."""
    with JiraClient(settings, None, sleep=sleep, deadline=deadline, config_name=config_name) as anonymous:
        info = _server_info(anonymous)
    return ServerProbe(deployment_of(info), info, False) if info.get("deploymentType") else None


def _server_info(client: JiraClient) -> dict[str, Any]:
    """serverInfo's answer, or {} when the site refuses this caller (HTTP 401/403)."""
    try:
        info = client.library.server_info()
    except JiraError as exc:
        if exc.status not in (401, 403):
            raise
        return {}
    return info if isinstance(info, dict) else {}


def deployment_of(server_info: dict[str, Any]) -> Deployment:
    """serverInfo's ``deploymentType``: "Cloud", else ("Server", "DataCenter") Data Center."""
    kind = str(server_info.get("deploymentType") or "")
    return "cloud" if kind.lower() == "cloud" else "datacenter"
