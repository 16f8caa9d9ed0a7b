"""One report run, start to finish: pull (or load) -> compute -> render -> write -> e-mail -> remember.

:func:`run_report` is what ``syncreport report``, the demo and a cron job run. It is built for nobody
watching:

- everything that can be checked before the slow pull is checked first (recipients, SMTP password
  variable, formats, fail-on), so a wrong config fails in a second with exit 2;
- one run per report series at a time (:mod:`syncreport.deliver.lock`): a second run stops at once;
- every output is rendered in memory first, then all files appear together (:mod:`syncreport.deliver.files`),
  and the e-mail is built from those same finished bytes: never half a report on disk or in a mail;
- the JSON document is remembered (:mod:`syncreport.deliver.state`) only after the run delivered, so a
  failed e-mail does not hide this week's changes from next week's report.

Relative paths in a config file are relative to the config file's folder (resolved by
:func:`syncreport.config.load_config`), so a cron job gets the same folders whatever its working directory is.

Longer than 400 lines: the run's steps and their failure rules (what is written, sent and remembered when
a step fails) are one story and read best together.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncreport import artifacts, interrupts
from syncreport.clock import Clock, wall_clock
from syncreport.config import (
    Config,
    EmailSettings,
    IterationSettings,
    ReportSettings,
    ThresholdSettings,
    load_config,
)
from syncreport.deliver.email import (
    SUBJECT_FIELDS,
    PdfAttachment,
    build_message,
    check_recipients,
    check_smtp_settings,
    format_subject,
    send_message,
)
from syncreport.deliver.files import dated_name, remove_stale_temp_files, slugify, write_report_files
from syncreport.deliver.lock import RunInProgress, run_lock
from syncreport.deliver.state import (
    baseline_path,
    first_document_since,
    load_baseline,
    load_history,
    load_previous,
    save_baseline,
    save_document,
)
from syncreport.errors import ConfigError, DeliveryError, InterruptedAfterWriting, SyncreportError
from syncreport.gc_pause import gc_frozen
from syncreport.kinds import FORMATS, Health
from syncreport.logs import configure_logging, register_secret_env
from syncreport.progress import NO_PROGRESS, Progress
from syncreport.snapshot import Snapshot, load_snapshot
from syncreport.untrusted import isolate

if TYPE_CHECKING:
    from syncreport.deliver.chat import Webhook
    from syncreport.indicators.plan import BaselineInput
    from syncreport.indicators.results import IndicatorResults
    from syncreport.render.layout import LayoutWorker

logger = logging.getLogger(__name__)

STATE_FOLDER = ".syncreport"


@dataclass(frozen=True, slots=True)
class ReportRun:
    """What one run did; the CLI turns it into output and an exit code."""

    train: str
    pi: str | None
    taken_at: datetime
    health: Health
    health_reasons: tuple[str, ...]
    paths: tuple[Path, ...]  # the dated files, in the order of the formats
    latest_paths: tuple[Path, ...]  # the stable "<train>-latest.<ext>" copies
    removed: tuple[Path, ...]  # old dated files dropped by report.keep
    emailed: bool
    recipients: tuple[str, ...]
    previous: Path | None  # the state file "changes since last" compared with (None: first run)
    fail_on: str | None
    confluence_url: str | None = None  # the Confluence page the report was published to
    posted: tuple[str, ...] = ()  # the chat services the card was posted to ("Slack", "Teams")
    notify_error: str | None = None  # a chat webhook refused the card (exit 4); the report was delivered
    stdout_document: bytes | None = None  # --out -: the JSON document, for the CLI to write to stdout

    @property
    def health_fails(self) -> bool:
        """True when health is at or beyond ``fail_on`` (exit code 3)."""
        return self.fail_on is not None and Health(self.health) >= self.fail_on


@dataclass(frozen=True, slots=True)
class _Plan:
    """Every decision made from config and options, before any slow work."""

    formats: tuple[str, ...]
    out_dir: Path
    state_dir: Path | None  # None: <out_dir>/.syncreport
    keep: int
    changes_since_days: int
    fail_on: str | None
    email: EmailSettings | None  # None: no e-mail
    recipients: tuple[str, ...]
    webhooks: tuple[Webhook, ...] = ()  # chat cards to post after delivering


def _plan(
    config: Config | None,
    *,
    out_dir: Path | None,
    formats: Sequence[str] | None,
    email: bool | None,
    to: Sequence[str] | None,
    fail_on: str | None,
    chat: bool | None = None,
) -> _Plan:
    report = config.report if config else ReportSettings()
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in (formats or report.formats) if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ConfigError(
            f"unknown report format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}"
        )
    threshold = fail_on or report.fail_on
    if threshold is not None and threshold not in ("red", "amber"):
        raise ConfigError(f"--fail-on must be red or amber, not '{threshold}'")
    email_on = email if email is not None else bool(to) or bool(config and config.email.enabled)
    recipients: tuple[str, ...] = ()
    if email_on:
        if config is None:
            raise ConfigError("e-mail needs the [email] section of a config file; pass --config")
        recipients = tuple(check_recipients(list(to) if to else config.email.to))
        format_subject(config.email.subject, dict.fromkeys(SUBJECT_FIELDS, ""))  # a bad placeholder fails now
        check_smtp_settings(config.email)  # the password variable and the CA file, now, not after the pull
    if report.templates_dir is not None:
        from syncreport.render.html import check_templates  # imported here: the CLI starts fast without it

        check_templates(report.templates_dir)
    hooks: tuple[Webhook, ...] = ()
    if config is not None and chat is not False:
        from syncreport.deliver.chat import webhooks

        hooks = tuple(webhooks(config.chat))  # a missing webhook variable fails now, not after the pull
    if config is not None and config.confluence.url:
        from syncreport.deliver.confluence import check_settings

        check_settings(config.confluence)  # the token variable and the title, before the pull
    elif chat and config is None:
        raise ConfigError("chat cards need the [chat] section of a config file; pass --config")
    return _Plan(
        formats=chosen,
        out_dir=(Path(out_dir) if out_dir is not None else report.out_dir).absolute(),
        state_dir=report.state_dir,
        keep=report.keep,
        changes_since_days=report.changes_since_days,
        fail_on=threshold,
        email=config.email if email_on and config else None,
        recipients=recipients,
        webhooks=hooks,
    )


def _pull(config: Config, progress: Progress, now: Clock, *, rendering: bool = False) -> Snapshot:
    """The train's snapshot; meanwhile, what computing imports, and what rendering the HTML or the PDF
    imports when the run makes one (``rendering``)."""
    from syncreport.jira import pull_snapshot  # imported here: the CLI starts fast without it

    _import_meanwhile(_COMPUTING_MODULES + (_RENDERING_MODULES if rendering else ()))
    return pull_snapshot(config, progress=progress, now=now)


# What computing the indicators imports (pandas, numpy: about half a second), made while the pull waits
# for Jira's answers; and what rendering the HTML and the print document imports (Jinja, the view: 0.1 s
# of the main thread's warm run otherwise, docs/performance.md, round eight).
_COMPUTING_MODULES = ("syncreport.indicators.compute", "syncreport.indicators.export")
_RENDERING_MODULES = ("syncreport.render.pdf", "syncreport.render.json_text")


def _import_meanwhile(modules: Sequence[str]) -> None:
    """Import ``modules`` in a thread of their own while this one goes on (the pull's modules are imported
    already, so the two do not import the same modules at once). A failed import is left to the run: it
    imports them again where it needs them, and fails there with the error it would have had."""

    def load() -> None:
        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # the run's own import says what is wrong
                return

    threading.Thread(target=load, name="syncreport-imports", daemon=True).start()


def _compute(
    snapshot: Snapshot,
    config: Config | None,
    previous: dict[str, Any] | None,
    baseline: BaselineInput | None = None,
    history: Sequence[dict[str, Any]] = (),
) -> IndicatorResults:
    from syncreport.config import CapacitySettings
    from syncreport.indicators import compute_indicators

    return compute_indicators(
        snapshot,
        thresholds=config.thresholds if config else ThresholdSettings(),
        iterations=config.iterations if config else IterationSettings(),
        previous=previous,
        capacity=config.capacity if config else CapacitySettings(),
        baseline=baseline,
        history=history,
    )


def _baseline(config: Config | None, folder: Path, snapshot: Snapshot) -> tuple[BaselineInput, bool]:
    """The PI baseline to compare with, and whether to keep that document as the baseline (one found in
    the rolling history by ``[baseline] date``, so retention cannot drop it)."""
    from syncreport.indicators.baseline import FIRST_ITERATION
    from syncreport.indicators.export import to_json_document
    from syncreport.indicators.plan import BaselineInput

    settings = config.baseline if config is not None else None
    pi = snapshot.current_pi
    if settings is not None and settings.snapshot is not None:
        planned = load_snapshot(settings.snapshot)
        document = to_json_document(_compute(planned, config, None))
        when = planned.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return BaselineInput(document, f"the snapshot {settings.snapshot.name} ({when})"), False
    take_from = settings.date if settings is not None else None
    source = f"the first run on or after {take_from}" if take_from else FIRST_ITERATION
    if pi is None:
        return BaselineInput(None, source, take_from), False
    kept, _ = load_baseline(folder, pi)
    if kept is not None:
        return BaselineInput(kept, source, take_from), False
    if baseline_path(folder, pi).exists():  # there, but damaged: say so, never replace it silently
        return BaselineInput(None, source, take_from, damaged=str(baseline_path(folder, pi))), False
    if take_from is not None:
        earlier = first_document_since(folder, take_from, pi)
        if earlier is not None:
            return BaselineInput(earlier, source, take_from), True
    return BaselineInput(None, source, take_from), False


def _render(
    results: IndicatorResults,
    snapshot: Snapshot,
    settings: ReportSettings,
    formats: Sequence[str],
    need_pdf: bool,
    worker: LayoutWorker | None = None,
    meanwhile: Callable[[dict[str, Any], bytes | None], None] | None = None,
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Every output in memory (ext -> bytes, in the order of ``formats``), and the JSON document (kept as
    the next run's state). The PDF is started first: its parts not kept are laid out (by ``worker``) while
    the other formats render, and then while ``meanwhile`` runs (given the document and the JSON's bytes)."""
    from syncreport.indicators.export import to_json_document
    from syncreport.render import json_text, render_html, start_pdf

    # the print document first: the worker lays it out while the JSON document and the other formats are made
    pdf = start_pdf(results, snapshot, settings, worker=worker) if need_pdf or "pdf" in formats else None
    document = to_json_document(results)
    outputs: dict[str, bytes] = {}
    for ext in formats:
        if ext == "html":
            outputs["html"] = render_html(results, snapshot, settings).encode("utf-8")
        elif ext == "pdf":
            outputs["pdf"] = b""  # its place among the outputs; the bytes once laid out (below)
        elif ext == "json":
            outputs["json"] = json_text.encode(document)  # json.dumps(indent=2)'s bytes, by orjson
        elif ext in ("csv", "xlsx"):
            from syncreport.render.spreadsheet import spreadsheet_outputs

            outputs.update(spreadsheet_outputs(results, [ext]))
    if pdf is not None:
        if meanwhile is not None:
            meanwhile(document, outputs.get("json"))
        outputs["pdf" if "pdf" in formats else "_pdf_for_email"] = pdf()
    return outputs, document


def _lay_out_next_front(
    document: dict[str, Any],
    encoded: bytes | None,
    *,
    config: Config | None,
    snapshot: Snapshot,
    settings: ReportSettings,
    results: IndicatorResults,
    previous: dict[str, Any] | None,
    changes_since_days: int,
    baseline: BaselineInput,
    keep_baseline: bool,
    history: Sequence[dict[str, Any]],
) -> None:
    """The front of the next run's PDF (its header and summary), laid out in this process and kept in the
    run's store while the worker lays out this run's PDF: for the first run of a series (no earlier run to
    compare with, or no trends yet). The next run compares with this one and has trends, so its front
    differs from this run's (its changes since this run, the thresholds on the trends' page), and without
    this it lays that front out on its own critical path (1 to 2 CPU s at 10,000 issues, most of the
    first warm run's extra second).

    Its figures are computed as the next run computes them when Jira has not changed: this snapshot a
    microsecond later (any later moment of the day has the same figures but where an age rolls over), this
    run's document as its state file reads back as the previous run's, this run's trend summary added to
    the history, the baseline this run keeps. Speculative, never stale: a kept part is named by its own
    document, so a next run whose front differs (Jira changed, an age rolled over to another day) lays its
    own out. A failure here costs only the head start: it is logged, and the run goes on."""
    if artifacts.current() is None:
        return
    try:
        import json

        import orjson

        from syncreport.indicators.trends import trend_summary
        from syncreport.render import json_text
        from syncreport.render.assemble import keep_front
        from syncreport.render.html import render_document
        from syncreport.render.lean_print import merge_markers
        from syncreport.render.pdf import lay_out

        remembered = orjson.loads(encoded if encoded is not None else json_text.encode(document))
        if snapshot.current_pi is not None and (keep_baseline or results.baseline.take_now):
            kept = baseline.document if keep_baseline and baseline.document is not None else remembered
            baseline = replace(baseline, document=kept, damaged=None)
        later = _compute(
            replace(
                snapshot, taken_at=snapshot.taken_at + timedelta(microseconds=1)
            ),  # the next run, soonest
            config,
            remembered if changes_since_days == 0 else previous,
            baseline,
            [*history, json.loads(json.dumps(trend_summary(document), ensure_ascii=False))],
        )
        keep_front(merge_markers(render_document(later, snapshot, settings, for_print=True)), lay_out)
    except Exception as exc:  # a head start for the next run, not this run's report
        logger.warning("could not lay out the next run's first pages ahead (%s); the next run does", exc)


def _needs_pdf(plan: _Plan, config: Config | None) -> bool:
    """A PDF is made: as a file, for the e-mail, or for Confluence."""
    return (
        "pdf" in plan.formats
        or plan.email is not None
        or bool(config and "pdf" in config.confluence.attach and config.confluence.url)
    )


@contextmanager
def _layout_worker(wanted: bool) -> Iterator[LayoutWorker | None]:
    """The PDF layout worker of a run that makes a PDF (:mod:`syncreport.render.layout`), stopped when the
    run ends; None when not wanted or when this process has imported WeasyPrint already (laying out here
    is cheaper then)."""
    if not wanted or "weasyprint" in sys.modules:
        yield None
        return
    from syncreport.render.layout import LayoutWorker

    worker = LayoutWorker()
    try:
        yield worker
    finally:
        worker.close()


def _artifact_store(config: Config | None, now: Clock) -> artifacts.ArtifactStore | None:
    """The rendered parts kept beside the Jira cache (``<cache file>.rendered/``); None when the cache is off
    or there is no config (an offline ``--snapshot`` run keeps nothing)."""
    if config is None or not config.cache.enabled:
        return None
    from syncreport.jira.cache import default_cache_path

    base = config.cache.path or default_cache_path()
    return artifacts.ArtifactStore(base.with_name(f"{base.name}.rendered"), clock=lambda: now().timestamp())


def _report_settings(config: Config | None) -> ReportSettings:
    return config.report if config else ReportSettings()


def run_report(  # noqa: PLR0913 - the run's options and a caller's seams (clock, terminal, PDF worker)
    config: Config | None,
    *,
    snapshot_path: Path | None = None,
    out_dir: Path | None = None,
    formats: Sequence[str] | None = None,
    email: bool | None = None,
    to: Sequence[str] | None = None,
    fail_on: str | None = None,
    chat: bool | None = None,
    progress: Progress = NO_PROGRESS,
    log: Callable[[str], None] | None = None,
    now: Clock = wall_clock,
    stdout: bool = False,
    lay_out_apart: bool = False,
) -> ReportRun:
    """Produce and deliver one report. ``config`` may be None only with ``snapshot_path`` (default settings).

    ``now`` is the run's one clock (the wall clock unless a caller pins it): the pull's ``taken_at``, so every
    figure, the files' date and "changes since last" are as of it. A saved snapshot keeps its own time.
    ``lay_out_apart``: the PDF is laid out by a worker process started now, which imports WeasyPrint while
    the run pulls and computes (the CLI's runs: one process per run).

    Raises :class:`~syncreport.errors.SyncreportError` subclasses with one-line messages;
    :class:`~syncreport.deliver.lock.RunInProgress` (exit 0) when another run of the series holds the lock.
    """
    say = log or (lambda _message: None)
    if config is None and snapshot_path is None:
        raise ConfigError(
            "pass --config FILE (or set SYNCREPORT_CONFIG) to pull from Jira, or --snapshot FILE to render a saved snapshot"
        )
    if config is not None:
        register_secret_env([config.jira.token_env, config.email.password_env])
    if stdout:  # --out -: the JSON document for a pipe; nothing written, sent or posted
        if [f.strip().lower() for f in formats or ()] != ["json"]:
            raise ConfigError("--out - writes the JSON document to stdout; use it with --format json")
        email, chat, to = False, False, None
        if config is not None:
            config = config.model_copy(
                update={"confluence": config.confluence.model_copy(update={"url": None})}
            )
    plan = _plan(config, out_dir=out_dir, formats=formats, email=email, to=to, fail_on=fail_on, chat=chat)

    snapshot = load_snapshot(snapshot_path) if snapshot_path is not None else None
    train = config.train.name if config is not None else snapshot.train if snapshot else "train"
    slug = slugify(train)
    state_root = plan.state_dir or plan.out_dir / STATE_FOLDER
    delivery = _Delivery(email="not sent" if plan.email is not None else None)
    with (
        _interrupted_after_writing(delivery),
        nullcontext() if stdout else run_lock(state_root / f"{slug}.lock"),
        gc_frozen() as freeze,
        _layout_worker(lay_out_apart and _needs_pdf(plan, config)) as worker,  # imports WeasyPrint meanwhile
    ):
        logger.info("report run for %s started (out: %s)", train, plan.out_dir)
        for stale in remove_stale_temp_files(plan.out_dir, slug):
            logger.warning("removed %s, left behind by an interrupted run", stale.name)
        if snapshot is None:
            assert config is not None
            say(f"Pulling {train} from {config.jira.url} ...")
            snapshot = _pull(
                config, progress, now, rendering="html" in plan.formats or _needs_pdf(plan, config)
            )
        interrupts.check()
        say(f"Computing indicators for {len(snapshot.issues)} issues ...")
        previous, previous_path = load_previous(
            state_root / slug, snapshot.taken_at, min_age_days=plan.changes_since_days
        )
        baseline, keep_baseline = _baseline(config, state_root / slug, snapshot)
        settings = _report_settings(config)
        history = load_history(state_root / slug, snapshot.taken_at, days=settings.history_days)
        results = _compute(snapshot, config, previous, baseline, history)
        freeze()  # the snapshot and the results live to the end of the run: full collections skip them
        interrupts.check()
        say(f"Rendering {', '.join(plan.formats)} ...")
        with artifacts.using(_artifact_store(config, now)):  # charts and PDFs made before are kept there
            outputs, document = _render(
                results,
                snapshot,
                settings,
                plan.formats,
                need_pdf=_needs_pdf(plan, config),
                worker=worker,
                # a first run of the series, its PDF laid out apart: the next run's front meanwhile
                meanwhile=(
                    partial(
                        _lay_out_next_front,
                        config=config,
                        snapshot=snapshot,
                        settings=settings,
                        results=results,
                        previous=previous,
                        changes_since_days=plan.changes_since_days,
                        baseline=baseline,
                        keep_baseline=keep_baseline,
                        history=history,
                    )
                    if worker is not None and (previous is None or not history)
                    else None
                ),
            )
        day = snapshot.taken_at.astimezone().date()
        if stdout:
            return _stdout_run(results, snapshot, outputs["json"], previous_path, plan.fail_on)
        message = None
        pdf_only = outputs.pop("_pdf_for_email", None)  # rendered for the e-mail or Confluence, not a file
        if plan.email is not None:
            pdf_bytes = outputs.get("pdf") or pdf_only
            assert pdf_bytes is not None
            message = _email_message(
                plan.email,
                plan.recipients,
                results,
                snapshot,
                settings,
                slug=slug,
                day=day,
                pdf_bytes=pdf_bytes,
            )
        interrupts.check()
        written = write_report_files(plan.out_dir, slug, day, outputs, keep=plan.keep)
        delivery.written = written.dated
        for path in written.dated:
            logger.info("wrote %s", path)
        interrupts.check()
        if message is not None and plan.email is not None:
            say(f"E-mailing {len(plan.recipients)} recipient(s) ...")
            delivery.email = "sending"
            try:
                send_message(plan.email, message, plan.recipients)
            except DeliveryError as exc:
                raise DeliveryError(f"{exc.message} (the report files are in {plan.out_dir})") from None
            delivery.email = "sent"
        page_url = _publish(
            config, results, snapshot, slug=slug, day=day, outputs=outputs, pdf_only=pdf_only, say=say
        )
        posted, notify_error = _post_cards(plan, config, results, snapshot, written.latest, say, page_url)
        from syncreport.indicators.trends import trend_summary

        interrupts.check()
        save_document(
            state_root / slug,
            snapshot.taken_at,
            document,
            keep=max(plan.keep, plan.changes_since_days + 2),
            summary=trend_summary(document),
            history_days=settings.history_days,
            encoded=outputs.get("json"),  # the report's JSON is the document's: not encoded twice
        )
        delivery.remembered = True
        if snapshot.current_pi is not None and (keep_baseline or results.baseline.take_now):
            kept = baseline.document if keep_baseline and baseline.document is not None else document
            if save_baseline(state_root / slug, snapshot.current_pi, kept) is not None:
                logger.info("kept this run's plan as the baseline of %s", snapshot.current_pi)
        health = results.train_health.health
        logger.info("report run for %s finished: health %s, e-mailed %s", train, health, bool(message))
    return ReportRun(
        train=results.train.name,
        pi=results.train.pi,
        taken_at=snapshot.taken_at,
        health=health,
        health_reasons=tuple(results.train_health.reasons),
        paths=written.dated,
        latest_paths=written.latest,
        removed=written.removed,
        emailed=message is not None,
        recipients=plan.recipients,
        previous=previous_path,
        fail_on=plan.fail_on,
        confluence_url=page_url,
        posted=posted,
        notify_error=notify_error,
    )


def _stdout_run(
    results: IndicatorResults, snapshot: Snapshot, document: bytes, previous: Path | None, fail_on: str | None
) -> ReportRun:
    return ReportRun(
        train=results.train.name,
        pi=results.train.pi,
        taken_at=snapshot.taken_at,
        health=results.train_health.health,
        health_reasons=tuple(results.train_health.reasons),
        paths=(),
        latest_paths=(),
        removed=(),
        emailed=False,
        recipients=(),
        previous=previous,
        fail_on=fail_on,
        stdout_document=document,
    )


def _publish(
    config: Config | None,
    results: IndicatorResults,
    snapshot: Snapshot,
    *,
    slug: str,
    day: date,
    outputs: dict[str, bytes],
    pdf_only: bytes | None,
    say: Callable[[str], None],
) -> str | None:
    """Create or update the Confluence page (after the files and the e-mail); its URL, or None when off."""
    interrupts.check()  # a Ctrl-C Python swallowed stops the run before this delivery
    if config is None or not config.confluence.url:
        return None
    from syncreport.deliver.chat import summarize
    from syncreport.deliver.confluence import page_title, publish, storage_body

    settings = config.confluence
    files = {}
    for ext in settings.attach:
        data = outputs.get(ext) or (pdf_only if ext == "pdf" else None)
        if data is not None:
            files[f"{slug}-latest.{ext}"] = data
    title = page_title(
        settings, {"train": results.train.name, "pi": results.train.pi or "", "date": day.isoformat()}
    )
    say(f"Publishing to Confluence: {title} ...")
    summary = summarize(results, snapshot.issue_url, "the attachments")
    page = publish(settings, title, storage_body(summary, tuple(files)), files)
    return page.url


def _post_cards(
    plan: _Plan,
    config: Config | None,
    results: IndicatorResults,
    snapshot: Snapshot,
    latest: Sequence[Path],
    say: Callable[[str], None],
    page_url: str | None = None,
) -> tuple[tuple[str, ...], str | None]:
    """The chat cards, once each, after the files (and the e-mail) are delivered: (posted, error or None)."""
    interrupts.check()  # a Ctrl-C Python swallowed stops the run before this delivery
    if not plan.webhooks or config is None:
        return (), None
    from syncreport.deliver.chat import notify, summarize

    by_ext = {path.suffix.lstrip("."): path for path in latest}
    where = (
        config.chat.report_url
        or page_url
        or str(by_ext.get("html") or by_ext.get("pdf") or (latest or [plan.out_dir])[0])
    )
    say(f"Posting the card to {', '.join(hook.service for hook in plan.webhooks)} ...")
    summary = summarize(results, snapshot.issue_url, where)
    posted, error = notify(plan.webhooks, summary, timeout=config.chat.timeout_seconds)
    if error is not None:
        logger.error("%s", error, extra={"file_only": True})
    return tuple(posted), error


@dataclass(slots=True)
class _Delivery:
    """How far delivery got, for the message of a Ctrl-C (see :class:`InterruptedAfterWriting`)."""

    email: str | None  # None (no e-mail), "not sent", "sending", "sent"
    written: tuple[Path, ...] = ()
    remembered: bool = False


@contextmanager
def _interrupted_after_writing(delivery: _Delivery) -> Iterator[None]:
    """A Ctrl-C once files are written says what was delivered; before that, it stays a plain interrupt."""
    try:
        yield
    except InterruptedAfterWriting as exc:
        if not exc.complete:
            raise
        raise InterruptedAfterWriting(exc.written, email=delivery.email) from None
    except KeyboardInterrupt:
        if not delivery.written:
            raise
        raise InterruptedAfterWriting(
            delivery.written, email=delivery.email, remembered=delivery.remembered
        ) from None
    except Exception:
        if not interrupts.pressed():
            raise
        # What failed after a Ctrl-C failed because of it (a request cut off, a pool shut down): an interrupt.
        if not delivery.written:
            raise KeyboardInterrupt from None
        raise InterruptedAfterWriting(
            delivery.written, email=delivery.email, remembered=delivery.remembered
        ) from None


def _email_message(
    settings: EmailSettings,
    recipients: Sequence[str],
    results: IndicatorResults,
    snapshot: Snapshot,
    report_settings: ReportSettings,
    *,
    slug: str,
    day: date,
    pdf_bytes: bytes,
) -> EmailMessage:
    from syncreport.render import render_email_summary

    html, text = render_email_summary(results, snapshot, report_settings)  # templates_dir applies here too
    subject = format_subject(
        settings.subject,
        {
            "train": isolate(results.train.name),  # names in a sentence: isolated bidi runs
            "pi": isolate(results.train.pi) if results.train.pi else "",
            "date": day.isoformat(),
            "health": results.train_health.health,
        },
    )
    return build_message(
        sender=settings.sender,
        to=recipients,
        subject=subject,
        html=html,
        text=text,
        pdf=PdfAttachment(dated_name(slug, day, "pdf"), pdf_bytes),
    )


def run_report_from_files(
    config_path: Path | None,
    *,
    snapshot_path: Path | None = None,
    log_file: Path | None = None,
    quiet: bool = False,
    debug: bool = False,
    **options: Any,
) -> ReportRun:
    """``syncreport report``: load the config, set up its log file, run, and log how the run ended.

    ``options`` are :func:`run_report`'s keyword arguments. Failures are written to the log file too
    (the console gets them once, from the CLI).
    """
    register_secret_env()  # variables named like secrets, before anything can fail and print
    configure_logging(log_file=log_file, quiet=quiet, debug=debug)  # so a bad config file is logged too
    try:
        config = load_config(config_path) if config_path is not None else None
        if config is not None:
            register_secret_env([config.jira.token_env, config.email.password_env])
            if log_file is None and config.logging.file is not None:
                log_file = config.logging.file
            configure_logging(log_file=log_file, level=config.logging.level, quiet=quiet, debug=debug)
        return run_report(config, snapshot_path=snapshot_path, **options)
    except RunInProgress as exc:
        logger.info("%s", exc.message, extra={"file_only": True})
        raise
    except InterruptedAfterWriting as exc:
        logger.warning("report run %s", exc.message, extra={"file_only": True})
        raise
    except KeyboardInterrupt:
        logger.warning("report run interrupted; nothing was written", extra={"file_only": True})
        raise
    except SyncreportError as exc:
        logger.error("report run failed: %s", exc.message, extra={"file_only": True})
        raise
    except Exception:
        logger.exception("report run failed with an internal error", extra={"file_only": True})
        raise
