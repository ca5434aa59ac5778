"""Retention: delete flow runs older than a number of days, with everything hung off them.

Runs are deleted in bounded batches, each its own short transaction, so a database that grew
for months is trimmed without one huge lock. On PostgreSQL each batch claims its runs with
``FOR UPDATE SKIP LOCKED``, so several server replicas running retention at once each delete
different runs and never wait on each other; SQLite has a single writer and needs no claim.

A run's age is that of its last state change (its creation if it never had one), so a run
that started long ago but is still moving is kept.

The embedded store is trimmed the same way by the recorder's idle upkeep, at most once a day,
through the stdlib ``sqlite3`` writer (``delete_old_runs_sqlite``: a flow run into the
embedded store never imports SQLAlchemy), and gives the pages back with
``PRAGMA incremental_vacuum``.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riverrun._internal.clock import now_us

if TYPE_CHECKING:
    from riverrun._store.base import StoreBase

_DAY_US = 86_400 * 1_000_000
_DAY_S = 86_400.0
# Per idle upkeep of the embedded store: a few short transactions, then back to recording.
_SQLITE_BATCH = 500
_SQLITE_BATCHES_PER_PASS = 4


@dataclass
class RetentionReport:
    """How many rows one retention pass removed."""

    flow_runs: int = 0
    task_runs: int = 0
    logs: int = 0
    artifacts: int = 0
    batches: int = 0
    cutoff_us: int | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return (
            f"{self.flow_runs} flow runs, {self.task_runs} task runs, {self.logs} logs, "
            f"{self.artifacts} artifacts"
        )


def delete_old_runs(
    store: StoreBase,
    older_than_days: float,
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    now: int | None = None,
) -> RetentionReport:
    """Delete flow runs whose last activity is older than ``older_than_days``.

    Their task runs, states, tags, logs and artifacts go with them. ``older_than_days <= 0``
    deletes nothing (retention off).

    Args:
        store: the store to trim.
        older_than_days: age threshold in days.
        batch_size: flow runs per transaction.
        max_batches: stop after this many batches (None: until nothing is left).
        now: epoch microseconds to measure age from (tests).
    """
    report = RetentionReport()
    if older_than_days <= 0:
        return report
    cutoff = (now_us() if now is None else now) - int(older_than_days * _DAY_US)
    report.cutoff_us = cutoff
    while max_batches is None or report.batches < max_batches:
        if not _delete_batch(store, cutoff, batch_size, report):
            break
        report.batches += 1
    if report.flow_runs and store.is_sqlite:
        _give_space_back(store)
    return report


def _give_space_back(store: StoreBase) -> None:
    # A SQLite file keeps freed pages for reuse; with auto_vacuum = INCREMENTAL (revision
    # 0005) this hands them back. ``executescript`` steps the pragma to its end (each step
    # of a plain ``execute`` frees one page).
    raw = store.engine.raw_connection()
    try:
        raw.driver_connection.executescript("PRAGMA incremental_vacuum;")  # type: ignore[union-attr]
    finally:
        raw.close()


def _delete_batch(store: StoreBase, cutoff: int, batch_size: int, report: RetentionReport) -> bool:
    import sqlalchemy as sa

    from riverrun._store import tables as t

    fr = t.flow_run.c
    claim = (
        sa.select(fr.id)
        .where(fr.created < cutoff, sa.func.coalesce(fr.state_timestamp, fr.created) < cutoff)
        .order_by(fr.created)
        .limit(batch_size)
    )
    if not store.is_sqlite:
        claim = claim.with_for_update(skip_locked=True)
    with store.begin() as conn:
        run_ids = list(conn.execute(claim).scalars())
        if not run_ids:
            return False
        task_ids = list(
            conn.execute(
                sa.select(t.task_run.c.id).where(t.task_run.c.flow_run_id.in_(run_ids))
            ).scalars()
        )
        for table, counter in ((t.log, "logs"), (t.artifact, "artifacts")):
            where: Any = table.c.flow_run_id.in_(run_ids)
            if task_ids:
                where = sa.or_(where, table.c.task_run_id.in_(task_ids))
            deleted = conn.execute(table.delete().where(where)).rowcount
            setattr(report, counter, getattr(report, counter) + deleted)
        # Explicit rather than relying on ON DELETE CASCADE alone, so the counts are exact
        # and a SQLite connection without foreign_keys on cannot leave orphans.
        if task_ids:
            for table in (t.task_run_state, t.task_run_tag):
                conn.execute(table.delete().where(table.c.task_run_id.in_(task_ids)))
            report.task_runs += conn.execute(
                t.task_run.delete().where(t.task_run.c.id.in_(task_ids))
            ).rowcount
        for table in (t.flow_run_state, t.flow_run_tag, t.flow_run_input):
            conn.execute(table.delete().where(table.c.flow_run_id.in_(run_ids)))
        report.flow_runs += conn.execute(t.flow_run.delete().where(fr.id.in_(run_ids))).rowcount
    return True


# The same deletions in plain SQL for the stdlib writer, over a temporary table of the
# claimed run IDs (no parameter list grows with the batch).
_SQLITE_DELETES = (
    "DELETE FROM log WHERE flow_run_id IN (SELECT id FROM temp.rr_old_run)"
    " OR task_run_id IN (SELECT id FROM temp.rr_old_task)",
    "DELETE FROM artifact WHERE flow_run_id IN (SELECT id FROM temp.rr_old_run)"
    " OR task_run_id IN (SELECT id FROM temp.rr_old_task)",
    "DELETE FROM task_run_state WHERE task_run_id IN (SELECT id FROM temp.rr_old_task)",
    "DELETE FROM task_run_tag WHERE task_run_id IN (SELECT id FROM temp.rr_old_task)",
    "DELETE FROM task_run WHERE id IN (SELECT id FROM temp.rr_old_task)",
    "DELETE FROM flow_run_state WHERE flow_run_id IN (SELECT id FROM temp.rr_old_run)",
    "DELETE FROM flow_run_tag WHERE flow_run_id IN (SELECT id FROM temp.rr_old_run)",
    "DELETE FROM flow_run_input WHERE flow_run_id IN (SELECT id FROM temp.rr_old_run)",
    "DELETE FROM flow_run WHERE id IN (SELECT id FROM temp.rr_old_run)",
)


def delete_old_runs_sqlite(
    conn: sqlite3.Connection,
    older_than_days: float,
    *,
    batch_size: int = _SQLITE_BATCH,
    max_batches: int = _SQLITE_BATCHES_PER_PASS,
    now: int | None = None,
) -> tuple[int, bool]:
    """``delete_old_runs`` on a stdlib connection (autocommit mode), one batch per transaction.

    Returns:
        (flow runs deleted, whether nothing old is left).
    """
    if older_than_days <= 0:
        return 0, True
    cutoff = (now_us() if now is None else now) - int(older_than_days * _DAY_US)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS rr_old_run (id TEXT PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS rr_old_task (id TEXT PRIMARY KEY)")
    deleted = 0
    for _ in range(max_batches):
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM temp.rr_old_run")
            conn.execute("DELETE FROM temp.rr_old_task")
            conn.execute(
                "INSERT INTO temp.rr_old_run SELECT id FROM flow_run WHERE created < ? AND "
                "coalesce(state_timestamp, created) < ? ORDER BY created LIMIT ?",
                (cutoff, cutoff, batch_size),
            )
            claimed = conn.execute("SELECT count(*) FROM temp.rr_old_run").fetchone()[0]
            if claimed:
                conn.execute("INSERT INTO temp.rr_old_task SELECT id FROM task_run WHERE "
                             "flow_run_id IN (SELECT id FROM temp.rr_old_run)")  # fmt: skip
                for statement in _SQLITE_DELETES:
                    conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        deleted += claimed
        if claimed < batch_size:
            return deleted, True
    return deleted, False


def _upkeep_mark(path: Path) -> Path:
    return path.with_name(path.name + ".upkeep")


def upkeep_due(path: Path) -> bool:
    """Whether the embedded store at ``path`` had no retention pass in the last day."""
    try:
        return time.time() - _upkeep_mark(path).stat().st_mtime >= _DAY_S
    except OSError:
        return True


def mark_upkeep_done(path: Path) -> None:
    """Remember that the store at ``path`` was trimmed now (best effort)."""
    try:
        _upkeep_mark(path).write_text("retention done; riverrun trims this store once a day\n")
    except OSError:
        pass


__all__ = ["RetentionReport", "delete_old_runs", "delete_old_runs_sqlite"]
