"""WAL checkpoints run between batches, not inside the commit that ends a user's flow."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from riverrun._store import embedded
from riverrun._store.embedded import EmbeddedWriter
from riverrun._store.testing import flow_run_event


def _wal_frames(path: Path) -> int:
    """Frames in the WAL since it last started over (a passive checkpoint reports them)."""
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        conn.close()


def test_commits_alone_never_checkpoint(tmp_path: Path) -> None:
    writer = EmbeddedWriter(tmp_path / "x.db")
    for _ in range(150):
        writer.ingest([flow_run_event()])
    # SQLite's own automatic checkpoint would have restarted the WAL near 1,000 frames.
    assert _wal_frames(tmp_path / "x.db") > 1000
    writer.close()


def test_no_checkpoint_before_enough_was_written(tmp_path: Path) -> None:
    writer = EmbeddedWriter(tmp_path / "x.db")
    writer.ingest([flow_run_event()])
    assert writer.checkpoint_if_due() is False
    writer.close()


def test_a_due_checkpoint_lets_the_wal_start_over(tmp_path: Path) -> None:
    writer = EmbeddedWriter(tmp_path / "x.db")
    for _ in range(embedded._CHECKPOINT_COMMITS):
        writer.ingest([flow_run_event()])
    assert writer.checkpoint_if_due() is True
    writer.ingest([flow_run_event()])
    assert _wal_frames(tmp_path / "x.db") < 50
    writer.close()
    conn = sqlite3.connect(tmp_path / "x.db")
    assert (
        conn.execute("SELECT count(*) FROM flow_run").fetchone()[0]
        == embedded._CHECKPOINT_COMMITS + 1
    )
    conn.close()


def test_a_script_copies_its_runs_into_the_database_file_before_exit(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    script = tmp_path / "main.py"
    script.write_text("from riverrun import flow\n\n@flow\ndef once():\n    return 1\n\nonce()\n")
    home = tmp_path / "home"
    env = {**os.environ, "RIVERRUN_HOME": str(home)}
    subprocess.run([sys.executable, str(script)], env=env, check=True, capture_output=True)
    # A connection held open, as a server or the UI would: SQLite then does not checkpoint
    # by itself when a script's own connection closes.
    holder = sqlite3.connect(home / "riverrun.db")
    try:
        holder.execute("SELECT 1").fetchall()
        for _ in range(2):
            subprocess.run([sys.executable, str(script)], env=env, check=True, capture_output=True)
        # The database file alone, without its WAL, holds what was checkpointed.
        shutil.copy(home / "riverrun.db", tmp_path / "file_only.db")
    finally:
        holder.close()
    copy = sqlite3.connect(tmp_path / "file_only.db")
    try:
        assert copy.execute("SELECT count(*) FROM flow_run").fetchone()[0] == 3
    finally:
        copy.close()
