"""The library's error types: what went wrong, as a type and a one-line message; never an exit code.

Everything that is the user's to fix (configuration, credentials, JQL, site URL, network) is raised as a
:class:`SyncreportError` subclass whose message is a single line saying what is wrong and how to fix it:
:class:`ConfigError`, :class:`JiraError` (and :class:`RunTimeout`, :class:`PagingError`),
:class:`DeliveryError`, :class:`NotifyError`, :class:`RunInProgress` (the lock is held). A Ctrl-C once
report files exist is an :class:`InterruptedAfterWriting` (still a KeyboardInterrupt) that says what was
delivered. The CLI alone turns a type into an exit code (``syncreport.cli.EXIT_CODES``, the README's
table); any other exception is a bug, whose traceback the CLI shows only under ``--debug``.
"""

from __future__ import annotations

from pathlib import Path


class SyncreportError(Exception):
    """An error with a one-line, actionable message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(SyncreportError):
    """The configuration file or a command-line option is wrong."""


class JiraError(SyncreportError):
    """Jira answered with something we cannot use: auth, permission, bad JQL, wrong URL, outage.

    ``status`` and ``jira_messages`` (Jira's errorMessages) are set when Jira answered with an HTTP error, so
    the library can tell an answer it expects (a kanban board's 400) from a failure; ``endpoint`` names the
    request's path (ids replaced by ``{}``) when one was made. The message stays the one line for the user."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        endpoint: str | None = None,
        jira_messages: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint
        self.jira_messages = jira_messages


class RunTimeout(JiraError):
    """The pull took longer than ``[jira].run_timeout_seconds``."""


class PagingError(JiraError):
    """Jira's paging did not end (a repeated token, ``isLast`` never true, more pages than the count allows)."""


class DeliveryError(SyncreportError):
    """Writing the report or sending the e-mail failed."""


class NotifyError(SyncreportError):
    """The report was delivered (files written, e-mail accepted) but a chat webhook refused the card."""


class RunInProgress(SyncreportError):
    """Another run of the same train holds the run lock; this run did nothing (nothing went wrong)."""


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C after report files were written: which ones, and what of the delivery was done.

    Still a :class:`KeyboardInterrupt` (whatever stops on Ctrl-C still stops); the CLI prints :attr:`message`
    instead of "nothing was written", which only a plain KeyboardInterrupt means.

    ``complete``: every file of the report was written (False: only ``written`` were replaced, the others
    are as before). ``email``: None (no e-mail planned), "not sent", "sending" (it may or may not have gone
    out) or "sent". ``remembered``: the run was kept as the one the next report compares with.
    """

    def __init__(
        self,
        written: tuple[Path, ...],
        *,
        complete: bool = True,
        email: str | None = None,
        remembered: bool = False,
    ) -> None:
        self.written = written
        self.complete = complete
        self.email = email
        self.remembered = remembered
        super().__init__(self.message)

    @property
    def message(self) -> str:
        files = ", ".join(str(p) for p in self.written)
        if not self.complete:
            return (
                f"interrupted while the report's files were put in place: only {files} are new, the others "
                "are as before; run the report again"
            )
        parts = [f"interrupted after the report was written ({files})"]
        parts += [_EMAIL_STATES[self.email]] if self.email in _EMAIL_STATES else []
        if not self.remembered:
            parts.append("the next report compares with the run before this one")
        return "; ".join(parts)

    def __str__(self) -> str:
        return self.message


_EMAIL_STATES = {
    "not sent": "the e-mail was not sent",
    "sending": "the e-mail was being sent and may not have gone out",
    "sent": "the e-mail was sent",
}
