"""Filters for querying runs, logs, artifacts and more, as in Prefect 3.

Each filter is a pydantic model; an unknown field is an error that lists the valid ones,
never silently ignored (a misspelt filter would otherwise match everything).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, model_validator

from riverrun.states import StateType


class RiverrunFilterBaseModel(BaseModel):
    """Base of every filter: unknown fields are rejected with the list of valid ones."""

    model_config = ConfigDict(extra="forbid", frozen=False)

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


class OperatorMixin(BaseModel):
    """Combine the sub-filters of a filter with ``and_`` (default) or ``or_``."""

    operator: Literal["and_", "or_"] = "and_"


# -- generic shapes ---------------------------------------------------------------------


class _AnyId(RiverrunFilterBaseModel):
    any_: Optional[list[Any]] = None
    not_any_: Optional[list[Any]] = None


class _Name(RiverrunFilterBaseModel):
    any_: Optional[list[str]] = None
    like_: Optional[str] = None
    not_any_: Optional[list[str]] = None


class _Tags(RiverrunFilterBaseModel):
    all_: Optional[list[str]] = None
    any_: Optional[list[str]] = None
    is_null_: Optional[bool] = None


class _Time(RiverrunFilterBaseModel):
    before_: Optional[datetime] = None
    after_: Optional[datetime] = None
    is_null_: Optional[bool] = None


class _OptionalId(RiverrunFilterBaseModel):
    any_: Optional[list[Any]] = None
    is_null_: Optional[bool] = None


# -- flows ------------------------------------------------------------------------------


class FlowFilterId(_AnyId):
    """Match flows by ID."""


class FlowFilterName(_Name):
    """Match flows by name: exact ``any_`` or SQL-style substring ``like_``."""


class FlowFilterTags(_Tags):
    """Match flows by tags."""


class FlowFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter flows."""

    id: Optional[FlowFilterId] = None
    name: Optional[FlowFilterName] = None
    tags: Optional[FlowFilterTags] = None


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

    any_: Optional[list[StateType]] = None
    not_any_: Optional[list[StateType]] = None


class FlowRunFilterStateName(RiverrunFilterBaseModel):
    """Match flow runs by state name (``Completed``, ``Cached``, ``Late``...)."""

    any_: Optional[list[str]] = None
    not_any_: Optional[list[str]] = None


class FlowRunFilterState(OperatorMixin, RiverrunFilterBaseModel):
    """Match flow runs by state type and/or name."""

    type: Optional[FlowRunFilterStateType] = None
    name: Optional[FlowRunFilterStateName] = None


class FlowRunFilterFlowVersion(RiverrunFilterBaseModel):
    """Match flow runs by flow version."""

    any_: Optional[list[str]] = None


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

    any_: Optional[list[Any]] = None


class FlowRunFilterParentTaskRunId(_OptionalId):
    """Match flow runs by the task run that represents them in their parent."""


class FlowRunFilterIdempotencyKey(RiverrunFilterBaseModel):
    """Match flow runs by idempotency key."""

    any_: Optional[list[str]] = None
    not_any_: Optional[list[str]] = None


class FlowRunFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter flow runs; every given sub-filter must match (``operator="or_"`` for any)."""

    id: Optional[FlowRunFilterId] = None
    name: Optional[FlowRunFilterName] = None
    tags: Optional[FlowRunFilterTags] = None
    deployment_id: Optional[FlowRunFilterDeploymentId] = None
    work_queue_name: Optional[FlowRunFilterWorkQueueName] = None
    state: Optional[FlowRunFilterState] = None
    flow_version: Optional[FlowRunFilterFlowVersion] = None
    start_time: Optional[FlowRunFilterStartTime] = None
    end_time: Optional[FlowRunFilterEndTime] = None
    expected_start_time: Optional[FlowRunFilterExpectedStartTime] = None
    next_scheduled_start_time: Optional[FlowRunFilterNextScheduledStartTime] = None
    parent_flow_run_id: Optional[FlowRunFilterParentFlowRunId] = None
    parent_task_run_id: Optional[FlowRunFilterParentTaskRunId] = None
    idempotency_key: Optional[FlowRunFilterIdempotencyKey] = None


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

    type: Optional[TaskRunFilterStateType] = None
    name: Optional[TaskRunFilterStateName] = None


class TaskRunFilterSubFlowRuns(RiverrunFilterBaseModel):
    """Match task runs that stand for subflow runs (``exists_=True``) or not."""

    exists_: Optional[bool] = None


class TaskRunFilterStartTime(_Time):
    """Match task runs by start time."""


class TaskRunFilterExpectedStartTime(_Time):
    """Match task runs by expected start time."""


class TaskRunFilterFlowRunId(_OptionalId):
    """Match task runs of the given flow runs."""


class TaskRunFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter task runs."""

    id: Optional[TaskRunFilterId] = None
    name: Optional[TaskRunFilterName] = None
    tags: Optional[TaskRunFilterTags] = None
    state: Optional[TaskRunFilterState] = None
    start_time: Optional[TaskRunFilterStartTime] = None
    expected_start_time: Optional[TaskRunFilterExpectedStartTime] = None
    subflow_runs: Optional[TaskRunFilterSubFlowRuns] = None
    flow_run_id: Optional[TaskRunFilterFlowRunId] = None


# -- deployments -------------------------------------------------------------------------------


class DeploymentFilterId(_AnyId):
    """Match deployments by ID."""


class DeploymentFilterName(_Name):
    """Match deployments by name."""


class DeploymentFilterTags(_Tags):
    """Match deployments by tags."""


class DeploymentFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter deployments."""

    id: Optional[DeploymentFilterId] = None
    name: Optional[DeploymentFilterName] = None
    tags: Optional[DeploymentFilterTags] = None


# -- logs --------------------------------------------------------------------------------------


class LogFilterLevel(RiverrunFilterBaseModel):
    """Match logs at or above ``ge_`` and at or below ``le_``."""

    ge_: Optional[int] = None
    le_: Optional[int] = None


class LogFilterTimestamp(_Time):
    """Match logs by timestamp."""


class LogFilterFlowRunId(RiverrunFilterBaseModel):
    """Match logs of the given flow runs."""

    any_: Optional[list[Any]] = None


class LogFilterTaskRunId(_OptionalId):
    """Match logs of the given task runs (``is_null_=True``: flow-level logs only)."""


class LogFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter logs."""

    level: Optional[LogFilterLevel] = None
    timestamp: Optional[LogFilterTimestamp] = None
    flow_run_id: Optional[LogFilterFlowRunId] = None
    task_run_id: Optional[LogFilterTaskRunId] = None


# -- artifacts and variables ---------------------------------------------------------------------


class ArtifactFilterId(_AnyId):
    """Match artifacts by ID."""


class ArtifactFilterKey(RiverrunFilterBaseModel):
    """Match artifacts by key."""

    any_: Optional[list[str]] = None
    like_: Optional[str] = None
    exists_: Optional[bool] = None


class ArtifactFilterFlowRunId(RiverrunFilterBaseModel):
    """Match artifacts of the given flow runs."""

    any_: Optional[list[Any]] = None


class ArtifactFilterTaskRunId(RiverrunFilterBaseModel):
    """Match artifacts of the given task runs."""

    any_: Optional[list[Any]] = None


class ArtifactFilterType(RiverrunFilterBaseModel):
    """Match artifacts by type (``markdown``, ``table``, ``link``...)."""

    any_: Optional[list[str]] = None
    not_any_: Optional[list[str]] = None


class ArtifactFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter artifacts."""

    id: Optional[ArtifactFilterId] = None
    key: Optional[ArtifactFilterKey] = None
    flow_run_id: Optional[ArtifactFilterFlowRunId] = None
    task_run_id: Optional[ArtifactFilterTaskRunId] = None
    type: Optional[ArtifactFilterType] = None


class VariableFilterName(_Name):
    """Match variables by name."""


class VariableFilterTags(_Tags):
    """Match variables by tags."""


class VariableFilter(OperatorMixin, RiverrunFilterBaseModel):
    """Filter variables."""

    id: Optional[_AnyId] = None
    name: Optional[VariableFilterName] = None
    tags: Optional[VariableFilterTags] = None
