"""The one exception type a user can act on, and the exit codes the CLI turns it into.

Everything that is the user's to fix (configuration, credentials, JQL, site URL, network) is raised as a
:class:`SyncreportError` whose message is a single line saying what is wrong and how to fix it. Any other
exception is a bug: the CLI shows its traceback only under ``--debug``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes (README, "Exit codes")."""

    OK = 0
    RUNTIME_FAILURE = 1
    USAGE = 2
    HEALTH_BELOW_THRESHOLD = 3
    NOTIFY_FAILED = 4


class SyncreportError(Exception):
    """An error with a one-line, actionable message for the user."""

    exit_code: ExitCode = ExitCode.RUNTIME_FAILURE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class ConfigError(SyncreportError):
    """The configuration file or a command-line option is wrong (exit 2)."""

    exit_code = ExitCode.USAGE


class JiraError(SyncreportError):
    """Jira answered with something we cannot use: auth, permission, bad JQL, wrong URL, outage (exit 1).

    ``status`` and ``jira_messages`` (Jira's errorMessages) are set when Jira answered with an HTTP error, so
    the library can tell an answer it expects (a kanban board's 400) from a failure."""

    def __init__(
        self,
        message: str,
        exit_code: ExitCode | None = None,
        *,
        status: int | None = None,
        jira_messages: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, exit_code)
        self.status = status
        self.jira_messages = jira_messages


class DeliveryError(SyncreportError):
    """Writing the report or sending the e-mail failed (exit 1)."""


class NotifyError(SyncreportError):
    """The report was delivered (files written, e-mail accepted) but a chat webhook refused the card (exit 4)."""

    exit_code = ExitCode.NOTIFY_FAILED
