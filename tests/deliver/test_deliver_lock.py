import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from syncreport.cli import ExitCode, exit_code_of
from syncreport.deliver.lock import RunInProgress, run_lock


def test_second_holder_is_refused_at_once_and_lock_is_free_again_after(tmp_path: Path) -> None:
    lock_path = tmp_path / "state" / "run.lock"
    with run_lock(lock_path):
        with pytest.raises(RunInProgress) as refused, run_lock(lock_path):
            pass
        assert exit_code_of(refused.value) == ExitCode.OK
    with run_lock(lock_path):
        pass


def test_lock_held_by_another_process_is_released_when_that_process_is_killed(tmp_path: Path) -> None:
    lock_path = tmp_path / "run.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from syncreport.deliver.lock import run_lock
                with run_lock({str(lock_path)!r}):
                    print("held", flush=True)
                    time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunInProgress), run_lock(lock_path):
            pass
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    # SIGKILL gives no chance to clean up; the OS lock goes with the process.
    with run_lock(lock_path):
        pass
