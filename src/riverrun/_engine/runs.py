"""In-memory records of the runs in progress, and the events that describe them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from riverrun._engine import lease_state
from riverrun._internal import clock
from riverrun.logging.console import flush_console
from riverrun.schemas.leases import LEASE_TOKEN_DETAIL
from riverrun.states import State, StateDetails, StateType

if TYPE_CHECKING:  # pragma: no cover
    from riverrun._recording.recorder import Recorder

_FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "CRASHED"})


class _RunInfo:
    """What the engine knows about a run: its identity, tags and the state it is in."""

    __slots__ = (
        "id",
        "name",
        "tags",
        "parameters",
        "state",
        "start_time",
        "end_time",
        "run_count",
        "total_run_time",
        "created",
        "_running_since",
        "_snapshot",
    )

    def __init__(self, id: str, name: str, tags: list[str], parameters: dict[str, Any]) -> None:
        self.id = id
        self.name = name
        self.tags = tags
        self.parameters = parameters
        self.state: State | None = None
        self.start_time: int | None = None
        self.end_time: int | None = None
        self.run_count = 0
        self.total_run_time = 0.0
        self.created = clock.now_us()
        self._running_since: int | None = None
        # (state, object) of the last as_flow_run/as_task_run: rebuilt only when the state moved.
        self._snapshot: tuple[Any, Any] | None = None

    def state_event(self, kind: str | None, state: State, data: Any = None) -> dict[str, Any]:
        """Move the run into ``state`` and return the event that records it.

        With ``kind=None`` the result is a state payload to embed in a creation event.
        """
        ts = state.timestamp_us
        # ``_value_`` is a plain attribute; ``.value`` goes through an enum descriptor.
        type_ = state.type._value_
        start_time = end_time = run_count = total = None
        if type_ == "RUNNING":
            self.run_count += 1
            run_count = self.run_count
            if self.start_time is None:
                self.start_time = start_time = ts
            self._running_since = ts
        elif self._running_since is not None:
            self.total_run_time += (ts - self._running_since) / 1_000_000
            self._running_since = None
            total = self.total_run_time
        if type_ in _FINAL:
            self.end_time = end_time = ts
        self.state = state
        event = {
            "kind": kind,
            "id": state.id,
            "run_id": self.id,
            "type": type_,
            "name": state.name,
            "message": state.message,
            "timestamp": ts,
            "data": data,
            "state_details": state.state_details,
            "start_time": start_time,
            "end_time": end_time,
            "run_count": run_count,
            "total_run_time": total,
        }
        if kind is None:
            del event["kind"]
        if end_time is not None:
            # In memory, final states name their run as Prefect's do; the store has the IDs
            # as columns already, so the event keeps the unlinked details.
            state.state_details = StateDetails(state.state_details)
            self._link_state(state)
        return event

    def _link_state(self, state: State) -> None:
        """Final states name their run, as Prefect's ``state.state_details`` do."""

    def _times(self) -> dict[str, Any]:
        return {
            "start_time": clock.from_us(self.start_time) if self.start_time else None,
            "end_time": clock.from_us(self.end_time) if self.end_time else None,
            "run_count": self.run_count,
            "total_run_time": timedelta(seconds=self.total_run_time),
            "created": clock.from_us(self.created),
            "state": self.state,
            "state_id": self.state.id if self.state else None,
            "state_type": self.state.type if self.state else None,
            "state_name": self.state.name if self.state else None,
        }


class FlowRunInfo(_RunInfo):
    """A flow run in progress."""

    __slots__ = (
        "flow_id",
        "flow_name",
        "parent_task_run_id",
        "parent_flow_run_id",
        "root_flow_run_id",
        "flow_version",
        "deployment_id",
        "pending",
    )

    def __init__(
        self,
        id: str,
        name: str,
        tags: list[str],
        parameters: dict[str, Any],
        flow_id: str,
        flow_name: str,
        parent_task_run_id: str | None,
        flow_version: str | None,
        deployment_id: str | None = None,
    ) -> None:
        super().__init__(id, name, tags, parameters)
        self.flow_id = flow_id
        self.flow_name = flow_name
        self.parent_task_run_id = parent_task_run_id
        self.parent_flow_run_id: str | None = None
        self.root_flow_run_id: str = id
        # Already Pending in the store (a deployment's run claimed by a worker or serve()):
        # the engine records no Pending of its own, so the history has one.
        self.pending = False
        self.flow_version = flow_version
        self.deployment_id = deployment_id

    def state_event(self, kind: str | None, state: State, data: Any = None) -> dict[str, Any]:
        """``_RunInfo.state_event``, stamped with the lease token this process holds for the
        run (if any), so the store refuses the state once that lease was lost."""
        if state.type._value_ in _FINAL:
            lease_state.finishing(self.id)
        event = super().state_event(kind, state, data)
        token = lease_state.held_token(self.id)
        if token is not None:
            event["state_details"] = {**event["state_details"], LEASE_TOKEN_DETAIL: token}
        return event

    def _link_state(self, state: State) -> None:
        state.state_details["flow_run_id"] = self.id

    def as_flow_run(self) -> Any:
        """The run as the client returns it, as of its current state (cached per state)."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot[0] is self.state:
            return snapshot[1]
        from riverrun.schemas._trusted import trusted
        from riverrun.schemas.objects import FlowRun

        flow_run = trusted(
            FlowRun,
            id=self.id,
            name=self.name,
            flow_id=self.flow_id,
            flow_name=self.flow_name,
            tags=list(self.tags),
            parameters=self.parameters,
            parent_task_run_id=self.parent_task_run_id,
            flow_version=self.flow_version,
            deployment_id=self.deployment_id,
            **self._times(),
        )
        self._snapshot = (self.state, flow_run)
        return flow_run

    def creation_event(
        self,
        parameters_json: dict[str, Any],
        policy: dict[str, Any],
        first_state: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return {
            "kind": "flow_run",
            "id": self.id,
            "flow_id": self.flow_id,
            "flow_name": self.flow_name,
            "name": self.name,
            "parameters": parameters_json,
            "tags": self.tags,
            "parent_task_run_id": self.parent_task_run_id,
            "deployment_id": self.deployment_id,
            "flow_version": self.flow_version,
            "created": self.created,
            "expected_start_time": self.created,
            "empirical_policy": policy,
            "state": first_state,
        }


class TaskRunInfo(_RunInfo):
    """A task run in progress."""

    __slots__ = ("flow_run_id", "task_key", "dynamic_key", "task_name", "cache_key", "task_inputs")

    def __init__(
        self,
        id: str,
        name: str,
        tags: list[str],
        parameters: dict[str, Any],
        flow_run_id: str | None,
        task_key: str,
        dynamic_key: str,
        task_name: str,
        task_inputs: dict[str, list[dict[str, str]]],
    ) -> None:
        super().__init__(id, name, tags, parameters)
        self.flow_run_id = flow_run_id
        self.task_key = task_key
        self.dynamic_key = dynamic_key
        self.task_name = task_name
        self.cache_key: str | None = None
        self.task_inputs = task_inputs

    def _link_state(self, state: State) -> None:
        state.state_details["task_run_id"] = self.id
        if self.flow_run_id is not None:
            state.state_details["flow_run_id"] = self.flow_run_id

    def as_task_run(self) -> Any:
        from riverrun.schemas._trusted import trusted
        from riverrun.schemas.objects import TaskRun, TaskRunInput

        return trusted(
            TaskRun,
            id=self.id,
            name=self.name,
            flow_run_id=self.flow_run_id,
            task_key=self.task_key,
            dynamic_key=self.dynamic_key,
            cache_key=self.cache_key,
            tags=list(self.tags),
            task_inputs={
                k: [trusted(TaskRunInput, **i) for i in v] for k, v in self.task_inputs.items()
            },
            **self._times(),
        )

    def creation_event(
        self, first_state: dict[str, Any] | None, policy: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "kind": "task_run",
            "id": self.id,
            "flow_run_id": self.flow_run_id,
            "task_key": self.task_key,
            "name": self.name,
            "dynamic_key": self.dynamic_key,
            "tags": self.tags,
            "task_inputs": self.task_inputs,
            "cache_key": self.cache_key,
            "task_version": None,
            "created": self.created,
            "expected_start_time": self.created,
            "empirical_policy": policy,
            "state": first_state,
        }


def is_final(state: State) -> bool:
    """True for Completed, Failed, Cancelled and Crashed states."""
    return state.type in (
        StateType.COMPLETED,
        StateType.FAILED,
        StateType.CANCELLED,
        StateType.CRASHED,
    )


def finish_top_level_run(recorder: Recorder) -> None:
    """Once a top-level flow or task run ends: its records on disk, its console lines out.

    Both before the caller goes on, so what the program prints next comes after them.
    """
    recorder.flush()
    flush_console()
