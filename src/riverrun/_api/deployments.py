"""Deployments: create (upsert), read, query, change, pause, delete; schedules; runs from them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import actions as a
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.schedules import SCHEDULE_TYPES
from riverrun.states import State


class DeploymentsAPI(Protocol):
    """The deployment operations."""

    @operation("POST", "/flows/")
    def create_flow_from_name(self, flow_name: str) -> str:
        """The flow's ID, creating its record if it has none yet."""
        ...

    @operation("POST", "/deployments/", client=False)
    def create_deployment(
        self,
        flow_id: Id,
        name: str,
        version: Optional[str] = None,
        schedules: Optional[list[a.DeploymentScheduleCreate]] = None,
        concurrency_limit: Optional[int] = None,
        concurrency_options: Optional[o.ConcurrencyOptions] = None,
        parameters: Optional[dict[str, Any]] = None,
        description: Optional[str] = None,
        work_queue_name: Optional[str] = None,
        work_pool_name: Optional[str] = None,
        tags: Optional[list[str]] = None,
        path: Optional[str] = None,
        entrypoint: Optional[str] = None,
        parameter_openapi_schema: Optional[dict[str, Any]] = None,
        paused: Optional[bool] = None,
        pull_steps: Optional[list[dict[str, Any]]] = None,
        enforce_parameter_schema: Optional[bool] = None,
        job_variables: Optional[dict[str, Any]] = None,
        catchup: str = "all",
        catchup_window: Optional[timedelta] = None,
        overlap: str = "allow",
    ) -> str:
        """Create the deployment, or update the flow's deployment of that name; its ID."""
        ...

    @operation("POST", "/deployments/filter")
    def read_deployments(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        work_pool_filter: Optional[f.WorkPoolFilter] = None,
        work_queue_filter: Optional[f.WorkQueueFilter] = None,
        limit: Optional[int] = None,
        sort: Optional[s.DeploymentSort] = None,
        offset: int = 0,
    ) -> list[o.Deployment]:
        """Deployments matching every filter, by name by default, with their schedules (a
        work-pool or work-queue filter keeps those whose pool or queue matches)."""
        ...

    @operation("POST", "/deployments/count")
    def count_deployments(self, *, deployment_filter: Optional[f.DeploymentFilter] = None) -> int:
        """How many deployments match the filter."""
        ...

    @operation("GET", "/deployments/name/{name:path}")
    def read_deployment_by_name(self, name: str) -> o.Deployment:
        """One deployment by ``"flow-name/deployment-name"``; raises ``ObjectNotFound``."""
        ...

    @operation("GET", "/deployments/{deployment_id}")
    def read_deployment(self, deployment_id: Id) -> o.Deployment:
        """One deployment; raises ``ObjectNotFound``."""
        ...

    @operation("PATCH", "/deployments/{deployment_id}", body="deployment", status_code=204)
    def update_deployment(self, deployment_id: Id, deployment: a.DeploymentUpdate) -> None:
        """Change the fields set on ``deployment``; raises ``ObjectNotFound``."""
        ...

    @operation("DELETE", "/deployments/{deployment_id}", status_code=204)
    def delete_deployment(self, deployment_id: Id) -> None:
        """Delete a deployment, its schedules and its unstarted runs; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/deployments/{deployment_id}/pause_deployment", status_code=204)
    def pause_deployment(self, deployment_id: Id) -> None:
        """Stop scheduling a deployment (its future auto-scheduled runs are removed)."""
        ...

    @operation("POST", "/deployments/{deployment_id}/resume_deployment", status_code=204)
    def resume_deployment(self, deployment_id: Id) -> None:
        """Schedule a deployment again."""
        ...

    @operation("POST", "/deployments/{deployment_id}/set_paused_state", status_code=204)
    def set_deployment_paused_state(self, deployment_id: Id, paused: bool) -> None:
        """Pause or resume a deployment (Prefect's deprecated spelling of ``pause_deployment``
        / ``resume_deployment``); raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/deployments/get_scheduled_flow_runs")
    def get_scheduled_flow_runs_for_deployments(
        self,
        deployment_ids: list[Id],
        scheduled_before: Optional[datetime] = None,
        limit: Optional[int] = None,
    ) -> list[o.FlowRun]:
        """Scheduled runs of these deployments (due before ``scheduled_before``, if given),
        soonest first, at most ``limit`` (default 200); nothing is claimed."""
        ...

    @operation("POST", "/deployments/{deployment_id}/create_flow_run")
    def create_flow_run_from_deployment(
        self,
        deployment_id: Id,
        *,
        parameters: Optional[dict[str, Any]] = None,
        context: Optional[dict[str, Any]] = None,
        state: Optional[State] = None,
        name: Optional[str] = None,
        tags: Optional[list[str]] = None,
        idempotency_key: Optional[str] = None,
        parent_task_run_id: Optional[Id] = None,
        work_queue_name: Optional[str] = None,
        job_variables: Optional[dict[str, Any]] = None,
        labels: Optional[dict[str, Any]] = None,
    ) -> o.FlowRun:
        """A run of the deployment: parameters merged and checked against its schema."""
        ...

    @operation("POST", "/deployments/{deployment_id}/schedules", client=False)
    def create_deployment_schedules(
        self,
        deployment_id: Id,
        schedules: list[a.DeploymentScheduleCreate],
        max_scheduled_runs: Optional[int] = None,
        parameters: Optional[dict[str, Any]] = None,
        slug: Optional[str] = None,
    ) -> list[o.DeploymentSchedule]:
        """Add schedules to a deployment; raises ``ObjectAlreadyExists`` for a taken slug."""
        ...

    @operation("GET", "/deployments/{deployment_id}/schedules")
    def read_deployment_schedules(self, deployment_id: Id) -> list[o.DeploymentSchedule]:
        """A deployment's schedules, oldest first."""
        ...

    @operation("PATCH", "/deployments/{deployment_id}/schedules/{schedule_id}", status_code=204)
    def update_deployment_schedule(
        self,
        deployment_id: Id,
        schedule_id: Id,
        active: Optional[bool] = None,
        schedule: Optional[SCHEDULE_TYPES] = None,
        max_scheduled_runs: Optional[int] = None,
        parameters: Optional[dict[str, Any]] = None,
        slug: Optional[str] = None,
        jitter: Optional[timedelta] = None,
    ) -> None:
        """Change one schedule; a new timing or parameters replace its future unstarted runs."""
        ...

    @operation("DELETE", "/deployments/{deployment_id}/schedules/{schedule_id}", status_code=204)
    def delete_deployment_schedule(self, deployment_id: Id, schedule_id: Id) -> None:
        """Delete one schedule and its future unstarted runs."""
        ...

    @operation("POST", "/deployments/claim_runs")
    def claim_deployment_runs(
        self, deployment_ids: list[str], limit: Optional[int] = None, now: Optional[int] = None
    ) -> list[o.FlowRun]:
        """Due runs of these deployments moved to Pending for the caller to start.

        Catchup and overlap policies are applied first (skipped runs kept as
        ``Cancelled``/``Skipped`` with the reason).
        """
        ...
