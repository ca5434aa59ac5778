"""Deployment methods of the client whose Prefect shape differs from the operation they use.

Prefect's ``create_deployment`` and ``create_deployment_schedules`` take schedules as
``(schedule, active)`` pairs, schedule objects or ``riverrun.schedules.Schedule``; these turn
them into the ``DeploymentScheduleCreate`` the operation carries. The other deployment
methods are generated from the operation table (``riverrun._api.deployments``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Optional

from riverrun._api.operation import Id
from riverrun.schemas import objects as o

if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI


class DeploymentClientMixin:
    """``create_deployment`` and ``create_deployment_schedules`` as Prefect's client has them."""

    _backend: StoreAPI

    def create_deployment(
        self,
        flow_id: Id,
        name: str,
        schedules: Optional[Sequence[Any]] = None,
        concurrency_options: Optional[Any] = None,
        catchup_window: Optional[timedelta | float] = None,
        **fields: Any,
    ) -> str:
        """Create or update (same flow and name) a deployment; returns its ID.

        Keywords as Prefect's: ``version``, ``schedules``, ``concurrency_limit``,
        ``concurrency_options``, ``parameters``, ``description``, ``work_queue_name``,
        ``work_pool_name``, ``tags``, ``path``, ``entrypoint``, ``parameter_openapi_schema``,
        ``paused``, ``pull_steps``, ``enforce_parameter_schema``, ``job_variables``; and
        riverrun's ``catchup``, ``catchup_window`` (seconds or a timedelta), ``overlap``.
        """
        from riverrun.schemas.actions import as_schedule_create

        if isinstance(concurrency_options, dict):
            concurrency_options = o.ConcurrencyOptions.model_validate(concurrency_options)
        if isinstance(catchup_window, (int, float)):
            catchup_window = timedelta(seconds=catchup_window)
        return self._backend.create_deployment(
            flow_id, name, schedules=[as_schedule_create(x) for x in schedules or []],
            concurrency_options=concurrency_options, catchup_window=catchup_window, **fields,
        )  # fmt: skip

    def create_deployment_schedules(
        self,
        deployment_id: Id,
        schedules: Sequence[Any],
        max_scheduled_runs: Optional[int] = None,
        parameters: Optional[dict[str, Any]] = None,
        slug: Optional[str] = None,
    ) -> list[o.DeploymentSchedule]:
        """Add ``(schedule, active)`` pairs or ``DeploymentScheduleCreate`` to a deployment."""
        from riverrun.schemas.actions import as_schedule_create

        return self._backend.create_deployment_schedules(
            deployment_id, [as_schedule_create(x) for x in schedules],
            max_scheduled_runs=max_scheduled_runs, parameters=parameters, slug=slug,
        )  # fmt: skip
