"""The ``jira`` library's public API for the low-volume calls: serverInfo, myself, fields, boards, sprints.

Each call is a ``JIRA`` client's public method (``server_info()``, ``myself()``, ``fields()``,
``boards()``, ``sprints()``), built with the site (or the API gateway), the account's credentials, our TLS
settings, User-Agent and ``[jira].timeout_seconds``; one ``JIRA`` per worker thread and REST version (a
requests Session is not thread-safe), closed with the :class:`~syncreport.jira.client.JiraClient`. Nothing
reaches into the library's private attributes.

Our policy still decides: every call goes through :meth:`JiraClient.call`, so the run's deadline, the
retries and their waits (the library's own are off: ``max_retries=0``), the limit on requests in flight,
the request counts and the one-line errors (401/403/404, a kanban board's 400 "does not support sprints")
are those of every other request. Jira's refusals reach us with their answer (``JIRAError.response``), and
are read as our own; what a successful answer's headers said is not seen (the library returns decoded JSON),
which for these few requests costs nothing.

What stays on our transport (:mod:`syncreport.jira.transport` says why): the issue searches, the bulk
fetches and the other high-volume requests: the adaptive limit reads each answer's rate-limit headers
(Retry-After, X-RateLimit-NearLimit), which the library's answers drop; Cloud's enhanced search pages by
``nextPageToken`` and the library's search pages through it on its own terms; changelog/bulkfetch and
issue/bulkfetch have no method there; the pull keeps several requests in flight. A single board by id
(``GET board/{id}``, ``[train].boards``) has no method in the library either and stays there too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from syncreport.jira import endpoints
from syncreport.jira.paging import agile_values
from syncreport.jira.transport import USER_AGENT, Dropped, Failed, Response, UnusableAnswer, transport_error

if TYPE_CHECKING:
    from jira import JIRA
    from jira.client import ResultList
    from jira.resources import Resource

    from syncreport.jira.client import JiraClient

T = TypeVar("T")
R = TypeVar("R", bound="Resource")
Api = str  # the platform REST API's version: "2" (Data Center; serverInfo everywhere) or "3" (Cloud)


class JiraLibrary:
    """The ``jira`` library's calls of one :class:`~syncreport.jira.client.JiraClient`, safe across threads."""

    def __init__(self, client: JiraClient) -> None:
        self.client = client
        self._local = threading.local()
        self._opened: list[JIRA] = []
        self._lock = threading.Lock()

    # --- the calls ----------------------------------------------------------------------------------------

    def server_info(self) -> dict[str, Any]:
        """serverInfo (asked on REST v2 everywhere: it is asked before the dialect is known)."""
        return self._get(endpoints.SERVER_INFO, "2", lambda jira: jira.server_info()) or {}

    def myself(self, *, v2: bool = False) -> dict[str, Any]:
        """The signed-in account (``v2``: on REST v2 whatever the dialect, as ``syncreport init`` asks)."""
        path = endpoints.MYSELF_V2 if v2 else endpoints.myself(self.client.deployment)
        return self._get(path, self._api(v2), lambda jira: jira.myself()) or {}

    def fields(self, *, v2: bool = False) -> list[dict[str, Any]]:
        """The site's field list (``v2`` as for :meth:`myself`)."""
        path = endpoints.FIELDS_V2 if v2 else endpoints.fields(self.client.deployment)
        return list(self._get(path, self._api(v2), lambda jira: jira.fields()) or ())

    def boards(self, project: str) -> list[dict[str, Any]]:
        """The boards of a project, every page (an empty list when the account may not see them)."""
        return agile_values(
            endpoints.BOARDS,
            lambda start, size: self._page(
                endpoints.BOARDS,
                lambda jira: jira.boards(startAt=start, maxResults=size, projectKeyOrID=project),
            ),
        )

    def sprints(self, board_id: int) -> list[dict[str, Any]]:
        """A board's closed, active and future sprints, every page; a kanban board's 400 "The board does not
        support sprints" is a :class:`~syncreport.errors.JiraError` with that message (the caller decides)."""
        path = endpoints.board_sprints(board_id)
        return agile_values(
            path,
            lambda start, size: self._page(
                path,
                lambda jira: jira.sprints(
                    board_id, startAt=start, maxResults=size, state=endpoints.SPRINT_STATES
                ),
            ),
        )

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for jira in opened:
            jira.close()  # type: ignore[no-untyped-call]  # the jira library's close() has no annotations

    # --- plumbing -----------------------------------------------------------------------------------------

    def _api(self, v2: bool) -> Api:
        return "3" if self.client.deployment == "cloud" and not v2 else "2"

    def _page(self, path: str, ask: Callable[[JIRA], ResultList[R]]) -> dict[str, Any] | None:
        """One agile page as Jira wrote it (the resources' ``raw`` JSON); None: a 403/404 (not visible).

        The page's ``total`` is left out: where Jira sends none (a board's sprint list) the library's
        ResultList says the page's own length, which would cap the list at a few pages. The paging guard
        still stops pages that bring nothing new."""
        found = self._get(path, "2", ask, missing_ok=True)
        if found is None:
            return None
        return {"values": [item.raw for item in found], "isLast": found.isLast, "startAt": found.startAt}

    def _get(self, path: str, api: Api, ask: Callable[[JIRA], T], *, missing_ok: bool = False) -> T | None:
        return self.client.call("GET", path, lambda: self._exchange(api, ask), missing_ok=missing_ok)

    def _exchange(self, api: Api, ask: Callable[[JIRA], T]) -> T:
        """One library call; what went wrong in the terms of our transport (messages never hold the request)."""
        from jira import JIRAError

        try:
            return ask(self._jira(api))
        except JIRAError as exc:
            answer = exc.response
            if answer is None:
                raise Failed("JIRAError") from None
            raise UnusableAnswer(
                Response(answer.status_code, answer.headers, answer.content, answer.reason or "")
            ) from None
        except requests.exceptions.JSONDecodeError as exc:  # a 2xx answer that is not JSON
            if exc.doc.lstrip()[:1] in ("{", "["):
                raise Dropped("a JSON answer cut short") from None
            raise UnusableAnswer(Response(200, {}, exc.doc.encode())) from None
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc) from None

    def _jira(self, api: Api) -> JIRA:
        """This thread's ``JIRA`` client for a REST version, made on first use (the library is imported then:
        a command that asks Jira nothing never loads it)."""
        clients: dict[Api, JIRA] = getattr(self._local, "clients", None) or {}
        self._local.clients = clients
        if api not in clients:
            from jira import JIRA

            auth = self.client.auth
            clients[api] = JIRA(
                server=self.client.base_url,
                options={
                    "rest_api_version": api,
                    "verify": self.client.tls_verify(),
                    "headers": {"Accept": "application/json", "User-Agent": USER_AGENT},
                },
                basic_auth=auth if isinstance(auth, tuple) else None,
                token_auth=auth if isinstance(auth, str) else None,
                get_server_info=False,  # asked through server_info(), under our policy
                max_retries=0,  # our policy retries (JiraClient.call)
                timeout=self.client.settings.timeout_seconds,
                logging=False,  # its log lines may quote answers; ours say what happened
            )
            with self._lock:
                self._opened.append(clients[api])
        return clients[api]
