"""What is in and on a work pool's queues: status, due runs, prefix matches, held slots.

A run holds a slot of its pool and queue while it is claimed and not finished
(``ACTIVE_TYPES``), the same rule the claims count by; a run naming no queue is the
``default`` queue's, as in Prefect.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us, to_us
from riverrun._store import tables as t
from riverrun._store.work_pools import ACTIVE_TYPES, DEFAULT_QUEUE, _dt
from riverrun._store.work_queues import WorkQueueStoreMixin
from riverrun.exceptions import InvalidWorkPoolError, ObjectNotFound
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import responses as r

# Prefect's defaults: a page of 200, at most 10 (and at most 200) runs per queue of a pool.
DEFAULT_PAGE = 200
MAX_RUNS_PER_QUEUE = 200

_F = t.flow_run.c
_QUEUE = sa.func.coalesce(_F.work_queue_name, DEFAULT_QUEUE)


def _check_page(page: int, limit: int | None) -> int:
    if page < 1:
        raise InvalidWorkPoolError(f"page counts from 1, got {page}.")
    if limit is None:
        return DEFAULT_PAGE
    if not 0 <= limit <= DEFAULT_PAGE:
        raise InvalidWorkPoolError(f"limit must be between 0 and {DEFAULT_PAGE}, got {limit}.")
    return limit


def _pages(count: int, limit: int) -> int:
    return (count + limit - 1) // limit if limit > 0 else 0


def _summary(row: Any, now: int) -> r.FlowRunSlotSummary:
    stamp = row.state_timestamp
    return r.FlowRunSlotSummary(
        id=row.id, name=row.name, state_type=row.state_type, state_name=row.state_name,
        start_time=_dt(row.start_time), state_timestamp=_dt(stamp),
        time_in_current_state=None if stamp is None else timedelta(microseconds=now - stamp),
    )  # fmt: skip


def _holding(pool_name: str) -> list[Any]:
    return [_F.work_pool_name == pool_name, _F.state_type.in_(ACTIVE_TYPES)]


class WorkQueueStatusStoreMixin(WorkQueueStoreMixin):
    """Reads over a pool's queues that Prefect's client has beside the queue CRUD."""

    def _queue_row(self, conn: Any, id: uuid.UUID | str) -> Any:
        row = conn.execute(self._queues_query().where(t.work_queue.c.id == str(id))).first()
        if row is None:
            raise ObjectNotFound(
                f"No work queue with ID {str(id)!r}; `riverrun work-queue ls` lists them."
            )
        return row

    def read_work_queue_status(self, id: uuid.UUID | str) -> o.WorkQueueStatusDetail:
        """A queue's health: its Late runs and last poll, judged by Prefect's default policy."""
        policy = o.WorkQueueHealthPolicy()
        now = now_us()
        with self.connect() as conn:
            row = self._queue_row(conn, id)
            late = conn.execute(
                sa.select(sa.func.count()).select_from(t.flow_run).where(
                    _F.work_pool_name == row.pool_name, _QUEUE == row.name,
                    _F.state_type == "SCHEDULED", _F.state_name == "Late",
                )
            ).scalar_one()  # fmt: skip
        polled_within = policy.maximum_seconds_since_last_polled or 0
        healthy = late <= (policy.maximum_late_runs or 0) and (
            row.last_polled is not None and now - row.last_polled <= polled_within * 1_000_000
        )
        return o.WorkQueueStatusDetail(
            healthy=healthy, late_runs_count=late, last_polled=_dt(row.last_polled),
            health_check_policy=policy,
        )  # fmt: skip

    def get_runs_in_work_queue(
        self, id: uuid.UUID | str, limit: int = 10, scheduled_before: datetime | None = None
    ) -> list[o.FlowRun]:
        """The queue's Scheduled runs due by ``scheduled_before`` (default: now), soonest
        first, within its free slots; nothing is claimed, the queue is marked polled.

        A paused queue or pool answers no runs.
        """
        before = to_us(scheduled_before) if scheduled_before is not None else now_us()
        with self.begin() as conn:
            row = self._queue_row(conn, id)
            conn.execute(t.work_queue.update().where(t.work_queue.c.id == row.id)
                         .values(last_polled=now_us()))  # fmt: skip
            paused = conn.execute(
                sa.select(t.work_pool.c.is_paused).where(t.work_pool.c.id == row.work_pool_id)
            ).scalar_one()
            if row.is_paused or paused:
                return []
            if row.concurrency_limit is not None:
                active = conn.execute(
                    sa.select(sa.func.count()).select_from(t.flow_run)
                    .where(*_holding(row.pool_name), _QUEUE == row.name)
                ).scalar_one()  # fmt: skip
                limit = min(limit, max(row.concurrency_limit - active, 0))
            ids = [
                found.id
                for found in conn.execute(
                    sa.select(_F.id)
                    .where(_F.work_pool_name == row.pool_name, _QUEUE == row.name,
                           _F.state_type == "SCHEDULED", _F.expected_start_time <= before)
                    .order_by(_F.expected_start_time, _F.id)
                    .limit(max(limit, 0))
                )
            ]  # fmt: skip
        if not ids:
            return []
        runs = {
            run.id: run
            for run in self.read_flow_runs(
                flow_run_filter=f.FlowRunFilter(id=f.FlowRunFilterId(any_=ids)), limit=len(ids)
            )
        }
        return [runs[i] for i in ids if i in runs]

    def match_work_queues(
        self, prefixes: list[str], work_pool_name: str | None = None
    ) -> list[o.WorkQueue]:
        """Queues whose names start with any of ``prefixes`` (every queue when empty), of one
        pool or of all, by pool, priority and name."""
        name = f.WorkQueueFilterName(startswith_=prefixes) if prefixes else None
        return self.read_work_queues(
            work_pool_name=work_pool_name,
            work_queue_filter=f.WorkQueueFilter(name=name) if name else None,
        )

    def read_work_queue_concurrency_status(
        self, id: uuid.UUID | str, page: int = 1, limit: int | None = None
    ) -> r.WorkQueueConcurrencyStatus:
        """The runs holding a queue's slots, a page at a time, oldest claim first.

        Raises:
            ObjectNotFound: no queue has that ID.
            InvalidWorkPoolError: ``page`` below 1 or ``limit`` outside 0..200.
        """
        size = _check_page(page, limit)
        now = now_us()
        with self.connect() as conn:
            row = self._queue_row(conn, id)
            where = [*_holding(row.pool_name), _QUEUE == row.name]
            count = conn.execute(
                sa.select(sa.func.count()).select_from(t.flow_run).where(*where)
            ).scalar_one()
            runs = list(conn.execute(
                sa.select(t.flow_run).where(*where)
                .order_by(_F.state_timestamp, _F.id).offset((page - 1) * size).limit(size)
            ))  # fmt: skip
        return r.WorkQueueConcurrencyStatus(
            active_slots=count, concurrency_limit=row.concurrency_limit,
            flow_runs=[_summary(run, now) for run in runs], count=count, limit=size,
            pages=_pages(count, size), page=page,
        )  # fmt: skip

    def read_work_pool_concurrency_status(
        self,
        work_pool_name: str,
        page: int = 1,
        limit: int | None = None,
        flow_run_limit: int = 10,
    ) -> r.WorkPoolConcurrencyStatus:
        """A pool's held slots and, a page of queues at a time (by priority), each queue's,
        with up to ``flow_run_limit`` of the runs holding them.

        Raises:
            ObjectNotFound: no pool has that name.
            InvalidWorkPoolError: ``page`` below 1, ``limit`` or ``flow_run_limit`` outside 0..200.
        """
        size = _check_page(page, limit)
        if not 0 <= flow_run_limit <= MAX_RUNS_PER_QUEUE:
            raise InvalidWorkPoolError(
                f"flow_run_limit must be between 0 and {MAX_RUNS_PER_QUEUE}, got {flow_run_limit}."
            )
        q = t.work_queue.c
        now = now_us()
        with self.connect() as conn:
            pool = self._pool_row(conn, work_pool_name)
            count = conn.execute(
                sa.select(sa.func.count()).select_from(t.work_queue).where(q.work_pool_id == pool.id)
            ).scalar_one()  # fmt: skip
            queues = list(conn.execute(
                sa.select(t.work_queue).where(q.work_pool_id == pool.id)
                .order_by(q.priority, q.name).offset((page - 1) * size).limit(size)
            ))  # fmt: skip
            held: dict[str, int] = {
                name: int(n)
                for name, n in conn.execute(
                    sa.select(_QUEUE, sa.func.count()).where(*_holding(pool.name)).group_by(_QUEUE)
                )
            }
            details = []
            for queue in queues:
                runs = conn.execute(
                    sa.select(t.flow_run).where(*_holding(pool.name), _QUEUE == queue.name)
                    .order_by(_F.state_timestamp, _F.id).limit(flow_run_limit)
                )  # fmt: skip
                active = held.get(queue.name, 0)
                details.append(r.WorkQueueConcurrencyStatusDetail(
                    queue_id=queue.id, queue_name=queue.name, active_slots=active,
                    concurrency_limit=queue.concurrency_limit,
                    flow_runs=[_summary(run, now) for run in runs], flow_run_count=active,
                ))  # fmt: skip
        return r.WorkPoolConcurrencyStatus(
            active_slots=sum(held.values()),
            concurrency_limit=pool.concurrency_limit, queues=details, count=count, limit=size,
            pages=_pages(count, size), page=page,
        )  # fmt: skip
