"""Work queues of a pool: create, read, change, delete.

A queue's status is derived when read: ``PAUSED`` when paused, ``READY`` when a worker
polled it in the last minute (Prefect's rule), else ``NOT_READY``.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us
from riverrun._internal.ids import new_id
from riverrun._store import tables as t
from riverrun._store.work_pools import (
    ACTIVE_TYPES,
    DEFAULT_QUEUE,
    WorkPoolStoreMixin,
    _dt,
    check_limit,
)
from riverrun.exceptions import InvalidWorkPoolError, ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o

READY_WITHIN_US = 60 * 1_000_000


class DefaultQueueKept(InvalidWorkPoolError):
    """A pool's default queue cannot be deleted: the request conflicts with the pool (409)."""


def _pool_name(name: str | None) -> str:
    if name:
        return name
    from riverrun.settings import get_current_settings

    default = get_current_settings().default_work_pool_name
    if not default:
        raise InvalidWorkPoolError(
            "Name the work pool: work_pool_name='my-pool' (`--pool my-pool`), or set "
            "RIVERRUN_DEFAULT_WORK_POOL_NAME."
        )
    return str(default)


class WorkQueueStoreMixin(WorkPoolStoreMixin):
    """Work queue operations."""

    def _queue_object(self, conn: Any, row: Any, pool_name: str, now: int) -> o.WorkQueue:
        fr = t.flow_run.c
        active = conn.execute(
            sa.select(sa.func.count()).select_from(t.flow_run).where(
                fr.work_pool_name == pool_name,
                sa.func.coalesce(fr.work_queue_name, DEFAULT_QUEUE) == row.name,
                fr.state_type.in_(ACTIVE_TYPES),
            )
        ).scalar_one()  # fmt: skip
        polled = row.last_polled is not None and row.last_polled >= now - READY_WITHIN_US
        status = (
            o.WorkQueueStatus.PAUSED if row.is_paused
            else o.WorkQueueStatus.READY if polled else o.WorkQueueStatus.NOT_READY
        )  # fmt: skip
        return o.WorkQueue(
            id=row.id, name=row.name, description=row.description, is_paused=row.is_paused,
            concurrency_limit=row.concurrency_limit, priority=row.priority,
            work_pool_name=pool_name, work_pool_id=row.work_pool_id,
            last_polled=_dt(row.last_polled), status=status, active_slots=active,
            created=_dt(row.created), updated=_dt(row.updated),
        )  # fmt: skip

    def _queues_query(self) -> Any:
        return sa.select(t.work_queue, t.work_pool.c.name.label("pool_name")).join(
            t.work_pool, t.work_pool.c.id == t.work_queue.c.work_pool_id
        )

    def create_work_queue(
        self,
        name: str,
        description: str | None = None,
        is_paused: bool | None = None,
        concurrency_limit: int | None = None,
        priority: int | None = None,
        work_pool_name: str | None = None,
    ) -> o.WorkQueue:
        """A new queue of the pool; priority defaults to one below the pool's lowest."""
        check_limit(concurrency_limit, "work queue")
        if priority is not None and priority < 1:
            raise InvalidWorkPoolError(
                f"A work queue's priority must be at least 1, got {priority}."
            )
        pool_name = _pool_name(work_pool_name)
        q = t.work_queue.c
        now = now_us()
        queue_id = new_id()
        with self.begin() as conn:
            pool = self._pool_row(conn, pool_name)
            if _queue_named(conn, pool.id, name):
                raise ObjectAlreadyExists(
                    f"Work pool {pool_name!r} already has a queue named {name!r}; "
                    f"`riverrun work-queue ls --pool {pool_name}` lists them."
                )
            if priority is None:
                lowest = conn.execute(
                    sa.select(sa.func.max(q.priority)).where(q.work_pool_id == pool.id)
                ).scalar_one()
                priority = (lowest or 0) + 1
            conn.execute(t.work_queue.insert().values(
                id=queue_id, work_pool_id=pool.id, name=name, description=description,
                is_paused=bool(is_paused), concurrency_limit=concurrency_limit,
                priority=priority, created=now, updated=now,
            ))  # fmt: skip
        return self.read_work_queue(queue_id)

    def read_work_queue(self, id: uuid.UUID | str) -> o.WorkQueue:
        """One queue by ID; raises ``ObjectNotFound``."""
        with self.connect() as conn:
            row = conn.execute(self._queues_query().where(t.work_queue.c.id == str(id))).first()
            if row is None:
                raise ObjectNotFound(
                    f"No work queue with ID {str(id)!r}; `riverrun work-queue ls` lists them."
                )
            return self._queue_object(conn, row, row.pool_name, now_us())

    def read_work_queue_by_name(self, name: str, work_pool_name: str | None = None) -> o.WorkQueue:
        """One queue by name in the pool; raises ``ObjectNotFound``."""
        try:
            pool_name = _pool_name(work_pool_name)
        except InvalidWorkPoolError as exc:
            # A read names what it looks for: with no pool to look in, that queue is not
            # found (Prefect answers 404 here too), and the message still says what to name.
            raise ObjectNotFound(f"No work queue named {name!r} without a pool: {exc}") from None
        with self.connect() as conn:
            pool = self._pool_row(conn, pool_name)
            row = conn.execute(
                self._queues_query().where(
                    t.work_queue.c.work_pool_id == pool.id, t.work_queue.c.name == name
                )
            ).first()
            if row is None:
                raise ObjectNotFound(
                    f"Work pool {pool_name!r} has no queue named {name!r}; "
                    f"`riverrun work-queue ls --pool {pool_name}` lists them."
                )
            return self._queue_object(conn, row, pool_name, now_us())

    def read_work_queues(
        self,
        work_pool_name: str | None = None,
        work_queue_filter: f.WorkQueueFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[o.WorkQueue]:
        """Queues of one pool (or every pool), by pool, priority and name."""
        q = t.work_queue.c
        query = self._queues_query().order_by(t.work_pool.c.name, q.priority, q.name)
        with self.connect() as conn:
            if work_pool_name is not None:
                pool = self._pool_row(conn, work_pool_name)
                query = query.where(q.work_pool_id == pool.id)
            clauses = queue_clauses(work_queue_filter)
            if clauses:
                join = (
                    sa.or_ if work_queue_filter and work_queue_filter.operator == "or_" else sa.and_
                )
                query = query.where(join(*clauses))
            query = query.offset(offset or 0)
            if limit is not None:
                query = query.limit(limit)
            now = now_us()
            return [self._queue_object(conn, r, r.pool_name, now) for r in conn.execute(query)]

    def update_work_queue(self, id: uuid.UUID | str, work_queue: a.WorkQueueUpdate) -> None:
        """Change the fields set on ``work_queue`` (``concurrency_limit=None`` clears it)."""
        fields = work_queue.model_dump(exclude_unset=True)
        if "concurrency_limit" in fields:
            check_limit(fields["concurrency_limit"], "work queue")
        queue = self.read_work_queue(id)
        with self.begin() as conn:
            name = fields.get("name")
            if (
                name is not None
                and name != queue.name
                and _queue_named(conn, queue.work_pool_id, name)
            ):
                raise ObjectAlreadyExists(
                    f"Work pool {queue.work_pool_name!r} already has a queue named {name!r};"
                    " choose another name."
                )
            conn.execute(
                t.work_queue.update()
                .where(t.work_queue.c.id == str(id))
                .values(**fields, updated=now_us())
            )
        self.wake_claimers()

    def delete_work_queue_by_id(self, id: uuid.UUID | str) -> None:
        """Delete a queue; a pool's default queue cannot be deleted (delete the pool)."""
        queue = self.read_work_queue(id)
        with self.begin() as conn:
            default = conn.execute(
                sa.select(t.work_pool.c.default_queue_id).where(
                    t.work_pool.c.id == queue.work_pool_id
                )
            ).scalar_one_or_none()
            if default == queue.id:
                raise DefaultQueueKept(
                    f"{queue.name!r} is the default queue of work pool {queue.work_pool_name!r} "
                    "and cannot be deleted; delete the pool, or pause the queue."
                )
            conn.execute(t.work_queue.delete().where(t.work_queue.c.id == queue.id))


def _queue_named(conn: sa.Connection, pool_id: str | None, name: str) -> bool:
    """Whether the pool ``pool_id`` has a queue called ``name``."""
    q = t.work_queue.c
    found = conn.execute(sa.select(q.id).where(q.work_pool_id == pool_id, q.name == name))
    return found.first() is not None


def queue_clauses(work_queue_filter: f.WorkQueueFilter | None) -> list[Any]:
    """The clauses on ``work_queue`` rows a filter states, to join with its operator."""
    q = t.work_queue.c
    clauses: list[Any] = []
    if work_queue_filter is None:
        return clauses
    if work_queue_filter.id is not None and work_queue_filter.id.any_ is not None:
        clauses.append(q.id.in_([str(i) for i in work_queue_filter.id.any_]))
    name = work_queue_filter.name
    if name is not None and name.any_ is not None:
        clauses.append(q.name.in_(name.any_))
    if name is not None and name.startswith_ is not None:
        clauses.append(sa.or_(*[q.name.startswith(p, autoescape=True) for p in name.startswith_]))
    return clauses
