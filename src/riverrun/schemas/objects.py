"""Objects as the client returns them: flows, flow runs, task runs, logs, artifacts, variables."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Literal, Union
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from riverrun.schemas.schedules import SCHEDULE_TYPES
from riverrun.states import State, StateDetails, StateType


class RiverrunBaseModel(BaseModel):
    """Base of every object schema: unknown fields from newer servers are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


KeyValueLabels = dict[str, Union[StrictBool, StrictInt, StrictFloat, str]]
"""Labels of a run, as Prefect's: text keys, scalar values."""


class Flow(RiverrunBaseModel):
    """A flow: the named function whose runs are recorded."""

    id: str
    name: str
    tags: list[str] = Field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None


class FlowRunPolicy(RiverrunBaseModel):
    """Retry policy of a flow run."""

    retries: int | None = None
    retry_delay: float | None = None
    pause_keys: list[str] = Field(default_factory=list)
    resuming: bool = False


class FlowRun(RiverrunBaseModel):
    """One run of a flow, with its current state."""

    id: str
    name: str
    flow_id: str
    flow_name: str | None = None
    state_id: str | None = None
    deployment_id: str | None = None
    work_queue_name: str | None = None
    work_pool_name: str | None = None
    flow_version: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    parent_task_run_id: str | None = None
    run_count: int = 0
    expected_start_time: datetime | None = None
    next_scheduled_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_run_time: timedelta = timedelta(0)
    created: datetime | None = None
    updated: datetime | None = None
    heartbeat: datetime | None = None
    state_type: StateType | None = None
    state_name: str | None = None
    state: State | None = None


class TaskRunPolicy(RiverrunBaseModel):
    """Retry policy of a task run."""

    retries: int | None = None
    retry_delay: Any | None = None
    retry_jitter_factor: float | None = None


class TaskRunInput(RiverrunBaseModel):
    """An upstream dependency of a task run: the run whose result fed one of its inputs."""

    input_type: str = "task_run"
    id: str


class TaskRun(RiverrunBaseModel):
    """One run of a task, with its current state."""

    id: str
    name: str
    flow_run_id: str | None = None
    task_key: str
    dynamic_key: str = "0"
    cache_key: str | None = None
    cache_expiration: datetime | None = None
    task_version: str | None = None
    empirical_policy: TaskRunPolicy = Field(default_factory=TaskRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    task_inputs: dict[str, list[TaskRunInput]] = Field(default_factory=dict)
    run_count: int = 0
    flow_run_run_count: int = 0
    expected_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_run_time: timedelta = timedelta(0)
    created: datetime | None = None
    updated: datetime | None = None
    state_id: str | None = None
    state_type: StateType | None = None
    state_name: str | None = None
    state: State | None = None


class Log(RiverrunBaseModel):
    """One log line, linked to its flow run and, inside a task, its task run."""

    id: str
    name: str
    level: int
    message: str
    timestamp: datetime
    flow_run_id: str | None = None
    task_run_id: str | None = None


class Artifact(RiverrunBaseModel):
    """A rich result a run published: markdown, a table, a link."""

    id: str
    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, Any] | None = None
    flow_run_id: str | None = None
    task_run_id: str | None = None
    created: datetime | None = None
    updated: datetime | None = None


class ArtifactCollection(Artifact):
    """The latest artifact of a key (Prefect's ``ArtifactCollection``): ``latest_id`` is that
    artifact's ID, ``id`` too (riverrun keeps no separate collection row)."""

    key: str
    latest_id: str


class Variable(RiverrunBaseModel):
    """A named JSON value stored for flows to read."""

    id: str
    name: str
    value: Any = None
    tags: list[str] = Field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None


class FlowRunInput(RiverrunBaseModel):
    """A value sent to a flow run under a key (``send_input``, ``create_flow_run_input``)."""

    id: str
    flow_run_id: str
    key: str
    value: str
    sender: str | None = None
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def decoded_value(self) -> Any:
        """The value decoded from JSON (raises ``ValueError`` when it is not JSON)."""
        import json

        return json.loads(self.value)


class DeploymentSchedule(RiverrunBaseModel):
    """One schedule of a deployment, with its own switch, parameters and slug."""

    id: str
    deployment_id: str | None = None
    schedule: SCHEDULE_TYPES
    active: bool = True
    max_scheduled_runs: int | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    slug: str | None = None
    jitter: timedelta | None = None
    high_water: datetime | None = None
    created: datetime | None = None
    updated: datetime | None = None


class ConcurrencyOptions(RiverrunBaseModel):
    """What happens to a run that would exceed its deployment's concurrency limit."""

    collision_strategy: Literal["ENQUEUE", "CANCEL_NEW"] = "ENQUEUE"
    grace_period_seconds: int | None = None


class Deployment(RiverrunBaseModel):
    """A flow's entrypoint plus parameters, schedules and tags, runnable on demand."""

    id: str
    name: str
    flow_id: str
    description: str | None = None
    version: str | None = None
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
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
    schedules: list[DeploymentSchedule] = Field(default_factory=list)
    concurrency_limit: int | None = None
    concurrency_options: ConcurrencyOptions | None = None
    # riverrun's policies for late runs (docs/deployments.md); Prefect behaves as the defaults.
    catchup: Literal["all", "latest", "none"] = "all"
    catchup_window: timedelta | None = None
    overlap: Literal["allow", "skip", "buffer_one", "buffer_all", "cancel_other"] = "allow"
    last_polled: datetime | None = None
    status: Literal["READY", "NOT_READY"] | None = None
    created: datetime | None = None
    updated: datetime | None = None


class ConcurrencyLimitStrategy(str, Enum):
    """What a deployment does with a run that would exceed its concurrency limit."""

    ENQUEUE = "ENQUEUE"
    CANCEL_NEW = "CANCEL_NEW"


class ConcurrencyLimitConfig(RiverrunBaseModel):
    """A deployment's ``concurrency_limit`` with its collision strategy (as Prefect 3)."""

    limit: int
    collision_strategy: ConcurrencyLimitStrategy = ConcurrencyLimitStrategy.ENQUEUE
    grace_period_seconds: int | None = None


class ConcurrencyLeaseHolder(RiverrunBaseModel):
    """Who holds a concurrency lease: a flow run, a task run or a deployment."""

    type: Literal["flow_run", "task_run", "deployment"]
    id: UUID | str


class GlobalConcurrencyLimit(RiverrunBaseModel):
    """A named global concurrency limit (Prefect's v2 limits); ``active_slots`` is what its
    live leases hold now."""

    id: str
    name: str
    limit: int
    active: bool = True
    active_slots: int = 0
    slot_decay_per_second: float = 0.0
    created: datetime | None = None
    updated: datetime | None = None


GlobalConcurrencyLimitResponse = GlobalConcurrencyLimit


class ConcurrencyLimit(RiverrunBaseModel):
    """A tag concurrency limit for task runs (Prefect's v1 limits); ``active_slots`` lists the
    task runs holding a slot."""

    id: str
    tag: str
    concurrency_limit: int
    active_slots: list[str] = Field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None


class MinimalConcurrencyLimitResponse(RiverrunBaseModel):
    """A limit a lease took slots of."""

    id: str
    name: str
    limit: int


class ConcurrencyLimitWithLeaseResponse(RiverrunBaseModel):
    """Slots granted: the lease that holds them and the limits they were taken from."""

    lease_id: str
    limits: list[MinimalConcurrencyLimitResponse] = Field(default_factory=list)


class ConcurrencySlotAnswer(RiverrunBaseModel):
    """The answer to one acquire attempt: the grant, or how long to wait before the next try.

    ``granted`` is None when the slots were not free; ``retry_after`` is then a hint in
    seconds (when the first slot frees, for rate limits). ``missing`` names requested limits
    that do not exist (acquisition skips them, or fails if strict).
    """

    granted: ConcurrencyLimitWithLeaseResponse | None = None
    retry_after: float = 0.0
    missing: list[str] = Field(default_factory=list)


class OrchestrationResult(RiverrunBaseModel):
    """The answer to a proposed state: accepted (with the state) or rejected (with a reason)."""

    status: str  # "ACCEPT" | "REJECT" | "ABORT" | "WAIT"
    state: State | None = None
    reason: str | None = None


# -- work pools, queues, workers ----------------------------------------------------------------
class WorkPoolStatus(str, Enum):
    """A pool is READY when a worker polling it is online, PAUSED when paused."""

    READY = "READY"
    NOT_READY = "NOT_READY"
    PAUSED = "PAUSED"


class WorkQueueStatus(str, Enum):
    """A queue is READY when polled in the last minute, PAUSED when paused."""

    READY = "READY"
    NOT_READY = "NOT_READY"
    PAUSED = "PAUSED"


class WorkerStatus(str, Enum):
    """ONLINE while the worker's heartbeats arrive; OFFLINE after three missed ones."""

    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


class WorkPool(RiverrunBaseModel):
    """Where a deployment's runs go: a pool of workers of one type, with queues."""

    id: str
    name: str
    description: str | None = None
    type: str
    base_job_template: dict[str, Any] = Field(default_factory=dict)
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)
    status: WorkPoolStatus | None = None
    active_slots: int | None = None
    default_queue_id: str | None = None
    created: datetime | None = None
    updated: datetime | None = None


class WorkQueue(RiverrunBaseModel):
    """A queue of a work pool: runs are claimed from queues by priority (1 first)."""

    id: str
    name: str
    description: str | None = ""
    is_paused: bool = False
    concurrency_limit: int | None = Field(default=None, ge=0)
    priority: int = 1
    work_pool_name: str | None = None
    work_pool_id: str | None = None
    last_polled: datetime | None = None
    status: WorkQueueStatus | None = None
    active_slots: int | None = None
    created: datetime | None = None
    updated: datetime | None = None


class WorkQueueHealthPolicy(RiverrunBaseModel):
    """When a queue counts as healthy: at most ``maximum_late_runs`` late runs, and polled
    within ``maximum_seconds_since_last_polled`` (Prefect's defaults: 0 and 60)."""

    maximum_late_runs: int | None = 0
    maximum_seconds_since_last_polled: int | None = 60


class WorkQueueStatusDetail(RiverrunBaseModel):
    """A queue's health: its late runs, when a worker last polled it, and the policy."""

    healthy: bool
    late_runs_count: int = 0
    last_polled: datetime | None = None
    health_check_policy: WorkQueueHealthPolicy = Field(default_factory=WorkQueueHealthPolicy)


class Worker(RiverrunBaseModel):
    """A worker process polling a pool, as its heartbeats report it."""

    id: str
    name: str
    work_pool_id: str
    last_heartbeat_time: datetime | None = None
    heartbeat_interval_seconds: int | None = None
    status: WorkerStatus = WorkerStatus.OFFLINE
    created: datetime | None = None
    updated: datetime | None = None


class WorkerFlowRunResponse(RiverrunBaseModel):
    """A run for a worker, with the pool and queue it came from."""

    work_pool_id: str
    work_queue_id: str
    flow_run: FlowRun
    # riverrun: the claim's lease (renew with it; a state proposal carrying it is fenced).
    lease_token: int | None = None


__all__ = [
    "Artifact",
    "ConcurrencyLeaseHolder",
    "ConcurrencyLimit",
    "ConcurrencyLimitConfig",
    "ConcurrencyLimitStrategy",
    "ConcurrencyLimitWithLeaseResponse",
    "ArtifactCollection",
    "ConcurrencyOptions",
    "ConcurrencySlotAnswer",
    "Deployment",
    "DeploymentSchedule",
    "Flow",
    "FlowRun",
    "FlowRunInput",
    "FlowRunPolicy",
    "GlobalConcurrencyLimit",
    "GlobalConcurrencyLimitResponse",
    "Log",
    "MinimalConcurrencyLimitResponse",
    "OrchestrationResult",
    "RiverrunBaseModel",
    "State",
    "StateDetails",
    "StateType",
    "TaskRun",
    "TaskRunInput",
    "TaskRunPolicy",
    "Variable",
    "WorkPool",
    "WorkPoolStatus",
    "WorkQueue",
    "WorkQueueHealthPolicy",
    "WorkQueueStatus",
    "WorkQueueStatusDetail",
    "Worker",
    "WorkerFlowRunResponse",
    "WorkerStatus",
]
