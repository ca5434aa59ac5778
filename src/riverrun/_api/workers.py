"""Workers of a pool: heartbeats and reading them; the worker types there are."""

from __future__ import annotations

from typing import Any, Optional, Protocol

from riverrun._api.operation import operation
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o


class WorkersAPI(Protocol):
    """The worker operations."""

    @operation("POST", "/work_pools/{work_pool_name}/workers/heartbeat")
    def send_worker_heartbeat(
        self,
        work_pool_name: str,
        worker_name: str,
        heartbeat_interval_seconds: Optional[float] = None,
        get_worker_id: bool = False,
        worker_metadata: Optional[dict[str, Any]] = None,
    ) -> str:
        """Record that the worker is alive (creating its record); the worker's ID."""
        ...

    @operation("POST", "/work_pools/{work_pool_name}/workers/filter")
    def read_workers_for_work_pool(
        self,
        work_pool_name: str,
        worker_filter: Optional[f.WorkerFilter] = None,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> list[o.Worker]:
        """The pool's workers, most recent heartbeat first, each ONLINE or OFFLINE."""
        ...

    @operation("GET", "/collections/views/aggregate-worker-metadata")
    def read_worker_metadata(self) -> dict[str, Any]:
        """The worker types riverrun has, by package then type, each with its base job
        template (Prefect's answer comes from its online collection registry)."""
        ...
