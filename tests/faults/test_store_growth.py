"""The embedded store does not only grow: retention in the recorder's upkeep, space given
back, ``riverrun store vacuum``, and revision 0005 converting an existing file."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from riverrun._store import migrate
from riverrun._store.dialect import sqlite_url
from riverrun._store.embedded import EmbeddedWriter

from ._harness import riverrun_cli, run_flow, stored

pytestmark = pytest.mark.slow

_DAY_US = 86_400 * 1_000_000


def _age_runs(db: Path, days: int) -> None:
    conn = sqlite3.connect(db)
    with conn:
        shift = days * _DAY_US
        conn.execute("UPDATE flow_run SET created = created - ?, state_timestamp = state_timestamp - ?",
                     (shift, shift))  # fmt: skip
    conn.close()


def _a_day_passes(db: Path) -> None:
    # The last retention pass is remembered by the mark's time: move it back a day.
    mark = db.with_name(db.name + ".upkeep")
    then = mark.stat().st_mtime - 86_400
    os.utime(mark, (then, then))


def _size(db: Path) -> int:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    conn.close()
    return db.stat().st_size


def test_runs_older_than_the_retention_setting_are_deleted_by_the_recorder_once_a_day(
    tmp_path: Path,
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    db = home / "riverrun.db"
    assert run_flow(work, home, 3).returncode == 0
    _age_runs(db, 40)
    _a_day_passes(db)
    assert run_flow(work, home, 2, retention_days="30").returncode == 0
    found = stored(db)
    assert len(found["flow_runs"]) == 1 and len(found["task_runs"]) == 2
    assert sorted(log["message"] for log in found["logs"] if log["message"].startswith("line ")) == \
        ["line 0", "line 1"]  # fmt: skip
    # Done for today: an old run seen later the same day waits for tomorrow's pass.
    _age_runs(db, 40)
    assert run_flow(work, home, 2, retention_days="30").returncode == 0
    assert len(stored(db)["flow_runs"]) == 2


def test_retention_gives_the_space_of_deleted_runs_back_to_the_file_system(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    db = home / "riverrun.db"
    assert run_flow(work, home, 600).returncode == 0
    _age_runs(db, 40)
    _a_day_passes(db)
    before = _size(db)
    assert run_flow(work, home, 1).returncode == 0
    assert len(stored(db)["flow_runs"]) == 1
    assert _size(db) < before / 2


def test_store_vacuum_rebuilds_the_file_without_the_space_of_deleted_rows(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    db = home / "riverrun.db"
    assert run_flow(work, home, 600).returncode == 0
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("DELETE FROM log")
    conn.close()
    before = _size(db)
    done = riverrun_cli(home, "store", "vacuum")
    assert done.returncode == 0, done.stderr
    assert "Vacuumed" in done.stdout and "MiB" in done.stdout
    assert _size(db) < before
    assert len(stored(db)["task_runs"]) == 600


def test_revision_0005_turns_on_incremental_auto_vacuum_in_an_existing_file(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    migrate.upgrade(sqlite_url(db), "0004_leaner_run_indexes")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA auto_vacuum = NONE")
    conn.execute("VACUUM")
    assert conn.execute("PRAGMA auto_vacuum").fetchone() == (0,)
    conn.close()
    EmbeddedWriter(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA auto_vacuum").fetchone() == (2,)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
        migrate.HEAD_REVISION,
    )
    conn.close()
