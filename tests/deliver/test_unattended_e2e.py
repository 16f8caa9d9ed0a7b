"""The done-when test of the unattended path: `syncreport report` as cron runs it, in a subprocess, against
the Jira simulator (real HTTP on 127.0.0.1) and a real SMTP server on loopback (aiosmtpd).

- a full run delivers: exit 0, no output with --quiet, the files, and one e-mail with a valid PDF;
- a second run started while the first holds the lock exits 0 at once without output, and only the first
  run e-mails;
- a run SIGKILLed mid-way (while rendering, or between writing two temp files) leaves no partial report:
  the previous report is byte-for-byte untouched, nothing is e-mailed, and the next run cleans up.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from syncreport.setup_wizard import render_toml
from syncreport.simulator import SimulatorHandle, demo_config
from tests.deliver.conftest import Received, SmtpFactory, SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOKEN_ENV = "ORBIT_E2E_TOKEN"
SLUG = "orbit-art"  # demo_config's train "Orbit ART"


def _write_config(sim: SimulatorHandle, smtp: SmtpServer | SimpleNamespace, tmp_path: Path) -> Path:
    data = demo_config(sim, token_env=TOKEN_ENV)
    data["report"] = {"out_dir": "reports", "keep": 4}  # relative: to the config file's folder
    data["email"] = {
        "enabled": True,
        "smtp_host": smtp.host,
        "smtp_port": smtp.port,
        "security": "plain",
        "sender": "syncreport@orbit.test",
        "to": ["rte@orbit.test", "po@orbit.test"],
        "subject": "[{health}] {train} {pi} ({date})",
    }
    data["cache"] = {"path": str(tmp_path / "cache" / "jira.sqlite3")}
    data["logging"] = {"file": str(tmp_path / "logs" / "syncreport.log")}
    path = tmp_path / "orbit.toml"
    path.write_text(render_toml(data))
    return path


def _env(sim: SimulatorHandle) -> dict[str, str]:
    return {**os.environ, TOKEN_ENV: sim.token}


def _report(
    config: Path, sim: SimulatorHandle, *extra: str, quiet: bool = True
) -> subprocess.CompletedProcess[str]:
    args = [
        sys.executable,
        "-m",
        "syncreport",
        *(["--quiet"] if quiet else []),
        "report",
        "--config",
        str(config),
    ]
    return subprocess.run(
        [*args, *extra], env=_env(sim), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=240
    )


def _report_files(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else []


def _assert_valid_report_mail(received: Received) -> None:
    message = received.message
    assert received.rcpt_tos == ["rte@orbit.test", "po@orbit.test"]
    # the train's and the PI's names are isolated bidi runs (FSI ... PDI) in the subject
    assert re.fullmatch(
        r"\[(green|amber|red)\] \u2068Orbit ART\u2069 \u2068PI 26\.4\u2069 \(\d{4}-\d{2}-\d{2}\)",
        message["Subject"],
    )
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    assert "Orbit ART" in plain.get_content()
    assert "Orbit ART" in html.get_content()
    [attachment] = list(message.iter_attachments())
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    # WeasyPrint's embedded fonts come out of pypdf as UTF-16 with NULs between the letters.
    assert "Orbit ART" in reader.pages[0].extract_text().replace("\x00", "")


def _wait_until_locked(log_file: Path, process: subprocess.Popen[str], seconds: float = 60) -> None:
    """Wait for the run's first log line, which it writes once it holds the lock.

    (Probing the lock with a FileLock of our own could, for a moment, take it from the run.)
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if log_file.exists() and "report run for Orbit ART started" in log_file.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"the first run did not start within {seconds}s")


def test_cron_run_delivers_and_a_second_run_during_it_exits_cleanly_without_output(
    simulator: Callable[..., SimulatorHandle], smtp_server: SmtpFactory, tmp_path: Path
) -> None:
    sim = simulator(deployment="cloud", latency_ms=40)  # the first run's pull takes a few seconds
    smtp = smtp_server(security="plain")
    config = _write_config(sim, smtp, tmp_path)
    args = [sys.executable, "-m", "syncreport", "--quiet", "report", "--config", str(config)]
    first = subprocess.Popen(
        args,
        env=_env(sim),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_locked(tmp_path / "logs" / "syncreport.log", first)
        started = time.monotonic()
        second = _report(config, sim, quiet=False)  # not even --quiet: a locked-out run says nothing
        assert second.returncode == 0
        assert (second.stdout, second.stderr) == ("", "")
        assert time.monotonic() - started < 20  # it did not wait for the first run
        assert first.poll() is None  # ...which was still going
        assert _report_files(tmp_path / "reports") == []
        out, err = first.communicate(timeout=240)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    # The first run delivered, as cron runs it: exit 0, nothing printed, files, exactly one e-mail.
    assert first.returncode == 0, err
    assert (out, err) == ("", "")
    reports = tmp_path / "reports"
    names = _report_files(reports)
    dated = [n for n in names if "latest" not in n]
    assert len(dated) == 3 and {n.rsplit(".", 1)[1] for n in dated} == {"html", "pdf", "json"}
    assert {f"{SLUG}-latest.html", f"{SLUG}-latest.pdf", f"{SLUG}-latest.json"} <= set(names)
    [received] = smtp.messages  # only the first run delivered
    _assert_valid_report_mail(received)
    [attachment] = list(received.message.iter_attachments())
    dated_pdf = next(reports / n for n in dated if n.endswith(".pdf"))
    assert attachment.get_filename() == dated_pdf.name
    assert attachment.get_content() == dated_pdf.read_bytes()  # the mail carries exactly the file on disk
    log = (tmp_path / "logs" / "syncreport.log").read_text()
    assert "another syncreport run holds" in log
    assert "report run for Orbit ART finished" in log
    assert sim.token not in log
    for name in names:  # nor in a report (the PDF's text streams are compressed: its text is checked)
        assert sim.token.encode() not in (reports / name).read_bytes()
    assert sim.token not in received.message.as_string()
    pdf_text = "".join(page.extract_text() for page in PdfReader(dated_pdf).pages).replace("\x00", "")
    assert "Orbit ART" in pdf_text and sim.token not in pdf_text


# The child is the real CLI with one fault: it stops dead at the chosen stage and says so on stdout.
_STOPPER = textwrap.dedent(
    """
    import sys, time
    import syncreport.render as render
    from syncreport.deliver import files
    from syncreport.cli import main

    stage, config = sys.argv[1], sys.argv[2]

    def stop_here():
        print("STOPPED", flush=True)
        time.sleep(600)

    if stage == "render":
        real_start = render.start_pdf
        def start_pdf(*args, **kwargs):
            finish = real_start(*args, **kwargs)
            def finish_and_stop():
                finish()
                stop_here()
            return finish_and_stop
        render.start_pdf = start_pdf
    else:
        real_write = files._write_temp
        written = []
        def write_temp(folder, name, data):
            written.append(real_write(folder, name, data))
            if len(written) == 2:  # two temp files complete, the rest not yet written, nothing renamed
                stop_here()
            return written[-1]
        files._write_temp = write_temp
    sys.argv = ["syncreport", "report", "--config", config]
    main()
    """
)


def _kill_at(stage: str, config: Path, sim: SimulatorHandle) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _STOPPER, stage, str(config)],
        env=_env(sim),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "STOPPED"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()


def test_a_run_killed_mid_way_leaves_no_partial_report(
    simulator: Callable[..., SimulatorHandle], smtp_server: SmtpFactory, tmp_path: Path
) -> None:
    sim = simulator(deployment="cloud")
    smtp = smtp_server(security="plain")
    config = _write_config(sim, smtp, tmp_path)
    out = tmp_path / "reports"
    assert _report(config, sim).returncode == 0  # an earlier, complete report of today
    before = {name: (out / name).read_bytes() for name in _report_files(out)}
    assert len(before) == 6 and len(smtp.messages) == 1

    for stage, temps_left in (("render", 0), ("write", 2)):
        _kill_at(stage, config, sim)
        # Every report file is exactly the earlier complete one; no new name appeared; nothing was mailed.
        assert {name: (out / name).read_bytes() for name in _report_files(out)} == before, stage
        assert len(smtp.messages) == 1, stage
        assert len(list(out.glob(f".{SLUG}-*.tmp"))) == temps_left, stage

    # The next cron run cleans up after the killed one and delivers.
    again = _report(config, sim)
    assert again.returncode == 0, again.stderr
    assert (again.stdout, again.stderr) == ("", "")  # --quiet: the clean-up warning goes to the log only
    assert list(out.glob("*.tmp")) == [] and list(out.glob(".*.tmp")) == []
    assert len(smtp.messages) == 2
    _assert_valid_report_mail(smtp.messages[1])
    assert "left behind by an interrupted run" in (tmp_path / "logs" / "syncreport.log").read_text()


def test_ctrl_c_while_e_mailing_says_the_files_were_written_and_exits_130(
    simulator: Callable[..., SimulatorHandle], tmp_path: Path
) -> None:
    # The SMTP server accepts the connection and never greets: the run has written its files and waits in
    # the e-mail step when we press Ctrl-C. Saying "nothing was written" there would be false.
    sim = simulator(deployment="cloud")
    with socket.socket() as stalled:
        stalled.bind(("127.0.0.1", 0))
        stalled.listen()
        stalled.settimeout(200)
        config = _write_config(
            sim, SimpleNamespace(host="127.0.0.1", port=stalled.getsockname()[1]), tmp_path
        )
        run = subprocess.Popen(
            [sys.executable, "-m", "syncreport", "--quiet", "report", "--config", str(config)],
            env=_env(sim),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            connection, _ = stalled.accept()
            with connection:
                run.send_signal(signal.SIGINT)
                out, err = run.communicate(timeout=60)
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate()
    assert run.returncode == 130
    reports = tmp_path / "reports"
    [json_file] = [p for p in reports.glob(f"{SLUG}-2*.json")]
    written = [json_file.with_suffix(f".{ext}") for ext in ("html", "pdf", "json")]
    assert all(p.is_file() for p in written)
    assert out == ""
    assert err.splitlines() == [
        f"syncreport: interrupted after the report was written ({', '.join(map(str, written))}); the e-mail "
        "was being sent and may not have gone out; the next report compares with the run before this one"
    ]
    assert not (reports / ".syncreport" / SLUG).exists()  # not remembered as the last run
    assert (
        "report run interrupted after the report was written"
        in (tmp_path / "logs" / "syncreport.log").read_text()
    )


def test_ctrl_c_during_the_pull_says_nothing_was_written(
    simulator: Callable[..., SimulatorHandle], tmp_path: Path
) -> None:
    sim = simulator(deployment="cloud", latency_ms=40)  # the pull takes a few seconds
    config = _write_config(sim, SimpleNamespace(host="127.0.0.1", port=25), tmp_path)
    run = subprocess.Popen(
        [sys.executable, "-m", "syncreport", "--quiet", "report", "--config", str(config)],
        env=_env(sim),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_locked(tmp_path / "logs" / "syncreport.log", run)
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 130
    assert err.splitlines() == ["syncreport: interrupted; nothing was written"]
    assert _report_files(tmp_path / "reports") == []
