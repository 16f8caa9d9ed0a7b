"""The command line: each command parses its options and calls one library function.

This is the only module that prints to the user or picks an exit code, and nothing imports it.
A :class:`~syncreport.errors.SyncreportError` becomes one line on stderr and its exit code; any other
exception is a bug and shows its traceback only with ``--debug``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from syncreport import __version__
from syncreport.errors import ExitCode, SyncreportError

app = typer.Typer(
    name="syncreport",
    help="The weekly ART sync report from Jira: cross-team dependencies out of order, slippage, "
    "misalignment and what changed since last week, as HTML, PDF and JSON.",
    no_args_is_help=True,
    add_completion=False,
    # Rich tracebacks print local variables by default, which would put a Jira token into a cron mail.
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """Run a library call and turn a user error into one line and its exit code."""
    try:
        return action()
    except SyncreportError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"syncreport: error: {exc.message}", err=True)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        typer.echo("syncreport: interrupted; nothing was written", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:
        if _state["debug"]:
            raise
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
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """syncreport: the ART sync report from Jira."""
    _state["debug"] = debug


ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The TOML config (see config.example.toml).", dir_okay=False)
]


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo report.")] = Path(
        "syncreport-demo"
    ),
    issues: Annotated[int, typer.Option(help="Size of the simulated train.", min=50)] = 600,
    seed: Annotated[int, typer.Option(help="Seed of the simulated train.")] = 7,
) -> None:
    """Run the whole report path against the built-in Jira simulator and write HTML, PDF and JSON."""
    from syncreport.demo import run_demo

    progress = sys.stderr.isatty()
    result = _run(lambda: run_demo(out, issues=issues, seed=seed, progress=progress, echo=typer.echo))
    for path in result.paths:
        typer.echo(str(path))


@app.command()
def simulator(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    deployment: Annotated[str, typer.Option(help="cloud or datacenter.")] = "cloud",
    issues: Annotated[int, typer.Option(help="Issues in the generated train (300 to 100000).")] = 600,
    seed: Annotated[int, typer.Option(help="Seed of the generated train.")] = 7,
    latency_ms: Annotated[int, typer.Option("--latency-ms", help="Delay added to every answer.")] = 0,
) -> None:
    """Run the Jira simulator on 127.0.0.1 until Ctrl-C, for trying a config or a client against it."""
    from syncreport.simulator import serve_forever

    _run(
        lambda: serve_forever(
            port=port, deployment=deployment, issues=issues, seed=seed, latency_ms=latency_ms, echo=typer.echo
        )
    )


@app.command()
def fetch(
    config: ConfigOption,
    snapshot: Annotated[
        Path, typer.Option("--snapshot", "-s", help="Write the snapshot here (gzipped JSON).", dir_okay=False)
    ],
) -> None:
    """Pull the train from Jira (incrementally) and save it as a snapshot file for offline reports."""
    from syncreport.config import load_config
    from syncreport.jira import pull_snapshot
    from syncreport.snapshot import save_snapshot

    progress = sys.stderr.isatty()
    path = _run(lambda: save_snapshot(pull_snapshot(load_config(config), progress=progress), snapshot))
    if not _state.get("quiet"):
        typer.echo(str(path))


@app.command()
def check(config: ConfigOption) -> None:
    """Check the config, connectivity, credentials, field mapping, the JQL and the boards; one line each."""
    from syncreport.config import load_config
    from syncreport.jira import run_checks

    results = _run(lambda: run_checks(load_config(config)))
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        fix = f" -> {result.fix}" if not result.ok and result.fix else ""
        typer.echo(f"{mark} {result.name}: {result.detail}{fix}")
    if not all(result.ok for result in results):
        raise typer.Exit(int(ExitCode.RUNTIME_FAILURE))


def main() -> None:
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)
