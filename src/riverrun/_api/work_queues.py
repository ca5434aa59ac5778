"""Work queues of a pool: create, read, change, delete."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o


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
