"""The command line: each command parses its options and calls one library function.

This is the only module that prints to the user or picks an exit code, and nothing imports it.
A :class:`~syncreport.errors.SyncreportError` becomes one line on stderr and the exit code :data:`EXIT_CODES`
gives its type; any other exception is a bug and shows its traceback only with ``--debug``.

Longer than 400 lines: one function per command with its typer options, and nothing else.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from syncreport import __version__, interrupts, lean_help
from syncreport.errors import (
    ConfigError,
    DeliveryError,
    InterruptedAfterWriting,
    JiraError,
    NotifyError,
    RunInProgress,
    SyncreportError,
)
from syncreport.kinds import Deployment, FailOn
from syncreport.logs import redact
from syncreport.terminal import progress_bar
from syncreport.untrusted import for_terminal

lean_help.install()  # typer's help without rich's Markdown and tracebacks (it uses neither here)

try:  # Typer >= 0.20 vendors Click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older Typer on Click
    # the same three names, from Click itself (mypy sees the vendored ones first)
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # type: ignore[no-redef]


def _echo(message: str, *, err: bool = False) -> None:
    """Every line the CLI prints: Jira text in it can carry escape sequences and bidi controls."""
    typer.echo(for_terminal(message), err=err)


class _Commands(TyperGroup):
    """Usage errors as one line when stderr is not a terminal (cron mail), a boxed panel when it is."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode or sys.stderr.isatty():
            return super().main(args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "syncreport"
            _echo(f"Error: {exc.format_message()} (try {command} --help)", err=True)
            sys.exit(exc.exit_code)
        except ClickException as exc:
            _echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            _echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


class ExitCode(IntEnum):
    """Documented exit codes (README, "Exit codes")."""

    OK = 0
    RUNTIME_FAILURE = 1
    USAGE = 2
    HEALTH_BELOW_THRESHOLD = 3
    NOTIFY_FAILED = 4
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


#: The library's error types and the exit code each ends a command with (README, "Exit codes"): the first
#: row the error is an instance of wins. The library raises types; only the CLI knows about exit codes.
EXIT_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (RunInProgress, ExitCode.OK),  # another run of the report is going: nothing went wrong
    (ConfigError, ExitCode.USAGE),
    (NotifyError, ExitCode.NOTIFY_FAILED),
    (JiraError, ExitCode.RUNTIME_FAILURE),
    (DeliveryError, ExitCode.RUNTIME_FAILURE),
    (SyncreportError, ExitCode.RUNTIME_FAILURE),
    (KeyboardInterrupt, ExitCode.INTERRUPTED),  # InterruptedAfterWriting too
)


def exit_code_of(exc: BaseException) -> ExitCode:
    """The exit code for an error the library raised (an internal error, any other exception: 1)."""
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), ExitCode.RUNTIME_FAILURE)


app = typer.Typer(
    cls=_Commands,
    name="syncreport",
    help="The weekly ART sync report from Jira: cross-team dependencies out of order, slippage, "
    "misalignment and what changed since last week, as HTML, PDF and JSON.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    # Rich tracebacks print local variables by default, which would put a Jira token into a cron mail.
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Any] = {"debug": False, "quiet": False, "log_file": None}
T = TypeVar("T")


def _debug_traceback(exit_code: int) -> typer.Exit:
    """Under --debug: the traceback, with every secret read from the environment replaced by ***."""
    typer.echo(for_terminal(redact(traceback.format_exc()).rstrip(), keep_newlines=True), err=True)
    return typer.Exit(exit_code)


def _run(action: Callable[[], T]) -> T:
    """Run a library call and turn a user error into one line and its exit code."""
    try:
        return action()
    except SyncreportError as exc:
        code = exit_code_of(exc)
        if code == ExitCode.OK:
            # Nothing went wrong (e.g. another run holds the lock): cron must get no output, a person a note.
            if sys.stderr.isatty() and not _state["quiet"]:
                _echo(f"syncreport: {exc.message}", err=True)
            raise typer.Exit(0) from None
        if _state["debug"]:
            raise _debug_traceback(int(code)) from None
        _echo(f"syncreport: error: {redact(exc.message)}", err=True)
        raise typer.Exit(int(code)) from None
    except InterruptedAfterWriting as exc:
        _echo(f"syncreport: {redact(exc.message)}", err=True)
        raise typer.Exit(int(exit_code_of(exc))) from None
    except KeyboardInterrupt as exc:
        typer.echo("syncreport: interrupted; nothing was written", err=True)
        raise typer.Exit(int(exit_code_of(exc))) from None
    except Exception as exc:
        if interrupts.pressed():  # it failed because of the Ctrl-C (see interrupts): an interrupt
            typer.echo("syncreport: interrupted; nothing was written", err=True)
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        if _state["debug"]:
            raise _debug_traceback(int(ExitCode.RUNTIME_FAILURE)) from None
        typer.echo(
            f"syncreport: internal error: {type(exc).__name__}; run again with --debug for the traceback "
            "and report it",
            err=True,
        )
        raise typer.Exit(int(ExitCode.RUNTIME_FAILURE)) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"syncreport {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing on success (for cron); errors still print.")
    ] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            help="Append a log of each run to this file (overrides logging.file).",
            dir_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """syncreport: the ART sync report from Jira."""
    from syncreport.logs import configure_logging

    _state.update(debug=debug, quiet=quiet, log_file=log_file)
    _run(lambda: configure_logging(log_file=log_file, quiet=quiet, debug=debug))


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The TOML config (see config.example.toml); default: $SYNCREPORT_CONFIG, ./syncreport.toml, "
        "then syncreport.toml in the user config directory.",
        dir_okay=False,
    ),
]


def _find_config(
    config: Path | None, *, required: bool = True, fix: str = "run 'syncreport init' to make one"
) -> Any:
    """The config file the same way for every command (syncreport.config_discovery), or one line and exit 2."""
    from syncreport.config_discovery import find_config, searched
    from syncreport.errors import ConfigError

    found = find_config(config)
    if found is None and required:
        _run(lambda: _raise(ConfigError(f"no config file found (looked at {searched()}); {fix}")))
    return found


def _raise(error: Exception) -> None:
    raise error


def _say_config(found: Any) -> None:
    if found is not None and not _state["quiet"]:
        _echo(f"Config: {found.path} (from {found.source})", err=True)


@app.command(rich_help_panel="Set up")
def init(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Where to write the new config.", dir_okay=False)
    ] = Path("syncreport.toml"),
    url: Annotated[
        str | None,
        typer.Option("--url", metavar="URL", help="The Jira site, e.g. https://acme.atlassian.net."),
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option(
            "--token-env",
            metavar="NAME",
            help="NAME of the environment variable that holds the API token / PAT (never the token itself).",
        ),
    ] = None,
    jira_email: Annotated[
        str | None,
        typer.Option(
            "--email", metavar="ADDR", help="Jira Cloud: the account e-mail that owns the API token."
        ),
    ] = None,
    project: Annotated[
        list[str] | None,
        typer.Option("--project", "-p", metavar="KEY", help="A project key of the train (repeat for more)."),
    ] = None,
    board: Annotated[
        list[int] | None,
        typer.Option(
            "--board",
            metavar="ID",
            help="A board id of the train (repeat; default: the projects' scrum boards).",
        ),
    ] = None,
    train: Annotated[
        str | None,
        typer.Option("--train", metavar="NAME", help="The train's name (default: from the projects)."),
    ] = None,
    jql: Annotated[
        str | None,
        typer.Option("--jql", metavar="JQL", help="The train's JQL (default: proposed from the projects)."),
    ] = None,
    link_type: Annotated[
        list[str] | None,
        typer.Option(
            "--link-type",
            metavar="NAME:SIDE",
            help="A dependency link type as NAME:outward or NAME:inward (which side provides); repeat.",
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            metavar="URL",
            help="Jira Cloud scoped API token: the API gateway, https://api.atlassian.com/ex/jira/<cloudId> "
            "(default: found when the site URL refuses the token).",
        ),
    ] = None,
    non_interactive: Annotated[
        bool,
        typer.Option("--non-interactive", help="Ask nothing: take every answer from the options (scripts)."),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing config file.")] = False,
) -> None:
    """Create a config from a live Jira site: finds projects, boards and the Sprint / Story points / Team fields."""
    from syncreport.setup_wizard import InitOptions, run_init

    options = InitOptions(
        path=config,
        url=url,
        token_env=token_env,
        email=jira_email,
        projects=tuple(project or ()),
        boards=tuple(board or ()),
        train=train,
        jql=jql,
        link_types=tuple(link_type or ()),
        force=force,
        api_url=api_url,
    )
    result = _run(lambda: run_init(options, prompter=None if non_interactive else _TyperPrompter()))
    if not _state["quiet"]:
        _echo(f"Wrote {result.path}. Next: syncreport check --config {result.path}")


class _TyperPrompter:
    """The wizard's questions on the terminal (only 'init' ever prompts)."""

    def say(self, message: str) -> None:
        _echo(message, err=True)

    def ask(self, question: str, default: str | None = None) -> str:
        try:
            answer: str = typer.prompt(
                for_terminal(question), default=for_terminal(default) if default else default, err=True
            )
        except typer.Abort:  # Ctrl-C or end of input at a prompt
            typer.echo("", err=True)
            raise KeyboardInterrupt from None
        return answer.strip()

    def confirm(self, question: str, default: bool = True) -> bool:
        try:
            return bool(typer.confirm(for_terminal(question), default=default, err=True))
        except typer.Abort:
            typer.echo("", err=True)
            raise KeyboardInterrupt from None


@app.command(rich_help_panel="Set up")
def check(
    config: ConfigOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the results as one JSON object on stdout (for scripts).")
    ] = False,
) -> None:
    """Check the config, connectivity, credentials, field mapping, the JQL and the boards; one line each."""
    from syncreport.config import load_config
    from syncreport.jira import run_checks

    found = _find_config(config)
    results = _run(lambda: run_checks(load_config(found.path)))
    if as_json:
        import json

        document = {
            "config": str(found.path),
            "config_source": found.source,
            "ok": all(result.ok for result in results),
            "checks": [
                {"name": r.name, "ok": r.ok, "warning": r.warning, "detail": r.detail, "fix": r.fix or None}
                for r in results
            ],
        }
        typer.echo(redact(json.dumps(document, ensure_ascii=True, indent=2)))
        if not document["ok"]:
            raise typer.Exit(int(ExitCode.RUNTIME_FAILURE))
        return
    _say_config(found)
    for result in results:
        mark = "FAIL" if not result.ok else "warn" if result.warning else "ok  "
        fix = f" -> {result.fix}" if (not result.ok or result.warning) and result.fix else ""
        _echo(f"{mark} {result.name}: {result.detail}{fix}")
    if not all(result.ok for result in results):
        raise typer.Exit(int(ExitCode.RUNTIME_FAILURE))


def _interactive() -> bool:
    return sys.stderr.isatty() and not _state["quiet"]


@app.command(rich_help_panel="Run")
def report(
    config: ConfigOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Folder for the reports (default: report.out_dir); '-' with --format json writes the JSON "
            "to stdout and nothing else (no files, e-mail, cards or page).",
        ),
    ] = None,
    formats: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="LIST",
            help="Comma-separated formats: html,pdf,json,csv,xlsx (default: report.formats).",
        ),
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot",
            metavar="FILE",
            help="Render this saved snapshot (from 'syncreport fetch --snapshot') instead of pulling from "
            "Jira; works without --config (default settings).",
            dir_okay=False,
        ),
    ] = None,
    email: Annotated[
        bool | None,
        typer.Option("--email/--no-email", help="E-mail the PDF (default: email.enabled in the config)."),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to",
            metavar="ADDR",
            help="A recipient (repeat for more); replaces email.to and implies --email.",
        ),
    ] = None,
    chat: Annotated[
        bool | None,
        typer.Option(
            "--chat/--no-chat",
            help="Post the summary card to the Slack / Teams webhooks of [chat] (default: on when configured).",
        ),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 3 when train health is this or worse, after delivering (default: report.fail_on).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing on success (same as 'syncreport --quiet').")
    ] = False,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            metavar="FILE",
            help="Append a log of the run to this file (overrides logging.file).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Pull from Jira, compute the indicators, write HTML/PDF/JSON and e-mail the PDF: the cron command.

    Exit codes: 0 delivered (or another run already holds the lock), 1 runtime failure, 2 usage or
    configuration error, 3 train health at or worse than --fail-on, 4 delivered but a chat webhook
    refused the card, 130 interrupted (Ctrl-C).
    """
    from syncreport.pipeline import run_report_from_files

    _state["quiet"] = _state["quiet"] or quiet
    _state["log_file"] = log_file or _state["log_file"]
    chatty = _interactive()
    found = _find_config(
        config,
        required=snapshot is None,
        fix="pass --config FILE (or set SYNCREPORT_CONFIG) to pull from Jira, or --snapshot FILE to render a "
        "saved snapshot",
    )
    to_stdout = out is not None and str(out) == "-"
    run = _run(
        lambda: run_report_from_files(
            found.path if found is not None else None,
            stdout=to_stdout,
            snapshot_path=snapshot,
            log_file=_state["log_file"],
            quiet=_state["quiet"],
            debug=_state["debug"],
            out_dir=None if to_stdout else out,
            formats=formats.split(",") if formats else None,
            email=email,
            to=to or None,
            fail_on=fail_on,
            chat=chat,
            progress=progress_bar(chatty),
            log=(lambda message: _echo(message, err=True)) if chatty else None,
            lay_out_apart=True,  # one process per run: the PDF's worker imports WeasyPrint meanwhile
        )
    )
    if to_stdout:
        typer.echo((run.stdout_document or b"").decode("utf-8"))
        if run.health_fails:
            raise typer.Exit(int(ExitCode.HEALTH_BELOW_THRESHOLD))
        return
    if not _state["quiet"]:
        _say_config(found)
        for path in run.paths:
            _echo(str(path))
        reasons = f": {'; '.join(run.health_reasons[:3])}" if run.health_reasons else ""
        mailed = f"; e-mailed to {', '.join(run.recipients)}" if run.emailed else ""
        posted = f"; posted to {' and '.join(run.posted)}" if run.posted else ""
        if run.confluence_url:
            _echo(f"Published to {run.confluence_url}", err=True)
        _echo(f"Train health {run.health.upper()}{reasons}{mailed}{posted}", err=True)
    if run.notify_error is not None:
        _echo(f"syncreport: error: {redact(run.notify_error)}", err=True)
        raise typer.Exit(int(ExitCode.NOTIFY_FAILED))
    if run.health_fails:
        _echo(
            f"syncreport: train health is {run.health} (--fail-on {run.fail_on}); the report was delivered",
            err=True,
        )
        raise typer.Exit(int(ExitCode.HEALTH_BELOW_THRESHOLD))


@app.command(rich_help_panel="Run")
def fetch(
    config: ConfigOption = None,
    *,
    snapshot: Annotated[
        Path, typer.Option("--snapshot", "-s", help="Write the snapshot here (gzipped JSON).", dir_okay=False)
    ],
) -> None:
    """Pull the train from Jira (incrementally) and save it as a snapshot file for offline reports."""
    from syncreport.config import load_config
    from syncreport.jira import pull_snapshot
    from syncreport.snapshot import save_snapshot

    progress = progress_bar(True)
    found = _find_config(config)
    path = _run(lambda: save_snapshot(pull_snapshot(load_config(found.path), progress=progress), snapshot))
    if not _state.get("quiet"):
        _say_config(found)
        _echo(str(path))


@app.command(rich_help_panel="Try it without a Jira site")
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo report.")] = Path(
        "syncreport-demo"
    ),
    issues: Annotated[int, typer.Option(help="Size of the simulated train.", min=50, max=200_000)] = 600,
    seed: Annotated[int, typer.Option(help="Seed of the simulated train.")] = 7,
) -> None:
    """Run the whole report path against the built-in Jira simulator and write HTML, PDF and JSON."""
    from syncreport.demo import run_demo

    progress = progress_bar(True)
    result = _run(lambda: run_demo(out, issues=issues, seed=seed, progress=progress, echo=_echo))
    for path in result.paths:
        _echo(str(path))


@app.command(rich_help_panel="Try it without a Jira site")
def simulator(
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).", min=0, max=65535)
    ] = 8765,
    deployment: Annotated[Deployment, typer.Option(help="The Jira dialect to speak.")] = "cloud",
    issues: Annotated[int, typer.Option(help="Issues in the train's projects.", min=50, max=200_000)] = 600,
    seed: Annotated[int, typer.Option(help="Seed of the generated train.")] = 7,
    latency_ms: Annotated[int, typer.Option("--latency-ms", help="Delay added to every answer.", min=0)] = 0,
) -> None:
    """Run the Jira simulator on 127.0.0.1 until Ctrl-C, for trying a config or a client against it."""
    from syncreport.simulator import serve_forever

    def serve() -> None:
        try:
            serve_forever(
                port=port, deployment=deployment, issues=issues, seed=seed, latency_ms=latency_ms,
                echo=lambda text: typer.echo(for_terminal(text, keep_newlines=True)),  # a TOML snippet
            )  # fmt: skip
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another --port, or --port 0 for a free one"
            ) from None

    _run(serve)


def main() -> None:
    interrupts.install()
    # The process ends after the command: the collection at its exit need not walk what the run left
    # (0.1 s at 10k issues). At exit only, so a caller of main() in its own process is not left frozen.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        app()
    except SystemExit as exc:
        if exc.code == ExitCode.INTERRUPTED:
            _exit_interrupted()
        sys.exit(exc.code)


def _exit_interrupted() -> NoReturn:
    """Exit 130 after a Ctrl-C, every time.

    Under ``python -m``, CPython ends the process by killing itself with SIGINT (status -2 to a parent process)
    when a KeyboardInterrupt ever ended a string ``exec`` or ``eval``, even one caught afterwards: dataclasses
    and namedtuple exec the methods they generate, so a Ctrl-C landing in a lazy import did that. Flush what is
    buffered and leave with the documented code instead of depending on where the Ctrl-C landed.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(ExitCode.INTERRUPTED)
