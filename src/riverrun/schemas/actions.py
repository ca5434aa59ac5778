"""Payloads that create or change objects through the client and the HTTP API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from riverrun.schemas.objects import ConcurrencyOptions
from riverrun.schemas.schedules import SCHEDULE_TYPES
from riverrun.states import State


class ActionBaseModel(BaseModel):
    """Base of every action: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class FlowRunUpdate(ActionBaseModel):
    """Change a flow run's name or tags."""

    name: str | None = None
    tags: list[str] | None = None


class StateCreate(ActionBaseModel):
    """Propose a new state for a run."""

    state: State
    force: bool = False


class VariableCreate(ActionBaseModel):
    """Create a variable."""

    name: str
    value: Any = None
    tags: list[str] = Field(default_factory=list)


class VariableUpdate(ActionBaseModel):
    """Change a variable's value or tags."""

    value: Any = None
    tags: list[str] | None = None


class ArtifactUpdate(ActionBaseModel):
    """Change an artifact's data, description or metadata (what is None is kept)."""

    data: Any = None
    description: str | None = None
    metadata_: dict[str, Any] | None = None


class ArtifactCreate(ActionBaseModel):
    """Create an artifact."""

    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, Any] | None = None
    flow_run_id: str | None = None
    task_run_id: str | None = None


class DeploymentScheduleCreate(ActionBaseModel):
    """A schedule to add to a deployment."""

    schedule: SCHEDULE_TYPES
    active: bool = True
    max_scheduled_runs: int | None = Field(default=None, gt=0)
    parameters: dict[str, Any] = Field(default_factory=dict)
    slug: str | None = None
    jitter: timedelta | None = None
    replaces: str | None = None


class DeploymentScheduleUpdate(ActionBaseModel):
    """Changes to one schedule of a deployment (fields left None stay as they are)."""

    schedule: SCHEDULE_TYPES | None = None
    active: bool | None = None
    max_scheduled_runs: int | None = Field(default=None, gt=0)
    parameters: dict[str, Any] | None = None
    slug: str | None = None
    jitter: timedelta | None = None
    replaces: str | None = None


def as_schedule_create(item: Any) -> DeploymentScheduleCreate:
    """A ``DeploymentScheduleCreate`` from what Prefect's methods accept.

    That is a ``DeploymentScheduleCreate``, a ``(schedule, active)`` tuple, a bare schedule
    object, a ``riverrun.schedules.Schedule``, or its dict.
    """
    if isinstance(item, DeploymentScheduleCreate):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        return DeploymentScheduleCreate(schedule=item[0], active=bool(item[1]))
    to_type = getattr(item, "to_schedule_type", None)
    if callable(to_type):  # riverrun.schedules.Schedule
        return DeploymentScheduleCreate(
            schedule=to_type(), active=item.active, parameters=dict(item.parameters),
            slug=item.slug, jitter=item.jitter,
        )  # fmt: skip
    if isinstance(item, dict):
        if "schedule" in item:
            return DeploymentScheduleCreate.model_validate(item)
        return DeploymentScheduleCreate.model_validate({"schedule": item})
    return DeploymentScheduleCreate(schedule=item)


Catchup = Literal["all", "latest", "none"]
Overlap = Literal["allow", "skip", "buffer_one", "buffer_all", "cancel_other"]


class DeploymentCreate(ActionBaseModel):
    """Everything a deployment stores (``flow_id`` and ``name`` are required)."""

    flow_id: str
    name: str
    version: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    parameter_openapi_schema: dict[str, Any] | None = None
    enforce_parameter_schema: bool = True
    entrypoint: str | None = None
    path: str | None = None
    work_pool_name: str | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] = Field(default_factory=dict)
    pull_steps: list[dict[str, Any]] | None = None
    paused: bool = False
    schedules: list[DeploymentScheduleCreate] = Field(default_factory=list)
    concurrency_limit: int | None = Field(default=None, gt=0)
    concurrency_options: ConcurrencyOptions | None = None
    catchup: Catchup = "all"
    catchup_window: timedelta | None = None
    overlap: Overlap = "allow"


class DeploymentUpdate(ActionBaseModel):
    """Changes to a deployment; fields not set stay as they are.

    ``schedules``, when given, replaces the deployment's schedules (matched by slug, so a
    schedule that keeps its slug keeps its ID and runs already made for unchanged times).
    """

    version: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    parameters: dict[str, Any] | None = None
    parameter_openapi_schema: dict[str, Any] | None = None
    enforce_parameter_schema: bool | None = None
    entrypoint: str | None = None
    path: str | None = None
    work_pool_name: str | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None
    pull_steps: list[dict[str, Any]] | None = None
    paused: bool | None = None
    schedules: list[DeploymentScheduleCreate] | None = None
    concurrency_limit: int | None = Field(default=None, gt=0)
    concurrency_options: ConcurrencyOptions | None = None
    catchup: Catchup | None = None
    catchup_window: timedelta | None = None
    overlap: Overlap | None = None


class DeploymentFlowRunCreate(ActionBaseModel):
    """A flow run to create from a deployment (Prefect's body for the same route)."""

    parameters: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    state: State | None = None
    name: str | None = None
    tags: list[str] | None = None
    idempotency_key: str | None = None
    parent_task_run_id: str | None = None
    work_queue_name: str | None = None
    job_variables: dict[str, Any] | None = None


_ZERO_LIMIT = (
    "a limit of 0 would make every acquirer wait forever (a deadlock); give it at least 1 "
    "slot, or stop its users with `active=False` (`riverrun global-concurrency-limit "
    "disable NAME`) or by deleting it"
)


_MAX_SLOTS = 2**31 - 1  # the databases' INTEGER


def _check_limit(value: int | None) -> int | None:
    if value is None:
        return value
    if value == 0:
        raise ValueError(_ZERO_LIMIT)
    if value < 0:
        raise ValueError(f"a concurrency limit counts slots, so it cannot be negative ({value}); "
                         "give it at least 1")  # fmt: skip
    if value > _MAX_SLOTS:
        raise ValueError(f"a concurrency limit of {value} slots is more than the {_MAX_SLOTS} "
                         "a limit can have; for no limit at all, delete or disable it")  # fmt: skip
    return value


def _check_name(value: str | None) -> str | None:
    if value is None:
        return value
    if not value.strip():
        raise ValueError("a concurrency limit needs a non-empty name")
    bad = sorted(set(value) & set("/%&><"))
    if bad:
        raise ValueError(f"the name {value!r} contains {''.join(bad)!r}, which cannot be part "
                         "of a URL path; choose a name without / % & > <")  # fmt: skip
    return value


def _check_tag(value: str) -> str:
    if not value.strip():
        raise ValueError("a tag concurrency limit needs a non-empty tag")
    return value


class GlobalConcurrencyLimitCreate(ActionBaseModel):
    """Create a global concurrency limit (Prefect's fields and defaults)."""

    name: str
    limit: int
    active: bool | None = True
    active_slots: int | None = Field(default=0, ge=0, le=2**31 - 1)
    slot_decay_per_second: float | None = Field(default=0.0, ge=0.0)

    _limit = field_validator("limit")(classmethod(lambda cls, v: _check_limit(v)))
    _name = field_validator("name")(classmethod(lambda cls, v: _check_name(v)))


class GlobalConcurrencyLimitUpdate(ActionBaseModel):
    """Change a global concurrency limit: only the fields given change."""

    name: str | None = None
    limit: int | None = None
    active: bool | None = None
    active_slots: int | None = Field(default=None, ge=0, le=2**31 - 1)
    slot_decay_per_second: float | None = Field(default=None, ge=0.0)

    _limit = field_validator("limit")(classmethod(lambda cls, v: _check_limit(v)))
    _name = field_validator("name")(classmethod(lambda cls, v: _check_name(v)))


class ConcurrencyLimitCreate(ActionBaseModel):
    """Create a tag concurrency limit for task runs (Prefect's v1 limits)."""

    tag: str
    concurrency_limit: int

    _limit = field_validator("concurrency_limit")(classmethod(lambda cls, v: _check_limit(v)))
    _tag = field_validator("tag")(classmethod(lambda cls, v: _check_tag(v)))


# -- work pools and queues ----------------------------------------------------------------------
class WorkPoolCreate(ActionBaseModel):
    """A new work pool (Prefect's ``WorkPoolCreate``); ``type`` ``process`` is the one riverrun runs."""

    name: str = Field(min_length=1)
    description: str | None = None
    type: str = "process"
    base_job_template: dict[str, Any] = Field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)


class WorkPoolUpdate(ActionBaseModel):
    """Changes to a work pool: only the fields set are changed."""

    description: str | None = None
    is_paused: bool | None = None
    base_job_template: dict[str, Any] | None = None
    concurrency_limit: int | None = Field(default=None, ge=0)


class WorkQueueCreate(ActionBaseModel):
    """A new work queue of a pool."""

    name: str = Field(min_length=1)
    description: str | None = None
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)
    priority: int | None = Field(default=None, gt=0)


class WorkQueueUpdate(ActionBaseModel):
    """Changes to a work queue: only the fields set are changed."""

    name: str | None = None
    description: str | None = None
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)
    priority: int | None = Field(default=None, gt=0)


class LogCreate(ActionBaseModel):
    """One log line to store (Prefect's ``LogCreate``): ``level`` is a ``logging`` level number.

    The bounds are the stored event's (``schemas/events.py``): what the database cannot hold
    is refused here, with the field named, not failed on in the store.
    """

    name: str = Field(max_length=255)
    level: int = Field(ge=0, le=2**31 - 1)
    message: str
    timestamp: datetime
    flow_run_id: str | None = Field(default=None, min_length=1, max_length=36)
    task_run_id: str | None = Field(default=None, min_length=1, max_length=36)
    worker_id: str | None = None

    @field_validator("timestamp")
    @classmethod
    def _storable_time(cls, value: datetime) -> datetime:
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        if aware < datetime(1970, 1, 1, tzinfo=timezone.utc):
            raise ValueError("a log timestamp must be 1970 or later")
        return aware


# Prefect's actions module also holds the block actions; riverrun's live in schemas/blocks.py.
_BLOCK_ACTIONS = (
    "BlockDocumentCreate",
    "BlockDocumentUpdate",
    "BlockSchemaCreate",
    "BlockTypeCreate",
    "BlockTypeUpdate",
)


def __getattr__(name: str) -> Any:
    if name in _BLOCK_ACTIONS:
        from riverrun.schemas import blocks

        return getattr(blocks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
