"""Report files on disk: all-or-nothing writes, dated names, a stable "latest" copy, retention.

A report is a set of files (HTML, PDF, JSON) of one train for one day. They are written in two phases:
every file is first written completely to a hidden temp file in the output folder (same file system, so
the rename is atomic), and only when all of them are on disk are they renamed into place. A crash, a full
disk or a SIGKILL therefore never leaves a half-written report under a report's name; at worst a hidden
``.<name>.*.tmp`` file stays behind, which the next run removes (:func:`remove_stale_temp_files`).

Names: ``<train-slug>-<YYYY-MM-DD>.<ext>`` (dated, kept ``report.keep`` days) and
``<train-slug>-latest.<ext>`` (a copy, not a symlink: it survives being served, synced or attached).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from syncreport.errors import DeliveryError, InterruptedAfterWriting

_TEMP_SUFFIX = ".tmp"
_UMASK = os.umask(0o022)  # read the process umask (the only way) and put it straight back
os.umask(_UMASK)
# ext may have parts: the CSV tables are "<slug>-<day>.dependencies.csv", "<slug>-<day>.data-quality.csv", ...
_DATED = re.compile(r"^(?P<slug>.+)-(?P<day>\d{4}-\d{2}-\d{2})\.(?P<ext>[a-z0-9]+(?:[.-][a-z0-9]+)*)$")
_TEMP = re.compile(r"^\.(?P<final>.+)\.[A-Za-z0-9_]+\.tmp$")  # what _write_temp creates


def slugify(name: str) -> str:
    """A file-name-safe, lower-case slug: "Phoenix ART (Ops)" -> "phoenix-art-ops"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "train"


def dated_name(slug: str, day: date, ext: str) -> str:
    return f"{slug}-{day.isoformat()}.{ext}"


def latest_name(slug: str, ext: str) -> str:
    return f"{slug}-latest.{ext}"


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _write_temp(folder: Path, final_name: str, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{final_name}.", suffix=_TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; a report gets the mode any new file would get
    return Path(tmp)


def atomic_write(path: Path, data: bytes) -> Path:
    """Write one file so that readers see either the old content or the complete new one."""
    return write_all(path.parent, {path.name: data})[0]


def write_all(folder: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write several files into ``folder`` all-or-nothing: stage every one, then rename them into place.

    Raises :class:`DeliveryError` (one line, nothing left behind) when the folder cannot be created or a
    file cannot be written.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(
            f"cannot create the output folder {folder}: {_describe(exc)}; choose another with --out"
        ) from None
    staged: list[tuple[Path, Path]] = []
    replaced: list[str] = []
    try:
        for name, data in files.items():
            staged.append((_write_temp(folder, name, data), folder / name))
        for tmp, final in staged:
            os.replace(tmp, final)
            replaced.append(final.name)
    except OSError as exc:
        outcome = (
            f"only {', '.join(replaced)} were replaced (complete files)"
            if replaced
            else "nothing was replaced"
        )
        raise DeliveryError(
            f"cannot write the report into {folder}: {_describe(exc)}; {outcome}; "
            "check the free space and permissions"
        ) from None
    except KeyboardInterrupt:
        if replaced:  # Ctrl-C between two renames: say which files are new
            raise InterruptedAfterWriting(tuple(folder / n for n in replaced), complete=False) from None
        raise
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [final for _, final in staged]


@dataclass(frozen=True, slots=True)
class WrittenReport:
    dated: tuple[Path, ...]  # one per format, in the order given
    latest: tuple[Path, ...]
    removed: tuple[Path, ...]  # dated files dropped by retention


def write_report_files(
    out_dir: Path, slug: str, day: date, outputs: Mapping[str, bytes], *, keep: int
) -> WrittenReport:
    """Write one report's formats (``{"pdf": b"...", ...}``) with dated names and "latest" copies.

    All files of the report appear together or not at all; then older dated reports beyond ``keep`` are
    removed.
    """
    files: dict[str, bytes] = {}
    for ext, data in outputs.items():
        files[dated_name(slug, day, ext)] = data
    for ext, data in outputs.items():
        files[latest_name(slug, ext)] = data
    written = write_all(out_dir, files)
    count = len(outputs)
    try:
        removed = apply_retention(out_dir, slug, keep=keep)
    except KeyboardInterrupt:
        raise InterruptedAfterWriting(tuple(written[:count])) from None
    return WrittenReport(dated=tuple(written[:count]), latest=tuple(written[count:]), removed=tuple(removed))


def dated_reports(out_dir: Path, slug: str) -> dict[date, list[Path]]:
    """The dated report files of one train in ``out_dir``, grouped by day."""
    found: dict[date, list[Path]] = {}
    if not out_dir.is_dir():
        return found
    for path in out_dir.iterdir():
        match = _DATED.match(path.name)
        if not match or match["slug"] != slug or not path.is_file():
            continue
        try:
            day = date.fromisoformat(match["day"])
        except ValueError:
            continue
        found.setdefault(day, []).append(path)
    return found


def apply_retention(out_dir: Path, slug: str, *, keep: int) -> list[Path]:
    """Delete the dated reports of ``slug`` beyond the ``keep`` most recent days; return what was removed."""
    by_day = dated_reports(out_dir, slug)
    removed: list[Path] = []
    for day in sorted(by_day, reverse=True)[keep:]:
        for path in sorted(by_day[day]):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise DeliveryError(
                    f"cannot remove the old report {path} (report.keep = {keep}): {_describe(exc)}"
                ) from None
            removed.append(path)
    return removed


def _belongs_to(final_name: str, slug: str) -> bool:
    match = _DATED.match(final_name)
    if match:
        return match["slug"] == slug
    return final_name.startswith(f"{slug}-latest.")


def remove_stale_temp_files(out_dir: Path, slug: str) -> list[Path]:
    """Remove hidden temp files a killed run of this train left behind (call it while holding the lock)."""
    if not out_dir.is_dir():
        return []
    stale = []
    for path in out_dir.glob(f".{slug}-*{_TEMP_SUFFIX}"):
        match = _TEMP.match(path.name)
        if match and _belongs_to(match["final"], slug) and path.is_file():
            stale.append(path)
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
