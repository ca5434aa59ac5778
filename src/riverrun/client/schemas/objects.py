"""Objects as the client returns them: flows, flow runs, task runs, logs, artifacts, variables."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from riverrun.states import State, StateType


class RiverrunBaseModel(BaseModel):
    """Base of every object schema: unknown fields from newer servers are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Flow(RiverrunBaseModel):
    """A flow: the named function whose runs are recorded."""

    id: str
    name: str
    tags: list[str] = Field(default_factory=list)
    created: Optional[datetime] = None
    updated: Optional[datetime] = None


class FlowRunPolicy(RiverrunBaseModel):
    """Retry policy of a flow run."""

    retries: Optional[int] = None
    retry_delay: Optional[float] = None
    pause_keys: list[str] = Field(default_factory=list)
    resuming: bool = False


class FlowRun(RiverrunBaseModel):
    """One run of a flow, with its current state."""

    id: str
    name: str
    flow_id: str
    flow_name: Optional[str] = None
    state_id: Optional[str] = None
    deployment_id: Optional[str] = None
    work_queue_name: Optional[str] = None
    work_pool_name: Optional[str] = None
    flow_version: Optional[str] = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: Optional[str] = None
    context: dict[str, Any] = Field(default_factory=dict)
    empirical_policy: FlowRunPolicy = Field(default_factory=FlowRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    parent_task_run_id: Optional[str] = None
    run_count: int = 0
    expected_start_time: Optional[datetime] = None
    next_scheduled_start_time: Optional[datetime] = None
    start_time: Optional[datetime] = None
    end_time: Optional[datetime] = None
    total_run_time: timedelta = timedelta(0)
    created: Optional[datetime] = None
    updated: Optional[datetime] = None
    heartbeat: Optional[datetime] = None
    state_type: Optional[StateType] = None
    state_name: Optional[str] = None
    state: Optional[State] = None


class TaskRunPolicy(RiverrunBaseModel):
    """Retry policy of a task run."""

    retries: Optional[int] = None
    retry_delay: Optional[Any] = None
    retry_jitter_factor: Optional[float] = None


class TaskRunInput(RiverrunBaseModel):
    """An upstream dependency of a task run: the run whose result fed one of its inputs."""

    input_type: str = "task_run"
    id: str


class TaskRun(RiverrunBaseModel):
    """One run of a task, with its current state."""

    id: str
    name: str
    flow_run_id: Optional[str] = None
    task_key: str
    dynamic_key: str = "0"
    cache_key: Optional[str] = None
    cache_expiration: Optional[datetime] = None
    task_version: Optional[str] = None
    empirical_policy: TaskRunPolicy = Field(default_factory=TaskRunPolicy)
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    task_inputs: dict[str, list[TaskRunInput]] = Field(default_factory=dict)
    run_count: int = 0
    flow_run_run_count: int = 0
    expected_start_time: Optional[datetime] = None
    start_time: Optional[datetime] = None
    end_time: Optional[datetime] = None
    total_run_time: timedelta = timedelta(0)
    created: Optional[datetime] = None
    updated: Optional[datetime] = None
    state_id: Optional[str] = None
    state_type: Optional[StateType] = None
    state_name: Optional[str] = None
    state: Optional[State] = None


class Log(RiverrunBaseModel):
    """One log line, linked to its flow run and, inside a task, its task run."""

    id: str
    name: str
    level: int
    message: str
    timestamp: datetime
    flow_run_id: Optional[str] = None
    task_run_id: Optional[str] = None


class Artifact(RiverrunBaseModel):
    """A rich result a run published: markdown, a table, a link."""

    id: str
    key: Optional[str] = None
    type: Optional[str] = None
    description: Optional[str] = None
    data: Any = None
    metadata_: Optional[dict[str, Any]] = None
    flow_run_id: Optional[str] = None
    task_run_id: Optional[str] = None
    created: Optional[datetime] = None
    updated: Optional[datetime] = None


class Variable(RiverrunBaseModel):
    """A named JSON value stored for flows to read."""

    id: str
    name: str
    value: Any = None
    tags: list[str] = Field(default_factory=list)
    created: Optional[datetime] = None
    updated: Optional[datetime] = None


class Deployment(RiverrunBaseModel):
    """A flow's entrypoint plus parameters, schedules and tags, runnable on demand."""

    id: str
    name: str
    flow_id: str
    description: Optional[str] = None
    version: Optional[str] = None
    tags: list[str] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    parameter_openapi_schema: Optional[dict[str, Any]] = None
    entrypoint: Optional[str] = None
    path: Optional[str] = None
    work_pool_name: Optional[str] = None
    work_queue_name: Optional[str] = None
    paused: bool = False
    created: Optional[datetime] = None
    updated: Optional[datetime] = None


class OrchestrationResult(RiverrunBaseModel):
    """The answer to a proposed state: accepted (with the state) or rejected (with a reason)."""

    status: str  # "ACCEPT" | "REJECT" | "ABORT" | "WAIT"
    state: Optional[State] = None
    reason: Optional[str] = None


__all__ = [
    "Artifact",
    "Deployment",
    "Flow",
    "FlowRun",
    "FlowRunPolicy",
    "Log",
    "OrchestrationResult",
    "RiverrunBaseModel",
    "TaskRun",
    "TaskRunInput",
    "TaskRunPolicy",
    "Variable",
]
