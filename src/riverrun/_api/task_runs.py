"""Task runs: create, query, count, read, propose states, read states."""

from __future__ import annotations

from typing import Any, Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.states import State


class TaskRunsAPI(Protocol):
    """The task-run operations."""

    @operation("POST", "/task_runs/filter")
    def read_task_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        sort: Optional[s.TaskRunSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.TaskRun]:
        """Task runs matching every given filter (default order ``EXPECTED_START_TIME_DESC``)."""
        ...

    @operation("POST", "/task_runs/count")
    def count_task_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
    ) -> int:
        """How many task runs match the filters."""
        ...

    @operation("GET", "/task_runs/{task_run_id}")
    def read_task_run(self, task_run_id: Id) -> o.TaskRun:
        """One task run; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/task_runs/{task_run_id}/set_state", rejected_status=409)
    def set_task_run_state(
        self, task_run_id: Id, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a state for a task run."""
        ...

    @operation("GET", "/task_runs/{task_run_id}/states")
    def read_task_run_states(self, task_run_id: Id) -> list[State]:
        """Every state of a task run, oldest first."""
        ...

    @operation("DELETE", "/task_runs/{task_run_id}", status_code=204)
    def delete_task_run(self, task_run_id: Id) -> None:
        """Delete a task run with its states, logs and artifacts; raises ``ObjectNotFound``."""
        ...

    @operation("PATCH", "/task_runs/{task_run_id}/name", status_code=204)
    def set_task_run_name(self, task_run_id: Id, name: str) -> None:
        """Rename a task run; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/task_runs/", status_code=201, client=False)
    def create_task_run(
        self,
        task_key: str,
        flow_run_id: Optional[Id],
        dynamic_key: str,
        id: Optional[Id] = None,
        name: Optional[str] = None,
        tags: Optional[list[str]] = None,
        task_version: Optional[str] = None,
        empirical_policy: Optional[dict[str, Any]] = None,
        state: Optional[State] = None,
        task_inputs: Optional[dict[str, list[o.TaskRunInput]]] = None,
    ) -> o.TaskRun:
        """A task run, Pending unless ``state`` says otherwise, without running it; the
        existing one when the flow run already has the task's ``(task_key, dynamic_key)``.
        Raises ``ObjectNotFound`` for an unknown flow run."""
        ...
