"""Faults of the embedded store: a write lock held by another process, a full disk, a
malformed file, a process killed mid-run. Flows run as real processes on real files; every
test counts the runs, task runs and log lines stored against those emitted."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.integrity import integrity_check
from riverrun._store.service import Store

from ._harness import (
    assert_runs_complete,
    fill,
    flow_env,
    riverrun_cli,
    run_flow,
    small_disk,
    spooled_events,
    start_flow,
    stored,
    wait_until,
)

pytestmark = pytest.mark.slow

HOLDER = textwrap.dedent(
    """
    import pathlib, sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    pathlib.Path(sys.argv[2]).write_text("locked")
    release = pathlib.Path(sys.argv[3])
    deadline = time.monotonic() + 300
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    conn.execute("COMMIT")
    """
)


@contextmanager
def locked_store(tmp_path: Path, before: str | None = None,
                 ) -> Iterator[tuple[Path, Path, subprocess.Popen[bytes]]]:  # fmt: skip
    """A store with one run in it (and what the Python code ``before`` did) whose write lock
    another process holds for the block: ``(home, workdir, holder)``."""
    home, work = tmp_path / "home", tmp_path / "work"
    assert run_flow(work, home, 2).returncode == 0
    if before is not None:
        subprocess.run([sys.executable, "-c", before], env=flow_env(home), check=True, timeout=120)
    db = home / "riverrun.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(tmp_path / "locked"),
                               str(tmp_path / "release")])  # fmt: skip
    try:
        wait_until(lambda: (tmp_path / "locked").exists(), "the lock to be held")
        yield home, work, holder
    finally:
        (tmp_path / "release").write_text("go")
        holder.wait(60)


def test_a_write_lock_held_by_another_process_neither_blocks_the_flow_nor_loses_its_events(
    tmp_path: Path,
) -> None:
    with locked_store(tmp_path) as (home, work, holder):
        done = run_flow(
            work, home, 20, store_busy_timeout_seconds="0.5", recording_exit_wait_seconds="0.5"
        )
        # The flow returned and its process exited while the lock was still held.
        assert holder.poll() is None
        assert done.returncode == 0 and "result 20" in done.stdout, done.stderr
        assert (
            "stayed locked" in done.stderr and "RIVERRUN_STORE_BUSY_TIMEOUT_SECONDS" in done.stderr
        )
        assert "the next run that records into it writes them" in done.stderr
        assert spooled_events(home / "spool" / "embedded")
    assert run_flow(work, home, 2).returncode == 0
    found = stored(home / "riverrun.db")
    assert [r["state_type"] for r in found["flow_runs"]] == ["COMPLETED"] * 3
    assert len(found["task_runs"]) == 24
    lines = sorted(log["message"] for log in found["logs"] if log["message"].startswith("line "))
    assert lines == sorted([f"line {i}" for i in range(20)] + [f"line {i}" for i in range(2)] * 2)
    assert spooled_events(home / "spool" / "embedded") == []
    # The runs written back from the spool read as any other (their states' JSON intact).
    store = Store(sqlite_url(home / "riverrun.db"))
    try:
        assert {r.state_name for r in store.read_task_runs()} == {"Completed"}
        assert all(isinstance(r.state.state_details.model_dump(), dict)
                   for r in store.read_flow_runs() if r.state is not None)  # fmt: skip
    finally:
        store.dispose()


def test_a_process_opens_a_store_file_another_process_holds_write_locked_without_waiting(
    tmp_path: Path,
) -> None:
    # The flow's watcher and the recorder's sink share the process's writer; opening it used
    # to take the write lock (``PRAGMA auto_vacuum``) and waited the busy timeout 5 times over.
    with locked_store(tmp_path) as (home, _work, holder):
        code = "import sys; from riverrun._store.embedded import embedded_writer; "
        code += "embedded_writer(sys.argv[1], busy_timeout_s=600); print('opened')"
        opener = subprocess.Popen([sys.executable, "-c", code, str(home / "riverrun.db")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        wait_until(lambda: opener.poll() is not None, "the file to open while locked")
        out, err = opener.communicate()
        assert holder.poll() is None
        assert opener.returncode == 0 and "opened" in out, err


TAGGED = textwrap.dedent(
    """
    from riverrun import flow, task

    @task(tags=["locked-tag"])
    def step():
        return 1

    @flow(name="tagged-job")
    def job():
        return step()

    print("flow", job(return_state=True).type.value)
    """
)


def test_a_tag_limited_task_on_a_write_locked_file_fails_after_the_set_busy_timeout_naming_it(
    tmp_path: Path,
) -> None:
    # Its slot cannot be taken without a write: the client's store waits the configured busy
    # timeout (it used to wait the 30 s default whatever the setting said), not forever.
    limit = "from riverrun.client.orchestration import get_client; "
    limit += "get_client(sync_client=True).create_concurrency_limit('locked-tag', 5)"
    with locked_store(tmp_path, before=limit) as (home, work, holder):
        script = work / "tagged.py"
        script.write_text(TAGGED)
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              timeout=120, env=flow_env(home, store_busy_timeout_seconds="0.5",
                                                        recording_exit_wait_seconds="0.5"))  # fmt: skip
        assert holder.poll() is None
        assert done.returncode == 0 and "flow FAILED" in done.stdout, done.stderr
        refused = re.search(r"concurrency slot of \['tag:locked-tag'\]: StoreLocked\('The "
                            r"riverrun database \S+ stayed locked by another process for "
                            r"(\S+) s\. .*RIVERRUN_STORE_BUSY_TIMEOUT_SECONDS", done.stderr)  # fmt: skip
        assert refused is not None, done.stderr
        assert refused.group(1) == "0.5"


def test_a_disk_full_before_the_run_says_no_space_left_and_keeps_the_events_elsewhere(
    tmp_path: Path,
) -> None:
    other_disk = tmp_path / "other-disk"
    other_disk.mkdir()
    with small_disk(tmp_path / "disk") as disk:
        home = disk / "home"
        filler = fill(disk)
        done = run_flow(tmp_path / "work", home, 20, tmpdir=other_disk)
        assert done.returncode == 0 and "result 20" in done.stdout, done.stderr
        assert "No space left" in done.stderr and str(home / "riverrun.db") in done.stderr
        assert "corrupt" not in done.stderr and "Move it aside" not in done.stderr
        kept = [p for p in other_disk.rglob("*.json")]
        assert kept
        filler.unlink()
        assert run_flow(tmp_path / "work", home, 4, tmpdir=other_disk).returncode == 0
        found = stored(home / "riverrun.db")
    assert [r["state_type"] for r in found["flow_runs"]] == ["COMPLETED"] * 2
    assert len(found["task_runs"]) == 24
    assert not list(other_disk.rglob("*.json"))


def test_a_disk_filled_mid_run_keeps_the_events_and_the_final_state_lands_when_space_returns(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk", "8m") as disk:
        home = disk / "home"
        gate = tmp_path / "work" / "gate"
        proc = start_flow(tmp_path / "work", home, 400, gate, tmpdir=tmp_path,
                          recording_exit_wait_seconds="120")  # fmt: skip
        wait_until(
            lambda: (tmp_path / "work" / "halfway").exists(), "the flow to be halfway", proc=proc
        )
        filler = fill(disk)
        gate.write_text("go")
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("result 400")
        # The flow has returned; its process now waits (bounded) to write what it kept.
        filler.unlink()
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "No space left" in err
        assert "wait in" not in err
        found = stored(home / "riverrun.db")
    assert_runs_complete(found, runs=1, n=400)


def _corrupt_middle_pages(db: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    conn.close()
    page = 4096
    pages = db.stat().st_size // page
    rng = random.Random(11)
    with db.open("r+b") as handle:
        for number in range(pages // 3, 2 * pages // 3):
            handle.seek(number * page + 64)
            handle.write(rng.randbytes(page - 128))


@pytest.mark.parametrize("found_by", ["store check", "the writer"])
def test_a_malformed_file_is_diagnosed_and_no_new_run_is_written_into_it(
    found_by: str, tmp_path: Path
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    assert run_flow(work, home, 300).returncode == 0
    db = home / "riverrun.db"
    _corrupt_middle_pages(db)
    if found_by == "store check":
        checked = riverrun_cli(home, "store", "check")
        assert checked.returncode == 1
        assert "malformed" in checked.stderr and "Move it aside" in checked.stderr
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    done = run_flow(work, home, 10)
    assert done.returncode == 0 and "result 10" in done.stdout
    assert "malformed" in done.stderr and "Move it aside" in done.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert spooled_events(home / "spool" / "embedded")
    for suffix in ("", "-wal", "-shm"):
        if (home / f"riverrun.db{suffix}").exists():
            os.replace(home / f"riverrun.db{suffix}", tmp_path / f"bad.db{suffix}")
    assert run_flow(work, home, 2).returncode == 0
    found = stored(home / "riverrun.db")
    assert [r["state_type"] for r in found["flow_runs"]] == ["COMPLETED"] * 2
    assert len(found["task_runs"]) == 12
    assert riverrun_cli(home, "store", "check").returncode == 0


def test_flows_killed_at_random_points_never_damage_the_file(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    rng = random.Random(7)
    for _ in range(3):
        proc = start_flow(work, home, 400)
        try:
            proc.wait(rng.uniform(0.3, 1.5))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    assert run_flow(work, home, 5).returncode == 0
    assert integrity_check(home / "riverrun.db").ok
    found = stored(home / "riverrun.db")
    assert "COMPLETED" in [r["state_type"] for r in found["flow_runs"]]
