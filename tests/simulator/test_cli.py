"""`syncreport simulator`: a user starts it, reads its URL, credentials and config, and stops it with Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import tomllib

import pytest
import requests

from syncreport.config import config_from_dict

pytestmark = pytest.mark.e2e


def test_simulator_command_prints_what_a_user_needs_and_stops_on_ctrl_c() -> None:
    command = [
        sys.executable,
        "-m",
        "syncreport",
        "simulator",
        "--port",
        "0",
        "--issues",
        "300",
        "--seed",
        "4",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or lines[-1] != "Ctrl-C stops it.\n":
            line = process.stdout.readline()
            assert line, f"the simulator ended early: {process.stderr.read() if process.stderr else ''}"
            lines.append(line)
        url = lines[0].split(" listening on ")[1].strip()
        credentials = lines[1].split()
        email, token = (
            credentials[credentials.index("e-mail") + 1],
            credentials[credentials.index("token") + 1],
        )
        answer = requests.get(f"{url}/rest/api/3/myself", auth=(email, token), timeout=10)
        assert answer.status_code == 200 and answer.json()["emailAddress"] == email
        snippet = "".join(lines[lines.index(next(x for x in lines if x.startswith("[jira]"))) : -1])
        config = config_from_dict(tomllib.loads(snippet))
        assert config.jira.url == url and config.jira.email == email
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "simulator stopped" in out


def test_simulator_command_refuses_a_busy_port_in_one_line() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "syncreport", "simulator", "--port", "0", "--issues", "300"],
        stdout=subprocess.PIPE,
        text=True,
    ) as first:
        assert first.stdout is not None
        port = first.stdout.readline().split("127.0.0.1:")[1].strip()
        second = subprocess.run(
            [sys.executable, "-m", "syncreport", "simulator", "--port", port, "--issues", "300"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=10)
    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [
        f"syncreport: error: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "pick another --port, or --port 0 for a free one"
    ]
