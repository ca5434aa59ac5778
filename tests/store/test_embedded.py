"""The embedded SQLite writer: no SQLAlchemy, concurrent writers, clear errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from riverrun._store.embedded import EmbeddedWriter
from riverrun._store.service import embedded_store
from riverrun._store.testing import flow_run_event, task_run_lifecycle
from riverrun.exceptions import StoreError, StoreLocked


def test_writer_imports_neither_sqlalchemy_nor_alembic(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys
        from riverrun._store.embedded import EmbeddedWriter
        from riverrun._store.testing import flow_run_event
        EmbeddedWriter({str(tmp_path / "x.db")!r}).ingest([flow_run_event()])
        heavy = [m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic")]
        print(heavy)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ten_processes_ingesting_at_once_all_land(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    code = textwrap.dedent(f"""
        import sys
        from riverrun._store.embedded import EmbeddedWriter
        from riverrun._store.testing import flow_run_event, task_run_lifecycle
        writer = EmbeddedWriter({str(path)!r})
        for _ in range(20):
            run = flow_run_event(flow_name="shared")
            writer.ingest([run, *task_run_lifecycle(run["id"], run["created"])])
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
             for _ in range(10)]  # fmt: skip
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, errors
    conn = sqlite3.connect(path)
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("flow", "flow_run", "task_run", "task_run_state")]  # fmt: skip
    conn.close()
    assert counts == [1, 200, 200, 600]


def test_lock_held_too_long_raises_store_locked_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    writer = EmbeddedWriter(path, busy_timeout_s=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreLocked, match=str(path)):
            writer.ingest([flow_run_event()])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    writer.ingest([flow_run_event()])  # usable again once the lock is gone


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_home_raises_store_error_naming_the_path(tmp_path: Path) -> None:
    home = tmp_path / "ro"
    home.mkdir()
    home.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="RIVERRUN_HOME"):
            EmbeddedWriter(home / "riverrun.db")
    finally:
        home.chmod(0o700)


def test_home_that_cannot_be_created_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match=r"Cannot create the riverrun home .*RIVERRUN_HOME"):
        EmbeddedWriter(blocker / "home" / "riverrun.db")


def test_corrupt_file_raises_store_error_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "riverrun.db"
    path.write_bytes(b"this is not sqlite" * 512)
    with pytest.raises(StoreError, match=rf"{path}.*Move it aside"):
        EmbeddedWriter(path)


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER)")
    conn.close()
    with pytest.raises(StoreError, match="not a riverrun database"):
        EmbeddedWriter(path)


def test_database_from_a_newer_riverrun_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    EmbeddedWriter(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer version"):
        EmbeddedWriter(path)


def test_embedded_store_reads_what_the_writer_wrote(riverrun_home: Path) -> None:
    run = flow_run_event()
    writer = EmbeddedWriter(riverrun_home / "riverrun.db")
    writer.ingest([run, *task_run_lifecycle(run["id"], run["created"])])
    store = embedded_store()
    assert store.read_flow_run(run["id"]).id == run["id"]
    assert store.read_task_runs()[0].state_type == "COMPLETED"


def test_unopenable_database_path_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "riverrun.db"
    path.mkdir()
    with pytest.raises(StoreError, match=rf"{path}.*RIVERRUN_HOME"):
        EmbeddedWriter(path)
