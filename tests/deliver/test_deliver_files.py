import os
import tempfile
from datetime import date
from pathlib import Path

import pytest

from syncreport.deliver.files import (
    apply_retention,
    remove_stale_temp_files,
    slugify,
    write_all,
    write_report_files,
)
from syncreport.errors import DeliveryError, InterruptedAfterWriting


def test_slugify_makes_file_name_safe_lower_case_slugs() -> None:
    assert slugify("Phoenix ART (Ops)") == "phoenix-art-ops"
    assert slugify("Zürich / Nord") == "zurich-nord"
    assert slugify("***") == "train"


def test_report_files_get_dated_names_and_latest_copies(tmp_path: Path) -> None:
    written = write_report_files(
        tmp_path, "phoenix", date(2026, 11, 26), {"pdf": b"%PDF-1.7 x", "json": b"{}"}, keep=3
    )
    assert [p.name for p in written.dated] == ["phoenix-2026-11-26.pdf", "phoenix-2026-11-26.json"]
    assert [p.name for p in written.latest] == ["phoenix-latest.pdf", "phoenix-latest.json"]
    assert (tmp_path / "phoenix-latest.pdf").read_bytes() == b"%PDF-1.7 x"
    assert not (tmp_path / "phoenix-latest.pdf").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "phoenix-2026-11-26.json",
        "phoenix-2026-11-26.pdf",
        "phoenix-latest.json",
        "phoenix-latest.pdf",
    ]


def test_retention_keeps_the_most_recent_days_of_this_train_only(tmp_path: Path) -> None:
    for day in ("2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22"):
        for ext in ("pdf", "html"):
            (tmp_path / f"phoenix-{day}.{ext}").write_bytes(b"old")
    (tmp_path / "phoenix-ops-2026-10-01.pdf").write_bytes(b"another train")
    (tmp_path / "notes.txt").write_text("mine")

    removed = apply_retention(tmp_path, "phoenix", keep=2)

    # 4 days on disk, keep 2: the two oldest days go, both formats each.
    assert sorted(p.name for p in removed) == [
        "phoenix-2026-11-01.html",
        "phoenix-2026-11-01.pdf",
        "phoenix-2026-11-08.html",
        "phoenix-2026-11-08.pdf",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt",
        "phoenix-2026-11-15.html",
        "phoenix-2026-11-15.pdf",
        "phoenix-2026-11-22.html",
        "phoenix-2026-11-22.pdf",
        "phoenix-ops-2026-10-01.pdf",
    ]


def test_write_report_applies_retention_after_writing(tmp_path: Path) -> None:
    for day in (1, 2, 3):
        write_report_files(tmp_path, "t", date(2026, 11, day), {"pdf": b"%PDF"}, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "t-2026-11-02.pdf",
        "t-2026-11-03.pdf",
        "t-latest.pdf",
    ]


def test_a_rename_failing_midway_reports_what_was_replaced_and_leaves_only_complete_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.html").write_bytes(b"old html")
    (tmp_path / "a.pdf").write_bytes(b"%PDF old")
    real_replace = os.replace

    def fail_second_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "a.pdf":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_second_rename)
    with pytest.raises(DeliveryError, match=r"No space left on device; only a.html were replaced"):
        write_all(tmp_path, {"a.html": b"new html", "a.pdf": b"%PDF new"})
    monkeypatch.setattr(os, "replace", real_replace)

    # Every file is either its complete old or complete new version; no temp file is left.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.pdf"]
    assert (tmp_path / "a.html").read_bytes() == b"new html"
    assert (tmp_path / "a.pdf").read_bytes() == b"%PDF old"


def test_ctrl_c_between_two_renames_says_which_files_are_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C lands after a.html was renamed into place, before a.pdf: "nothing was written" would be false
    real_replace = os.replace

    def interrupt_second_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "a.pdf":
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupt_second_rename)
    with pytest.raises(InterruptedAfterWriting) as interrupted:
        write_all(tmp_path, {"a.html": b"new html", "a.pdf": b"%PDF new"})
    assert interrupted.value.message == (
        f"interrupted while the report's files were put in place: only {tmp_path / 'a.html'} are new, "
        "the others are as before; run the report again"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]  # no temp file left


def test_ctrl_c_before_any_rename_stays_a_plain_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt) as interrupted:
        write_all(tmp_path, {"a.html": b"new html"})
    assert not isinstance(interrupted.value, InterruptedAfterWriting)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_removing_old_reports_says_the_report_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_report_files(tmp_path, "t", date(2026, 11, 1), {"pdf": b"%PDF 1"}, keep=1)

    real_unlink = Path.unlink

    def interrupt_removing_the_old_day(path: Path, missing_ok: bool = False) -> None:
        if path.name == "t-2026-11-01.pdf":
            raise KeyboardInterrupt
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", interrupt_removing_the_old_day)
    with pytest.raises(InterruptedAfterWriting) as interrupted:
        write_report_files(tmp_path, "t", date(2026, 11, 2), {"pdf": b"%PDF 2"}, keep=1)
    assert interrupted.value.written == (tmp_path / "t-2026-11-02.pdf",)
    assert interrupted.value.complete
    assert (tmp_path / "t-2026-11-02.pdf").read_bytes() == b"%PDF 2"


def test_a_failure_while_staging_leaves_the_old_files_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "r.pdf").write_bytes(b"%PDF old")
    real_mkstemp = tempfile.mkstemp

    def fail_on_second(*, prefix: str, suffix: str, dir: Path) -> tuple[int, str]:
        # the second file's temp file cannot be made: the disk is full once r.html is staged
        if prefix.startswith(".r.pdf."):
            raise OSError(28, "No space left on device")
        return real_mkstemp(prefix=prefix, suffix=suffix, dir=dir)

    monkeypatch.setattr(tempfile, "mkstemp", fail_on_second)
    with pytest.raises(DeliveryError, match="nothing was replaced"):
        write_all(tmp_path, {"r.html": b"<html>", "r.pdf": b"%PDF new"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]
    assert (tmp_path / "r.pdf").read_bytes() == b"%PDF old"


def test_unwritable_output_folder_is_one_line_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DeliveryError, match=r"cannot create the output folder .*--out"):
        write_all(blocker / "reports", {"x.pdf": b"%PDF"})


def test_stale_temp_files_of_a_killed_run_are_removed_others_kept(tmp_path: Path) -> None:
    stale = [
        tmp_path / ".phoenix-2026-11-26.pdf.ab12_x9z.tmp",
        tmp_path / ".phoenix-latest.html.q1w2e3r4.tmp",
    ]
    kept = [tmp_path / ".phoenix-ops-2026-11-26.pdf.ab12cd34.tmp", tmp_path / "phoenix-2026-11-25.pdf"]
    for path in stale + kept:
        path.write_bytes(b"half")
    removed = remove_stale_temp_files(tmp_path, "phoenix")
    assert sorted(removed) == sorted(stale)
    assert sorted(tmp_path.iterdir()) == sorted(kept)


def test_written_files_get_the_mode_the_umask_allows(tmp_path: Path) -> None:
    import subprocess
    import sys

    # A cron job with umask 077 (confidential reports) gets files only its user can read.
    code = (
        "import os, sys, pathlib; os.umask(0o077)\n"
        "from syncreport.deliver.files import write_all\n"
        "write_all(pathlib.Path(sys.argv[1]), {'r.pdf': b'%PDF'})"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    assert (tmp_path / "r.pdf").stat().st_mode & 0o777 == 0o600
