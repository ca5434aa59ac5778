"""Work queues of a pool: create, read, change, delete; their status, due runs, held slots."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import responses as r


class WorkQueuesAPI(Protocol):
    """The work queue operations."""

    @operation("POST", "/work_queues/", status_code=201)
    def create_work_queue(
        self,
        name: str,
        description: Optional[str] = None,
        is_paused: Optional[bool] = None,
        concurrency_limit: Optional[int] = None,
        priority: Optional[int] = None,
        work_pool_name: Optional[str] = None,
    ) -> o.WorkQueue:
        """A new queue of the pool (default: the default pool); ``ObjectAlreadyExists`` if
        the pool has a queue of that name."""
        ...

    @operation("GET", "/work_queues/{id}")
    def read_work_queue(self, id: Id) -> o.WorkQueue:
        """One queue by ID; raises ``ObjectNotFound``."""
        ...

    @operation("GET", "/work_queues/name/{name}")
    def read_work_queue_by_name(
        self, name: str, work_pool_name: Optional[str] = None
    ) -> o.WorkQueue:
        """One queue by name in the pool (default: the default pool); ``ObjectNotFound``."""
        ...

    @operation("POST", "/work_queues/filter")
    def read_work_queues(
        self,
        work_pool_name: Optional[str] = None,
        work_queue_filter: Optional[f.WorkQueueFilter] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
    ) -> list[o.WorkQueue]:
        """Queues (of one pool, or of all), by pool then priority then name."""
        ...

    @operation("PATCH", "/work_queues/{id}", body="work_queue", status_code=204, client=False)
    def update_work_queue(self, id: Id, work_queue: a.WorkQueueUpdate) -> None:
        """Change the fields set on ``work_queue``; raises ``ObjectNotFound``."""
        ...

    @operation("DELETE", "/work_queues/{id}", status_code=204)
    def delete_work_queue_by_id(self, id: Id) -> None:
        """Delete a queue (not a pool's default queue); raises ``ObjectNotFound``."""
        ...

    @operation("GET", "/work_queues/{id}/status")
    def read_work_queue_status(self, id: Id) -> o.WorkQueueStatusDetail:
        """A queue's health (its Late runs, its last poll); raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/work_queues/{id}/get_runs")
    def get_runs_in_work_queue(
        self, id: Id, limit: int = 10, scheduled_before: Optional[datetime] = None
    ) -> list[o.FlowRun]:
        """The queue's Scheduled runs due before ``scheduled_before`` (default: now), soonest
        first, within its free slots; nothing is claimed, the queue counts as polled.
        Raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/work_queues/match")
    def match_work_queues(
        self, prefixes: list[str], work_pool_name: Optional[str] = None
    ) -> list[o.WorkQueue]:
        """Queues whose names start with any of ``prefixes`` (every queue when it is empty),
        of one pool or of every pool."""
        ...

    @operation("POST", "/work_queues/{id}/concurrency_status")
    def read_work_queue_concurrency_status(
        self, id: Id, page: int = 1, limit: Optional[int] = None
    ) -> r.WorkQueueConcurrencyStatus:
        """The runs holding the queue's slots, ``limit`` (default 200) a page, pages from 1;
        raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/work_pools/{work_pool_name}/concurrency_status")
    def read_work_pool_concurrency_status(
        self,
        work_pool_name: str,
        page: int = 1,
        limit: Optional[int] = None,
        flow_run_limit: int = 10,
    ) -> r.WorkPoolConcurrencyStatus:
        """The pool's held slots and each queue's (``limit`` queues a page, by priority), with
        up to ``flow_run_limit`` of the runs holding them; raises ``ObjectNotFound``."""
        ...
