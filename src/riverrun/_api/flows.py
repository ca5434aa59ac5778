"""Flows: query, read by ID, read by name, delete."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s


class FlowsAPI(Protocol):
    """The flow operations."""

    @operation("POST", "/flows/filter")
    def read_flows(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        sort: Optional[s.FlowSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.Flow]:
        """Flows matching the filters (run filters keep flows with a matching run)."""
        ...

    @operation("GET", "/flows/name/{flow_name:path}")
    def read_flow_by_name(self, flow_name: str) -> o.Flow:
        """One flow by name; raises ``ObjectNotFound``."""
        ...

    @operation("GET", "/flows/{flow_id}")
    def read_flow(self, flow_id: Id) -> o.Flow:
        """One flow by ID; raises ``ObjectNotFound``."""
        ...

    @operation("DELETE", "/flows/{flow_id}", status_code=204)
    def delete_flow(self, flow_id: Id) -> None:
        """Delete a flow with its runs (and everything recorded about them) and its
        deployments; raises ``ObjectNotFound``. The flow is recorded again when it next runs."""
        ...
