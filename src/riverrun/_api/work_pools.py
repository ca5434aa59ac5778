"""Work pools: create, read, change, delete; their due runs, and claiming them (leases)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Protocol

from riverrun._api.operation import operation
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o


class WorkPoolsAPI(Protocol):
    """The work pool operations."""

    @operation("POST", "/work_pools/", status_code=201)
    def create_work_pool(self, work_pool: a.WorkPoolCreate, overwrite: bool = False) -> o.WorkPool:
        """Create a pool (with its ``default`` queue); raises ``ObjectAlreadyExists`` unless
        ``overwrite``, which updates the existing pool instead."""
        ...

    @operation("GET", "/work_pools/{work_pool_name}")
    def read_work_pool(self, work_pool_name: str) -> o.WorkPool:
        """One pool by name; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/work_pools/filter")
    def read_work_pools(
        self,
        limit: Optional[int] = None,
        offset: int = 0,
        work_pool_filter: Optional[f.WorkPoolFilter] = None,
    ) -> list[o.WorkPool]:
        """Pools matching the filter, by name."""
        ...

    @operation("PATCH", "/work_pools/{work_pool_name}", body="work_pool", status_code=204)
    def update_work_pool(self, work_pool_name: str, work_pool: a.WorkPoolUpdate) -> None:
        """Change the fields set on ``work_pool``; raises ``ObjectNotFound``."""
        ...

    @operation("DELETE", "/work_pools/{work_pool_name}", status_code=204)
    def delete_work_pool(self, work_pool_name: str) -> None:
        """Delete a pool with its queues and workers; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/work_pools/{work_pool_name}/get_scheduled_flow_runs")
    def get_scheduled_flow_runs_for_work_pool(
        self,
        work_pool_name: str,
        work_queue_names: Optional[list[str]] = None,
        scheduled_before: Optional[datetime] = None,
    ) -> list[o.WorkerFlowRunResponse]:
        """Scheduled runs of the pool's unpaused queues due before ``scheduled_before``
        (default: now), by queue priority then expected start; nothing is claimed."""
        ...

    @operation("POST", "/work_pools/{work_pool_name}/claim_runs")
    def claim_work_pool_runs(
        self,
        work_pool_name: str,
        worker_name: str,
        work_queue_names: Optional[list[str]] = None,
        limit: Optional[int] = None,
        lease_seconds: float = 30.0,
        wait: float = 0.0,
    ) -> list[o.WorkerFlowRunResponse]:
        """Claim due runs for a worker: one transaction moves them to ``Pending`` with the
        worker as their owner, within the pool's and queues' concurrency limits.

        With ``wait`` > 0 and nothing due, waits up to that many seconds for a run to become
        due (a long poll) and answers as soon as one does.
        """
        ...
