"""Logging for unattended runs: an optional log file, quiet consoles, and secrets redacted everywhere.

Every handler syncreport installs carries a :class:`RedactingFilter`. It replaces the values of secret
environment variables (the Jira token and SMTP password the config names, plus any variable whose name
says it is a secret) with ``***`` in messages, arguments, tracebacks and stack traces (and strips terminal
escape sequences and control characters from them, :func:`syncreport.untrusted.for_terminal`), whichever logger
they come from (syncreport's own, and under ``--debug`` also ``urllib3`` and ``jira``). The CLI's ``--debug`` traceback goes through
:func:`redact` too.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from syncreport.errors import ConfigError
from syncreport.untrusted import for_terminal

REDACTED = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words
_SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|(^|_)PAT($|_)", re.IGNORECASE)
_lock = threading.Lock()
_secrets: set[str] = set()
_HANDLER_MARK = "_syncreport_handler"
_DEBUG_LOGGERS = ("syncreport", "urllib3", "jira")


def register_secret(value: str | None, *, user: str | None = None) -> None:
    """Redact ``value`` from every log line from now on (and, with ``user``, its HTTP Basic form)."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    variants = {value}
    if user:
        variants.add(base64.b64encode(f"{user}:{value}".encode()).decode())
    with _lock:
        _secrets.update(variants)


def register_secret_env(names: Iterable[str | None] = ()) -> None:
    """Register the values of the named environment variables and of any that look like a secret."""
    wanted = {name for name in names if name}
    for name, value in os.environ.items():
        if name in wanted or _SECRET_NAME.search(name):
            register_secret(value)


def environment_without_secrets() -> dict[str, str]:
    """This process's environment less every variable that looks like a secret or holds a registered one:
    for a child process that needs none of them (the PDF's layout worker)."""
    with _lock:
        known = set(_secrets)
    return {
        name: value
        for name, value in os.environ.items()
        if not _SECRET_NAME.search(name) and value not in known
    }


def read_secret_env(name: str, *, user: str | None = None) -> str | None:
    """Read a secret from the environment and register it for redaction in the same step."""
    value = os.environ.get(name) or None
    register_secret(value, user=user)
    return value


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record so that no registered secret reaches a handler's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _clean(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _clean(record.exc_text)
        if record.stack_info:
            record.stack_info = _clean(record.stack_info)
        return True


def _clean(text: str) -> str:
    """No secret, and no escape sequence or control character from Jira text (a log is read on a terminal)."""
    return for_terminal(redact(text), keep_newlines=True)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time of the record (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class _NotFileOnly(logging.Filter):
    """Keeps records marked ``extra={"file_only": True}`` off the console (the CLI already printed them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


def _remove_our_handlers(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            logger.removeHandler(handler)
            handler.close()


def _install(logger: logging.Logger, handler: logging.Handler, level: int, fmt: str) -> None:
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(fmt, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    setattr(handler, _HANDLER_MARK, True)
    logger.addHandler(handler)


def reset_logging() -> None:
    """Remove syncreport's handlers and levels: the loggers behave as if never configured."""
    for name in _DEBUG_LOGGERS:
        logger = logging.getLogger(name)
        _remove_our_handlers(logger)
        logger.setLevel(logging.NOTSET)


def configure_logging(
    *, log_file: Path | None = None, level: str = "INFO", quiet: bool = False, debug: bool = False
) -> None:
    """Set up the ``syncreport`` logger: warnings to stderr (none with ``quiet``), ``level`` to ``log_file``.

    Safe to call again (a run that learns the config's log file after the CLI set up the console).
    """
    console_level = logging.DEBUG if debug else logging.WARNING
    file_level = logging.DEBUG if debug else logging.getLevelNamesMapping()[level]
    file_handler: logging.Handler | None = None
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot open the log file {log_file}: {exc.strerror or exc}; fix logging.file or --log-file"
            ) from None
    # Under --debug the HTTP libraries' own records are shown too (and redacted like ours).
    names = _DEBUG_LOGGERS if debug else ("syncreport",)
    reset_logging()  # undo an earlier set-up (tests run several CLIs in one process)
    # With no handler of ours (--quiet, no log file) Python's "last resort" would print warnings anyway.
    _install(logging.getLogger("syncreport"), logging.NullHandler(), logging.DEBUG, "%(message)s")
    for name in names:
        logger = logging.getLogger(name)
        logger.setLevel(min(console_level, file_level) if file_handler else console_level)
        if not quiet:
            console = _StderrHandler()
            console.addFilter(_NotFileOnly())
            _install(logger, console, console_level, "syncreport: %(levelname)s: %(message)s")
        if file_handler is not None:
            _install(logger, file_handler, file_level, "%(asctime)s %(levelname)s %(name)s: %(message)s")
