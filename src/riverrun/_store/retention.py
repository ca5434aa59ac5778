"""Retention: delete flow runs older than a number of days, with everything hung off them.

Runs are deleted in bounded batches, each its own short transaction, so a database that grew
for months is trimmed without one huge lock. On PostgreSQL each batch claims its runs with
``FOR UPDATE SKIP LOCKED``, so several server replicas running retention at once each delete
different runs and never wait on each other; SQLite has a single writer and needs no claim.

A run's age is that of its last state change (its creation if it never had one), so a run
that started long ago but is still moving is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._store import tables as t
from riverrun._store.base import StoreBase

_DAY_US = 86_400 * 1_000_000


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
    return report


def _delete_batch(store: StoreBase, cutoff: int, batch_size: int, report: RetentionReport) -> bool:
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
            conn.execute(sa.select(t.task_run.c.id).where(t.task_run.c.flow_run_id.in_(run_ids)))
            .scalars()
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
        for table in (t.flow_run_state, t.flow_run_tag):
            conn.execute(table.delete().where(table.c.flow_run_id.in_(run_ids)))
        report.flow_runs += conn.execute(t.flow_run.delete().where(fr.id.in_(run_ids))).rowcount
    return True


__all__ = ["RetentionReport", "delete_old_runs"]
