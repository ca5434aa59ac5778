"""Filters for querying runs, logs, artifacts and more, as in Prefect 3.

Each filter is a pydantic model; an unknown field is an error that lists the valid ones,
never silently ignored (a misspelt filter would otherwise match everything).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from riverrun.states import StateType


class RiverrunFilterBaseModel(BaseModel):
    """Base of every filter: unknown fields are rejected with the list of valid ones."""

    model_config = ConfigDict(extra="forbid", frozen=False, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                valid = ", ".join(sorted(cls.model_fields))
                raise ValueError(
                    f"Unknown field(s) {', '.join(map(repr, unknown))} for {cls.__name__}; "
                    f"valid fields are: {valid}."
                )
        return data


class Operator(str, enum.Enum):
    """How a filter combines its criteria (Prefect's ``Operator``); its values are what
    ``operator=`` also takes as plain text."""

    and_ = "and_"
    or_ = "or_"


class OperatorMixin(BaseModel):
    """Combine the sub-filters of a filter with ``and_`` (default) or ``or_``."""

    operator: Literal["and_", "or_"] = "and_"

    @field_validator("operator", mode="before")
    @classmethod
    def _operator_text(cls, value: Any) -> Any:
        return value.value if isinstance(value, Operator) else value


# -- generic shapes ---------------------------------------------------------------------


class _AnyId(RiverrunFilterBaseModel):
    any_: list[Any] | None = None
    not_any_: list[Any] | None = None


class _Name(RiverrunFilterBaseModel):
    any_: list[str] | None = None
    like_: str | None = None
    not_any_: list[str] | None = None


class _Tags(OperatorMixin, RiverrunFilterBaseModel):
    all_: list[str] | None = None
    any_: list[str] | None = None
    is_null_: StrictBool | None = None


class _Time(RiverrunFilterBaseModel):
    before_: datetime | None = None
    after_: datetime | None = None
    is_null_: StrictBool | None = None

    @field_validator("before_", "after_", mode="before")
    @classmethod
    def _no_bare_numbers(cls, value: Any) -> Any:
        # Lax validation would read 0 as 1970-01-01; the API documents a date-time string.
        if isinstance(value, (int, float)):
            raise ValueError(
                "expected a date-time (ISO 8601 text such as 2026-01-31T12:00:00Z), not a number"
            )
        return value


class _OptionalId(RiverrunFilterBaseModel):
    any_: list[Any] | None = None
    is_null_: StrictBool | None = None


# -- flows ------------------------------------------------------------------------------


class FlowFilterId(_AnyId):
    """Match flows by ID."""


class FlowFilterName(_Name):
    """Match flows by name: exact ``any_`` or SQL-style substring ``like_``."""


class FlowFilterTags(_Tags):
    """Match flows by tags."""


class FlowFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter flows."""

    id: FlowFilterId | None = None
    name: FlowFilterName | None = None
    tags: FlowFilterTags | None = None


# -- flow runs ----------------------------------------------------------------------------


class FlowRunFilterId(_AnyId):
    """Match flow runs by ID."""


class FlowRunFilterName(_Name):
    """Match flow runs by name: exact ``any_`` or substring ``like_``."""


class FlowRunFilterTags(_Tags):
    """Match flow runs carrying ``all_`` of some tags or ``any_`` of them."""


class FlowRunFilterDeploymentId(_OptionalId):
    """Match flow runs of deployments."""


class FlowRunFilterWorkQueueName(_OptionalId):
    """Match flow runs by work queue name."""


class FlowRunFilterStateType(RiverrunFilterBaseModel):
    """Match flow runs by state type."""

    any_: list[StateType] | None = None
    not_any_: list[StateType] | None = None


class FlowRunFilterStateName(RiverrunFilterBaseModel):
    """Match flow runs by state name (``Completed``, ``Cached``, ``Late``...)."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class FlowRunFilterState(OperatorMixin, RiverrunFilterBaseModel):
    """Match flow runs by state type and/or name."""

    type: FlowRunFilterStateType | None = None
    name: FlowRunFilterStateName | None = None


class FlowRunFilterFlowVersion(RiverrunFilterBaseModel):
    """Match flow runs by flow version."""

    any_: list[str] | None = None


class FlowRunFilterStartTime(_Time):
    """Match flow runs that started ``before_`` / ``after_`` a time."""


class FlowRunFilterEndTime(_Time):
    """Match flow runs that ended ``before_`` / ``after_`` a time."""


class FlowRunFilterExpectedStartTime(_Time):
    """Match flow runs expected to start ``before_`` / ``after_`` a time."""


class FlowRunFilterNextScheduledStartTime(_Time):
    """Match flow runs by their next scheduled start time."""


class FlowRunFilterParentFlowRunId(RiverrunFilterBaseModel):
    """Match subflow runs of the given parent flow runs."""

    any_: list[Any] | None = None


class FlowRunFilterParentTaskRunId(_OptionalId):
    """Match flow runs by the task run that represents them in their parent."""


class FlowRunFilterIdempotencyKey(RiverrunFilterBaseModel):
    """Match flow runs by idempotency key."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class FlowRunFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter flow runs; every given sub-filter must match (``operator="or_"`` for any)."""

    id: FlowRunFilterId | None = None
    name: FlowRunFilterName | None = None
    tags: FlowRunFilterTags | None = None
    deployment_id: FlowRunFilterDeploymentId | None = None
    work_queue_name: FlowRunFilterWorkQueueName | None = None
    state: FlowRunFilterState | None = None
    flow_version: FlowRunFilterFlowVersion | None = None
    start_time: FlowRunFilterStartTime | None = None
    end_time: FlowRunFilterEndTime | None = None
    expected_start_time: FlowRunFilterExpectedStartTime | None = None
    next_scheduled_start_time: FlowRunFilterNextScheduledStartTime | None = None
    parent_flow_run_id: FlowRunFilterParentFlowRunId | None = None
    parent_task_run_id: FlowRunFilterParentTaskRunId | None = None
    idempotency_key: FlowRunFilterIdempotencyKey | None = None


# -- task runs -----------------------------------------------------------------------------


class TaskRunFilterId(_AnyId):
    """Match task runs by ID."""


class TaskRunFilterName(_Name):
    """Match task runs by name."""


class TaskRunFilterTags(_Tags):
    """Match task runs by tags."""


class TaskRunFilterStateType(FlowRunFilterStateType):
    """Match task runs by state type."""


class TaskRunFilterStateName(FlowRunFilterStateName):
    """Match task runs by state name."""


class TaskRunFilterState(OperatorMixin, RiverrunFilterBaseModel):
    """Match task runs by state type and/or name."""

    type: TaskRunFilterStateType | None = None
    name: TaskRunFilterStateName | None = None


class TaskRunFilterSubFlowRuns(RiverrunFilterBaseModel):
    """Match task runs that stand for subflow runs (``exists_=True``) or not."""

    exists_: StrictBool | None = None


class TaskRunFilterStartTime(_Time):
    """Match task runs by start time."""


class TaskRunFilterExpectedStartTime(_Time):
    """Match task runs by expected start time."""


class TaskRunFilterFlowRunId(_OptionalId):
    """Match task runs of the given flow runs."""


class TaskRunFilterEndTime(_Time):
    """Match task runs by when they ended (``is_null_=True``: not ended)."""


class TaskRunFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter task runs."""

    id: TaskRunFilterId | None = None
    name: TaskRunFilterName | None = None
    tags: TaskRunFilterTags | None = None
    state: TaskRunFilterState | None = None
    start_time: TaskRunFilterStartTime | None = None
    expected_start_time: TaskRunFilterExpectedStartTime | None = None
    end_time: TaskRunFilterEndTime | None = None
    subflow_runs: TaskRunFilterSubFlowRuns | None = None
    flow_run_id: TaskRunFilterFlowRunId | None = None


# -- deployments -------------------------------------------------------------------------------


class DeploymentFilterId(_AnyId):
    """Match deployments by ID."""


class DeploymentFilterName(_Name):
    """Match deployments by name."""


class DeploymentFilterTags(_Tags):
    """Match deployments by tags."""


class DeploymentFilterWorkQueueName(RiverrunFilterBaseModel):
    """Match deployments by the work queue their runs go to."""

    any_: list[str] | None = None


class DeploymentFilterConcurrencyLimit(RiverrunFilterBaseModel):
    """Match deployments by concurrency limit (``is_null_`` for those without one)."""

    ge_: int | None = None
    le_: int | None = None
    is_null_: bool | None = None


class DeploymentFilterPaused(RiverrunFilterBaseModel):
    """Match paused (``eq_=True``) or active deployments."""

    eq_: bool | None = None


class DeploymentFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter deployments."""

    id: DeploymentFilterId | None = None
    name: DeploymentFilterName | None = None
    tags: DeploymentFilterTags | None = None
    work_queue_name: DeploymentFilterWorkQueueName | None = None
    concurrency_limit: DeploymentFilterConcurrencyLimit | None = None
    paused: DeploymentFilterPaused | None = None


# -- work pools, queues, workers ----------------------------------------------------------------
class WorkPoolFilterId(RiverrunFilterBaseModel):
    """Match work pools by ID."""

    any_: list[Any] | None = None


class WorkPoolFilterName(RiverrunFilterBaseModel):
    """Match work pools by name."""

    any_: list[str] | None = None


class WorkPoolFilterType(RiverrunFilterBaseModel):
    """Match work pools by type."""

    any_: list[str] | None = None


class WorkPoolFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter work pools."""

    id: WorkPoolFilterId | None = None
    name: WorkPoolFilterName | None = None
    type: WorkPoolFilterType | None = None


class WorkQueueFilterId(RiverrunFilterBaseModel):
    """Match work queues by ID."""

    any_: list[Any] | None = None


class WorkQueueFilterName(RiverrunFilterBaseModel):
    """Match work queues by name (``startswith_``: any of these prefixes)."""

    any_: list[str] | None = None
    startswith_: list[str] | None = None


class WorkQueueFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter work queues."""

    id: WorkQueueFilterId | None = None
    name: WorkQueueFilterName | None = None


class WorkerFilterWorkPoolId(RiverrunFilterBaseModel):
    """Match workers by their pool's ID."""

    any_: list[Any] | None = None


class WorkerFilterStatus(RiverrunFilterBaseModel):
    """Match workers by status (``ONLINE`` / ``OFFLINE``)."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class WorkerFilterLastHeartbeatTime(RiverrunFilterBaseModel):
    """Match workers by their last heartbeat."""

    before_: datetime | None = None
    after_: datetime | None = None


class WorkerFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter workers."""

    last_heartbeat_time: WorkerFilterLastHeartbeatTime | None = None
    status: WorkerFilterStatus | None = None


# -- logs --------------------------------------------------------------------------------------


class LogFilterLevel(RiverrunFilterBaseModel):
    """Match logs at or above ``ge_`` and at or below ``le_``."""

    ge_: int | None = None
    le_: int | None = None


class LogFilterTimestamp(_Time):
    """Match logs by timestamp."""


class LogFilterFlowRunId(RiverrunFilterBaseModel):
    """Match logs of the given flow runs."""

    any_: list[Any] | None = None


class LogFilterTaskRunId(_OptionalId):
    """Match logs of the given task runs (``is_null_=True``: flow-level logs only)."""


class LogFilterName(RiverrunFilterBaseModel):
    """Match logs by logger name (Prefect's class; its ``LogFilter`` has no field of it either)."""

    any_: list[str] | None = None


class LogFilterTextSearch(RiverrunFilterBaseModel):
    """Match logs whose message contains text, case-insensitively (Prefect's query syntax):
    ``error timeout`` both words, ``"connection timeout"`` the phrase, ``-debug`` not this
    word, ``+required`` this word."""

    query: str = Field(max_length=200)

    def terms(self) -> tuple[list[str], list[str]]:
        """(words or phrases a message must contain, those it must not)."""
        import shlex

        try:
            parts = shlex.split(self.query)
        except ValueError:  # an unbalanced quote: every word as written
            parts = self.query.split()
        include = [p.lstrip("+") for p in parts if not p.startswith("-") and p.lstrip("+")]
        exclude = [p[1:] for p in parts if p.startswith("-") and len(p) > 1]
        return include, exclude


class LogFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter logs."""

    level: LogFilterLevel | None = None
    timestamp: LogFilterTimestamp | None = None
    flow_run_id: LogFilterFlowRunId | None = None
    task_run_id: LogFilterTaskRunId | None = None
    text: LogFilterTextSearch | None = None


# -- artifacts and variables ---------------------------------------------------------------------


class ArtifactFilterId(_AnyId):
    """Match artifacts by ID."""


class ArtifactFilterKey(RiverrunFilterBaseModel):
    """Match artifacts by key."""

    any_: list[str] | None = None
    like_: str | None = None
    exists_: StrictBool | None = None


class ArtifactFilterFlowRunId(RiverrunFilterBaseModel):
    """Match artifacts of the given flow runs."""

    any_: list[Any] | None = None


class ArtifactFilterTaskRunId(RiverrunFilterBaseModel):
    """Match artifacts of the given task runs."""

    any_: list[Any] | None = None


class ArtifactFilterType(RiverrunFilterBaseModel):
    """Match artifacts by type (``markdown``, ``table``, ``link``...)."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


class ArtifactFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter artifacts."""

    id: ArtifactFilterId | None = None
    key: ArtifactFilterKey | None = None
    flow_run_id: ArtifactFilterFlowRunId | None = None
    task_run_id: ArtifactFilterTaskRunId | None = None
    type: ArtifactFilterType | None = None


class ArtifactCollectionFilterLatestId(_AnyId):
    """Match the latest artifacts of keys by their ID."""


class ArtifactCollectionFilterKey(ArtifactFilterKey):
    """Match the latest artifacts by key."""


class ArtifactCollectionFilterFlowRunId(ArtifactFilterFlowRunId):
    """Match the latest artifacts of the given flow runs."""


class ArtifactCollectionFilterTaskRunId(ArtifactFilterTaskRunId):
    """Match the latest artifacts of the given task runs."""


class ArtifactCollectionFilterType(ArtifactFilterType):
    """Match the latest artifacts by type."""


class ArtifactCollectionFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter the latest artifact of each key (Prefect's ``ArtifactCollectionFilter``)."""

    latest_id: ArtifactCollectionFilterLatestId | None = None
    key: ArtifactCollectionFilterKey | None = None
    flow_run_id: ArtifactCollectionFilterFlowRunId | None = None
    task_run_id: ArtifactCollectionFilterTaskRunId | None = None
    type: ArtifactCollectionFilterType | None = None


class VariableFilterId(_AnyId):
    """Match variables by ID."""


class VariableFilterName(_Name):
    """Match variables by name."""


class VariableFilterTags(_Tags):
    """Match variables by tags."""


class VariableFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter variables."""

    id: VariableFilterId | None = None
    name: VariableFilterName | None = None
    tags: VariableFilterTags | None = None
