"""``RunnerDeployment``: what ``flow.to_deployment`` returns and ``.apply()`` stores.

The schedule arguments (``interval``, ``cron``, ``rrule``, ``schedule``, ``schedules``) are
Prefect's: the first three may be one value or a list; only one kind may be given.
``triggers`` are Prefect's too: each becomes an automation the deployment owns, replaced at
every ``apply()``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from riverrun.schedules import Schedule
from riverrun.schemas.actions import DeploymentScheduleCreate, as_schedule_create
from riverrun.schemas.deployment_triggers import (
    DEPLOYMENT_RESOURCE,
    DeploymentTriggerTypes,
    as_deployment_trigger,
)
from riverrun.schemas.objects import ConcurrencyLimitConfig, ConcurrencyOptions
from riverrun.schemas.slas import SlaTypes

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.flows import Flow

Intervals = Union[Iterable[Union[int, float, dt.timedelta]], int, float, dt.timedelta]


class RunnerDeployment(BaseModel):
    """A deployment of a flow, built in memory; ``apply()`` stores it.

    Attributes mirror Prefect's ``RunnerDeployment``; ``catchup``, ``catchup_window`` and
    ``overlap`` are riverrun's late-run policies (``docs/deployments.md``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    flow_name: str
    description: Optional[str] = None
    version: Optional[str] = None
    tags: list[str] = Field(default_factory=list)
    schedules: list[DeploymentScheduleCreate] = Field(default_factory=list)
    concurrency_limit: Optional[int] = None
    concurrency_options: Optional[ConcurrencyOptions] = None
    paused: Optional[bool] = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    entrypoint: Optional[str] = None
    path: Optional[str] = None
    enforce_parameter_schema: bool = True
    parameter_openapi_schema: dict[str, Any] = Field(default_factory=dict)
    work_pool_name: Optional[str] = None
    work_queue_name: Optional[str] = None
    job_variables: dict[str, Any] = Field(default_factory=dict)
    catchup: Literal["all", "latest", "none"] = "all"
    catchup_window: Optional[dt.timedelta] = None
    overlap: Literal["allow", "skip", "buffer_one", "buffer_all", "cancel_other"] = "allow"
    triggers: list[DeploymentTriggerTypes] = Field(default_factory=list)
    # Prefect's experimental ``_sla``: None leaves the stored SLAs alone, [] removes them.
    _sla: Optional[Union[SlaTypes, list[SlaTypes]]] = PrivateAttr(default=None)

    @field_validator("triggers", mode="before")
    @classmethod
    def _copy_triggers(cls, value: Any) -> Any:
        # Copies, as deployment triggers: naming and binding them below must not change the
        # caller's objects (one trigger given to two deployments names two automations).
        if not isinstance(value, (list, tuple)):
            return value
        return [item if isinstance(item, dict) else as_deployment_trigger(item) for item in value]

    @model_validator(mode="after")
    def _name_automations(self) -> RunnerDeployment:
        """Each unnamed trigger's automation is ``<deployment>__automation_<n>`` (Prefect's)."""
        for index, trigger in enumerate(self.triggers, start=1):
            if trigger.name is None:
                trigger.name = f"{self.name}__automation_{index}"
        return self

    @property
    def full_name(self) -> str:
        """``"flow-name/deployment-name"``, as ``run_deployment`` and the CLI name it."""
        return f"{self.flow_name}/{self.name}"

    def apply(self, work_pool_name: Optional[str] = None, **_ignored: Any) -> uuid.UUID:
        """Store the deployment (create, or update the one with the same flow and name).

        Returns:
            The deployment's ID.
        """
        from riverrun.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            flow_id = client.create_flow_from_name(self.flow_name)
            deployment_id = client.create_deployment(
                flow_id, self.name, version=self.version, description=self.description,
                tags=self.tags, schedules=self.schedules, concurrency_limit=self.concurrency_limit,
                concurrency_options=self.concurrency_options,
                parameters=self.parameters, entrypoint=self.entrypoint, path=self.path,
                parameter_openapi_schema=self.parameter_openapi_schema,
                enforce_parameter_schema=self.enforce_parameter_schema, paused=self.paused,
                work_pool_name=work_pool_name or self.work_pool_name,
                work_queue_name=self.work_queue_name, job_variables=self.job_variables,
                catchup=self.catchup, catchup_window=self.catchup_window, overlap=self.overlap,
            )  # fmt: skip
            if self._sla is not None:
                slas = self._sla if isinstance(self._sla, list) else [self._sla]
                client.apply_slas_for_deployment(deployment_id, slas)
            # Triggers have no identity to match stored automations by, so (as Prefect) the
            # automations the deployment owns are dropped and made again, one per trigger.
            client.delete_resource_owned_automations(f"{DEPLOYMENT_RESOURCE}{deployment_id}")
            for trigger in self.triggers:
                trigger.set_deployment_id(deployment_id)
                client.create_automation(trigger.as_automation())
        return uuid.UUID(str(deployment_id))

    @classmethod
    def from_flow(
        cls,
        flow: Flow[Any, Any],
        name: str,
        interval: Optional[Intervals] = None,
        cron: Optional[Union[Iterable[str], str]] = None,
        rrule: Optional[Union[Iterable[str], str]] = None,
        paused: Optional[bool] = None,
        schedule: Optional[Schedule] = None,
        schedules: Optional[list[Any]] = None,
        concurrency_limit: Optional[Union[int, ConcurrencyLimitConfig]] = None,
        parameters: Optional[dict[str, Any]] = None,
        description: Optional[str] = None,
        tags: Optional[list[str]] = None,
        version: Optional[str] = None,
        enforce_parameter_schema: bool = True,
        work_pool_name: Optional[str] = None,
        work_queue_name: Optional[str] = None,
        job_variables: Optional[dict[str, Any]] = None,
        entrypoint: Optional[str] = None,
        catchup: Literal["all", "latest", "none"] = "all",
        catchup_window: Optional[dt.timedelta] = None,
        overlap: Literal["allow", "skip", "buffer_one", "buffer_all", "cancel_other"] = "allow",
        triggers: Optional[list[Any]] = None,
        _sla: Optional[Union[SlaTypes, list[SlaTypes]]] = None,
        **_prefect_only: Any,
    ) -> RunnerDeployment:
        """The deployment of ``flow`` named ``name`` (``flow.to_deployment`` calls this).

        ``triggers`` are ``DeploymentEventTrigger`` / ``DeploymentCompoundTrigger`` /
        ``DeploymentSequenceTrigger`` (or their mappings, as in ``riverrun.yaml``), or plain
        triggers, which run the deployment with its default parameters.
        """
        if "/" in name:
            raise ValueError(
                f"Deployment name {name!r} contains '/'; the full name is 'flow/deployment', so "
                "choose a name without it."
            )
        schema = flow.parameters.model_dump_for_openapi()
        if any(
            p.kind is inspect.Parameter.VAR_KEYWORD
            for p in inspect.signature(flow.fn).parameters.values()
        ):
            schema["additionalProperties"] = True
        source = getattr(flow, "_source", None)  # (directory, entrypoint) of from_source
        if entrypoint:
            entry, path = entrypoint, None
        elif source is not None:
            entry, path = source[1], source[0]
        else:
            entry, path = entrypoint_of(flow)
        options = None
        if isinstance(concurrency_limit, ConcurrencyLimitConfig):
            options = ConcurrencyOptions(
                collision_strategy=concurrency_limit.collision_strategy.value,
                grace_period_seconds=concurrency_limit.grace_period_seconds,
            )
            concurrency_limit = concurrency_limit.limit
        deployment = cls(
            name=name, flow_name=flow.name, description=description or flow.description,
            version=version or flow.version, tags=list(tags or []),
            schedules=build_schedules(interval, cron, rrule, schedule, schedules),
            concurrency_limit=concurrency_limit, concurrency_options=options,
            paused=paused, parameters=dict(parameters or {}),
            entrypoint=entry, path=path, enforce_parameter_schema=enforce_parameter_schema,
            parameter_openapi_schema=schema, work_pool_name=work_pool_name,
            work_queue_name=work_queue_name, job_variables=dict(job_variables or {}),
            catchup=catchup, catchup_window=catchup_window, overlap=overlap,
            triggers=list(triggers or []),
        )  # fmt: skip
        deployment._sla = _sla
        return deployment


def entrypoint_of(flow: Flow[Any, Any]) -> tuple[str, str]:
    """``("relative/file.py:function", absolute working directory)`` for a flow defined in a file.

    The path is relative to the current directory when the file is under it (as Prefect
    writes it) and absolute otherwise; the directory is stored so a process started
    elsewhere finds the file.

    Raises:
        ValueError: the flow was not defined in a file (an interactive session, a notebook).
    """
    try:
        source = inspect.getsourcefile(flow.fn)
    except TypeError:
        source = None
    if source is None or not Path(source).exists():
        raise ValueError(
            f"Flow {flow.name!r} is not defined in a file, so a deployment cannot name its "
            "entrypoint. Move it into a .py file, or pass entrypoint='path/to/file.py:function'."
        )
    cwd = Path.cwd().resolve()
    file = Path(source).resolve()
    try:
        shown = str(file.relative_to(cwd))
    except ValueError:
        shown = str(file)
    qualname = getattr(flow.fn, "__qualname__", flow.fn.__name__)
    if "<locals>" in qualname:
        raise ValueError(
            f"Flow {flow.name!r} is defined inside a function ({qualname}); a deployment needs a "
            "flow at module level so its entrypoint can import it."
        )
    return f"{shown}:{flow.fn.__name__}", str(cwd)


def build_schedules(
    interval: Optional[Intervals] = None,
    cron: Optional[Union[Iterable[str], str]] = None,
    rrule: Optional[Union[Iterable[str], str]] = None,
    schedule: Optional[Schedule] = None,
    schedules: Optional[list[Any]] = None,
) -> list[DeploymentScheduleCreate]:
    """The schedules Prefect's keyword arguments describe (only one kind may be given).

    Raises:
        ValueError: more than one kind, or an invalid cron, rrule or timezone.
    """
    from riverrun.schedules import Cron, Interval, RRule

    given = [n for n, v in (("interval", interval), ("cron", cron), ("rrule", rrule),
                            ("schedule", schedule), ("schedules", schedules)) if v is not None]  # fmt: skip
    if len(given) > 1:
        raise ValueError(
            "Only one of interval, cron, rrule, schedule, or schedules can be provided; got "
            f"{', '.join(given)}."
        )
    built: list[Any] = []
    if interval is not None:
        many = interval if isinstance(interval, Iterable) else [interval]
        built = [Interval(i) for i in many]  # type: ignore[arg-type]
    elif cron is not None:
        built = [Cron(c) for c in ([cron] if isinstance(cron, str) else cron)]
    elif rrule is not None:
        built = [RRule(r) for r in ([rrule] if isinstance(rrule, str) else rrule)]
    elif schedule is not None:
        built = [schedule]
    elif schedules is not None:
        built = list(schedules)
    return [as_schedule_create(item) for item in built]
