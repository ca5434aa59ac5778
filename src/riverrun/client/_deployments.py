"""Deployment methods of the client, named and shaped as Prefect's (the async client derives them).

Each passes its arguments to the backend's method of the same name: the embedded ``Store``
in-process, or the HTTP backend in remote mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Optional, Union

from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.actions import DeploymentUpdate
from riverrun.schemas.schedules import SCHEDULE_TYPES
from riverrun.states import State

Id = Union[uuid.UUID, str]


class DeploymentClientMixin:
    """Deployment methods mixed into the sync client."""

    def _deployment_backend(self) -> Any:
        return self._store  # type: ignore[attr-defined]

    def create_flow_from_name(self, flow_name: str) -> str:
        """The flow's ID, creating its record if it has none yet."""
        return self._deployment_backend().create_flow_from_name(flow_name)  # type: ignore[no-any-return]

    def create_deployment(self, flow_id: Id, name: str, **fields: Any) -> str:
        """Create or update (same flow and name) a deployment; returns its ID.

        Keywords as Prefect's: ``version``, ``schedules``, ``concurrency_limit``,
        ``parameters``, ``description``, ``work_queue_name``, ``work_pool_name``, ``tags``,
        ``path``, ``entrypoint``, ``parameter_openapi_schema``, ``paused``,
        ``enforce_parameter_schema``, ``job_variables``; and riverrun's ``catchup``,
        ``catchup_window``, ``overlap``.
        """
        return self._deployment_backend().create_deployment(flow_id, name, **fields)  # type: ignore[no-any-return]

    def read_deployment(self, deployment_id: Id) -> o.Deployment:
        """One deployment; raises ``ObjectNotFound``."""
        return self._deployment_backend().read_deployment(deployment_id)  # type: ignore[no-any-return]

    def read_deployment_by_name(self, name: str) -> o.Deployment:
        """One deployment by ``"flow-name/deployment-name"``; raises ``ObjectNotFound``."""
        return self._deployment_backend().read_deployment_by_name(name)  # type: ignore[no-any-return]

    def read_deployments(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        work_pool_filter: Any = None,
        work_queue_filter: Any = None,
        limit: Optional[int] = None,
        sort: Optional[s.DeploymentSort] = None,
        offset: int = 0,
    ) -> list[o.Deployment]:
        """Deployments matching every filter (Prefect's filters), by name by default."""
        # Filters beyond the HTTP backend's original four are passed only when used, so a
        # server that predates them still answers the common call.
        extra = {k: v for k, v in (("flow_run_filter", flow_run_filter),
                 ("task_run_filter", task_run_filter), ("work_pool_filter", work_pool_filter),
                 ("work_queue_filter", work_queue_filter)) if v is not None}  # fmt: skip
        return self._deployment_backend().read_deployments(  # type: ignore[no-any-return]
            flow_filter=flow_filter, deployment_filter=deployment_filter,
            limit=limit, sort=sort, offset=offset, **extra,
        )  # fmt: skip

    def update_deployment(self, deployment_id: Id, deployment: DeploymentUpdate) -> None:
        """Change the fields set on ``deployment``."""
        self._deployment_backend().update_deployment(deployment_id, deployment)

    def delete_deployment(self, deployment_id: Id) -> None:
        """Delete a deployment and its unstarted runs; raises ``ObjectNotFound``."""
        self._deployment_backend().delete_deployment(deployment_id)

    def pause_deployment(self, deployment_id: Id) -> None:
        """Stop scheduling a deployment."""
        self._deployment_backend().pause_deployment(deployment_id)

    def resume_deployment(self, deployment_id: Id) -> None:
        """Schedule a deployment again."""
        self._deployment_backend().resume_deployment(deployment_id)

    def create_flow_run_from_deployment(
        self,
        deployment_id: Id,
        *,
        parameters: Optional[dict[str, Any]] = None,
        context: Optional[dict[str, Any]] = None,
        state: Optional[State] = None,
        name: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        idempotency_key: Optional[str] = None,
        parent_task_run_id: Optional[Id] = None,
        work_queue_name: Optional[str] = None,
        job_variables: Optional[dict[str, Any]] = None,
        labels: Optional[dict[str, Any]] = None,
    ) -> o.FlowRun:
        """A run of the deployment (parameters merged and checked against its schema)."""
        return self._deployment_backend().create_flow_run_from_deployment(  # type: ignore[no-any-return]
            deployment_id, parameters=parameters, context=context, state=state, name=name,
            tags=None if tags is None else list(tags), idempotency_key=idempotency_key,
            parent_task_run_id=parent_task_run_id, work_queue_name=work_queue_name,
            job_variables=job_variables, labels=labels,
        )  # fmt: skip

    def create_deployment_schedules(
        self, deployment_id: Id, schedules: Sequence[Any]
    ) -> list[o.DeploymentSchedule]:
        """Add ``(schedule, active)`` pairs or ``DeploymentScheduleCreate`` to a deployment."""
        return self._deployment_backend().create_deployment_schedules(deployment_id, schedules)  # type: ignore[no-any-return]

    def read_deployment_schedules(self, deployment_id: Id) -> list[o.DeploymentSchedule]:
        """A deployment's schedules."""
        return self._deployment_backend().read_deployment_schedules(deployment_id)  # type: ignore[no-any-return]

    def update_deployment_schedule(
        self,
        deployment_id: Id,
        schedule_id: Id,
        active: Optional[bool] = None,
        schedule: Optional[SCHEDULE_TYPES] = None,
        max_scheduled_runs: Optional[int] = None,
        parameters: Optional[dict[str, Any]] = None,
        slug: Optional[str] = None,
    ) -> None:
        """Change one schedule (its future unstarted runs are replaced)."""
        self._deployment_backend().update_deployment_schedule(
            deployment_id, schedule_id, active=active, schedule=schedule,
            max_scheduled_runs=max_scheduled_runs, parameters=parameters, slug=slug,
        )  # fmt: skip

    def delete_deployment_schedule(self, deployment_id: Id, schedule_id: Id) -> None:
        """Delete one schedule and its future unstarted runs."""
        self._deployment_backend().delete_deployment_schedule(deployment_id, schedule_id)
