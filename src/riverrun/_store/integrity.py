"""Is the embedded SQLite file sound? Its integrity check, and the mark of a malformed file.

A file found malformed — by ``riverrun store check`` or by an error met while writing — is
marked with a small file beside it (``riverrun.db.malformed``), and no process writes new
runs into it while the mark stands: their events wait in the spool instead. The mark names
the file's inode, so a file moved aside and replaced by a fresh one is written again at
once; a passing check removes it. Stdlib only: the embedded writer uses this.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

CORRUPT_ADVICE = (
    "Move it aside once no process uses it (riverrun then starts a fresh one; "
    "`sqlite3 {path} .recover | sqlite3 recovered.db` saves what can be read), or restore "
    "it from a backup. Events recorded meanwhile wait in the spool and are written to the "
    "fresh file."
)


def advice(path: Path) -> str:
    """What to do about a malformed file at ``path``."""
    return CORRUPT_ADVICE.format(path=path)


def marker_path(path: Path) -> Path:
    """Where the mark of a malformed ``path`` is kept."""
    return path.with_name(path.name + ".malformed")


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def mark_malformed(path: Path, reason: str) -> None:
    """Remember that ``path`` is malformed (best effort: a full disk may refuse even this)."""
    try:
        marker_path(path).write_text(json.dumps({"inode": _inode(path), "reason": reason}))
    except OSError:
        pass


def known_malformed(path: Path) -> str | None:
    """The reason ``path`` was marked malformed, or None if it is not (or was replaced)."""
    marker = marker_path(path)
    try:
        data = json.loads(marker.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return "an earlier check found it malformed"
    if data.get("inode") != _inode(path):
        marker.unlink(missing_ok=True)
        return None
    return str(data.get("reason") or "an earlier check found it malformed")


def clear_mark(path: Path) -> None:
    """Forget that ``path`` was malformed."""
    marker_path(path).unlink(missing_ok=True)


@dataclass(frozen=True)
class CheckReport:
    """What SQLite's ``integrity_check`` said about a file."""

    path: Path
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def integrity_check(path: Path, max_problems: int = 20) -> CheckReport:
    """Run ``PRAGMA integrity_check`` on ``path``; mark the file if malformed, clear if sound.

    Raises:
        FileNotFoundError: there is no file at ``path``.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
        try:
            rows = conn.execute(f"PRAGMA integrity_check({int(max_problems)})").fetchall()
        finally:
            conn.close()
        problems = tuple(str(r[0]) for r in rows if r[0] != "ok")
    except sqlite3.DatabaseError as exc:
        problems = (str(exc),)
    report = CheckReport(path, problems)
    if report.ok:
        clear_mark(path)
    else:
        mark_malformed(path, "`riverrun store check` found it malformed: " + problems[0])
    return report
