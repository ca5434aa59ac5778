"""Workers of a pool: heartbeats (an upsert), reading them with their status, the types."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from riverrun._internal.clock import now_us, to_us
from riverrun._internal.ids import new_id
from riverrun._store import tables as t
from riverrun._store.dialect import insert_or_ignore
from riverrun._store.work_pools import _dt, online_since, process_base_job_template
from riverrun._store.work_queue_status import WorkQueueStatusStoreMixin
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o


class WorkerStoreMixin(WorkQueueStatusStoreMixin):
    """Worker operations."""

    def read_worker_metadata(self) -> dict[str, Any]:
        """riverrun's worker types in the shape of Prefect's collection registry view
        (package -> type -> metadata); no registry is asked, so it works offline."""
        return {
            "riverrun": {
                "process": {
                    "type": "process", "display_name": "Process",
                    "description": "Execute flow runs as subprocesses on a worker. Works well "
                    "for local execution when first getting started.",
                    "install_command": "pip install riverrun", "is_beta": False,
                    "default_base_job_configuration": process_base_job_template(),
                }
            }
        }  # fmt: skip

    def send_worker_heartbeat(
        self,
        work_pool_name: str,
        worker_name: str,
        heartbeat_interval_seconds: float | None = None,
        get_worker_id: bool = False,
        worker_metadata: dict[str, Any] | None = None,
    ) -> str:
        """Record the worker's heartbeat (creating its record the first time); its ID."""
        w = t.worker.c
        now = now_us()
        interval = None if heartbeat_interval_seconds is None else int(heartbeat_interval_seconds)
        with self.begin() as conn:
            pool = self._pool_row(conn, work_pool_name)
            conn.execute(insert_or_ignore(t.worker, self.is_sqlite).values(
                id=new_id(), work_pool_id=pool.id, name=worker_name, last_heartbeat_time=now,
                heartbeat_interval_seconds=interval, created=now, updated=now,
            ))  # fmt: skip
            values: dict[str, Any] = {"last_heartbeat_time": now, "updated": now}
            if interval is not None:
                values["heartbeat_interval_seconds"] = interval
            done = conn.execute(
                t.worker.update()
                .where(w.work_pool_id == pool.id, w.name == worker_name)
                .values(**values)
                .returning(w.id)
            )
            return str(done.scalar_one())

    def read_workers_for_work_pool(
        self,
        work_pool_name: str,
        worker_filter: f.WorkerFilter | None = None,
        offset: int | None = None,
        limit: int | None = None,
    ) -> list[o.Worker]:
        """The pool's workers, most recent heartbeat first."""
        w = t.worker.c
        now = now_us()
        online = online_since(now)
        query = sa.select(t.worker, online.label("online")).order_by(
            w.last_heartbeat_time.desc(), w.name
        )
        clauses = _worker_clauses(worker_filter, online)
        if clauses:
            join = sa.or_ if worker_filter and worker_filter.operator == "or_" else sa.and_
            query = query.where(join(*clauses))
        query = query.offset(offset or 0)
        if limit is not None:
            query = query.limit(limit)
        with self.connect() as conn:
            pool = self._pool_row(conn, work_pool_name)
            rows = list(conn.execute(query.where(w.work_pool_id == pool.id)))
        return [
            o.Worker(
                id=r.id,
                name=r.name,
                work_pool_id=r.work_pool_id,
                last_heartbeat_time=_dt(r.last_heartbeat_time),
                heartbeat_interval_seconds=r.heartbeat_interval_seconds,
                status=o.WorkerStatus.ONLINE if r.online else o.WorkerStatus.OFFLINE,
                created=_dt(r.created),
                updated=_dt(r.updated),
            )  # fmt: skip
            for r in rows
        ]


def _worker_clauses(worker_filter: f.WorkerFilter | None, online: Any) -> list[Any]:
    w = t.worker.c
    clauses: list[Any] = []
    if worker_filter is None:
        return clauses
    beat = worker_filter.last_heartbeat_time
    if beat is not None and beat.before_ is not None:
        clauses.append(w.last_heartbeat_time <= to_us(beat.before_))
    if beat is not None and beat.after_ is not None:
        clauses.append(w.last_heartbeat_time >= to_us(beat.after_))
    status = worker_filter.status
    if status is not None and status.any_ is not None:
        wanted = {s.upper() for s in status.any_}
        if wanted == {"ONLINE"}:
            clauses.append(online)
        elif wanted == {"OFFLINE"}:
            clauses.append(sa.not_(online))
        elif not wanted & {"ONLINE", "OFFLINE"}:
            clauses.append(sa.false())
    if status is not None and status.not_any_ is not None:
        banned = {s.upper() for s in status.not_any_}
        if "ONLINE" in banned:
            clauses.append(sa.not_(online))
        if "OFFLINE" in banned:
            clauses.append(online)
    return clauses
