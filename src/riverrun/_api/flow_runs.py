"""Flow runs: query, count, read, rename and retag, delete, propose states, read states."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.states import State


class FlowRunsAPI(Protocol):
    """The flow-run operations."""

    @operation("POST", "/flow_runs/filter")
    def read_flow_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        sort: Optional[s.FlowRunSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.FlowRun]:
        """Flow runs matching every given filter.

        Args:
            flow_filter: keep runs of matching flows.
            flow_run_filter: conditions on the runs themselves (name, tags, state, times...).
            task_run_filter: keep runs with a matching task run.
            deployment_filter: keep runs of matching deployments.
            sort: order (default ``FlowRunSort.ID_DESC``, newest first).
            limit: at most this many (default: all).
            offset: skip this many first.

        Example:
            >>> client.read_flow_runs(
            ...     flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["env:pro"])),
            ...     sort=FlowRunSort.START_TIME_DESC, limit=10)
        """
        ...

    @operation("POST", "/flow_runs/count")
    def count_flow_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
    ) -> int:
        """How many flow runs match the filters."""
        ...

    @operation("GET", "/flow_runs/{flow_run_id}")
    def read_flow_run(self, flow_run_id: Id) -> o.FlowRun:
        """One flow run; raises ``ObjectNotFound``."""
        ...

    @operation("PATCH", "/flow_runs/{flow_run_id}", status_code=204)
    def update_flow_run(
        self,
        flow_run_id: Id,
        name: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
    ) -> None:
        """Rename a flow run and/or replace its tags (a set or a list); raises ``ObjectNotFound``.

        The new tags survive the run's later state changes.
        """
        ...

    @operation("PATCH", "/flow_runs/{flow_run_id}/labels", body="labels", status_code=204)
    def update_flow_run_labels(self, flow_run_id: Id, labels: o.KeyValueLabels) -> None:
        """Merge ``labels`` into the flow run's (a key given again takes the new value); raises
        ``ObjectNotFound``. Every run also has ``riverrun.flow.id``, its flow's ID."""
        ...

    @operation("POST", "/flow_runs/{flow_run_id}/set_state", rejected_status=409)
    def set_flow_run_state(
        self, flow_run_id: Id, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a state; the result says whether it was accepted, and why not."""
        ...

    @operation("GET", "/flow_runs/{flow_run_id}/states")
    def read_flow_run_states(self, flow_run_id: Id) -> list[State]:
        """Every state of a flow run, oldest first."""
        ...

    @operation("DELETE", "/flow_runs/{flow_run_id}", status_code=204)
    def delete_flow_run(self, flow_run_id: Id) -> None:
        """Delete a flow run with everything recorded about it; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/flow_runs/", status_code=201, client=False)
    def create_flow_run(
        self,
        flow_name: str,
        name: Optional[str] = None,
        parameters: Optional[dict[str, Any]] = None,
        context: Optional[dict[str, Any]] = None,
        tags: Optional[list[str]] = None,
        parent_task_run_id: Optional[Id] = None,
        state: Optional[State] = None,
        flow_version: Optional[str] = None,
    ) -> o.FlowRun:
        """Create a flow run of the flow named ``flow_name`` (Pending unless ``state`` says
        otherwise) without running it; the client's ``create_flow_run(flow, ...)`` calls it."""
        ...

    @operation("GET", "/flow_run_states/{flow_run_state_id}")
    def read_flow_run_state(self, flow_run_state_id: Id) -> State:
        """One state of a flow run, by the state's ID; raises ``ObjectNotFound``."""

    @operation("POST", "/flow_runs/{flow_run_id}/resume", rejected_status=409)
    def resume_flow_run(
        self, flow_run_id: Id, run_input: Optional[dict[str, Any]] = None
    ) -> o.OrchestrationResult:
        """Resume a paused flow run, with the input it waits for; the result says whether it did.

        Not paused: ``ABORT``. Input failing the pause's schema: ``REJECT`` with the reason. An
        expired pause: ``REJECT`` with the Failed state the run is now in.
        """
        ...
