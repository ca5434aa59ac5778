"""Task runs shipped to another process, and what travels back.

The process-pool, Dask and Ray runners all run a task run somewhere that may not reach the
flow's store. They share this module:

- In the flow process, ``ship`` builds the payload: the task, its ``TaskRunInfo``, its
  arguments with every upstream future replaced by a placeholder, and a snapshot of the flow
  run (its identity, ``log_prints``, ``persist_result``). A future the runner can hand to its
  cluster (a Dask future, a Ray object ref) becomes an ``_Upstream`` slot, filled on the
  worker with that upstream's outcome, so the value never passes through the flow process;
  any other future is waited for here and travels as its final state.
- On the worker, ``run_shipped`` runs the task run under a flow run context whose recorder
  is a ``BufferRecorder``, and returns an ``Outcome``: the final state and every event the
  run produced (states, logs, artifacts).
- Back in the flow process, ``deliver`` hands those events to the flow run's recorder.

So a worker never needs the flow's store or its filesystem, remote mode works unchanged
(the flow's recorder posts to the server), and only the attempt whose outcome came back is
recorded: when Dask or Ray re-run a task whose worker died, the lost attempt's events died
with it. Every event keeps its UUID, so an outcome delivered twice changes nothing.
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import cloudpickle

from riverrun._engine.inputs import needs_resolution
from riverrun._engine.runs import FlowRunInfo, TaskRunInfo
from riverrun._recording.buffer import BufferRecorder
from riverrun.client._tag_limits import taken_by_the_flow_process
from riverrun.context import FlowRunContext, TagsContext
from riverrun.futures import RiverrunFuture, wait
from riverrun.logging.console import flush_console
from riverrun.logging.loggers import enable_log_prints, ensure_logging_configured
from riverrun.states import Crashed, Failed, Pending, State
from riverrun.utilities.annotations import allow_failure, opaque, quote

if TYPE_CHECKING:  # pragma: no cover
    from riverrun._recording.recorder import Event, Recorder
    from riverrun.flows import Flow
    from riverrun.task_runners import TaskRunner
    from riverrun.tasks import Task


class _Upstream:
    """Stands for the outcome passed to the worker as upstream argument ``index``."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Upstream, (self.index,))


class SettledFuture(RiverrunFuture[Any]):
    """An upstream future that is already final where the task run executes."""

    def __init__(self, task_run_id: str, state: State) -> None:
        super().__init__(task_run_id)
        self._state = state

    @property
    def state(self) -> State:
        return self._state

    def wait(self, timeout: float | None = None) -> None:
        return None

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> Any:
        return self._state.result(raise_on_failure=raise_on_failure)

    def add_done_callback(self, fn: Callable[[RiverrunFuture[Any]], None]) -> None:
        fn(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (SettledFuture, (self.task_run_id, self._state))


class Outcome:
    """What a shipped task run sends back: its final state and everything it recorded."""

    __slots__ = ("task_run_id", "state", "events")

    def __init__(self, task_run_id: str, state: State, events: list[Event]) -> None:
        self.task_run_id = task_run_id
        self.state = state
        self.events = events

    def __reduce__(self) -> tuple[Any, ...]:
        return (Outcome, (self.task_run_id, self.state, self.events))


class FlowSnapshot:
    """What a worker needs of the flow run: its identity and the defaults tasks inherit."""

    __slots__ = ("flow", "info", "log_prints", "persist_result", "runner_class")

    def __init__(
        self,
        flow: Flow[Any, Any] | None,
        info: FlowRunInfo,
        log_prints: bool,
        persist_result: bool | None,
        runner_class: type[TaskRunner],
    ) -> None:
        self.flow = flow
        self.info = info
        self.log_prints = log_prints
        self.persist_result = persist_result
        # Runs the task runs a task submits itself, on the worker.
        self.runner_class = runner_class

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            FlowSnapshot,
            (self.flow, self.info, self.log_prints, self.persist_result, self.runner_class),
        )


def _flow_info_copy(info: FlowRunInfo, parameters: dict[str, Any]) -> FlowRunInfo:
    copy = FlowRunInfo(
        info.id,
        info.name,
        list(info.tags),
        parameters,
        info.flow_id,
        info.flow_name,
        info.parent_task_run_id,
        info.flow_version,
        info.deployment_id,
    )
    copy.parent_flow_run_id = info.parent_flow_run_id
    copy.state = info.state
    copy.run_count = info.run_count
    copy.start_time = info.start_time
    copy.created = info.created
    return copy


def snapshot_flow(flow_ctx: FlowRunContext | None, runner_class: type[TaskRunner]) -> bytes | None:
    """The pickled ``FlowSnapshot`` of ``flow_ctx`` (made once per flow run by each runner).

    ``runner_class`` runs, on the worker, the task runs that a task submits itself. A flow
    whose parameters (or whose function) cannot be pickled still ships: without its
    parameters, and then without the ``Flow`` object.
    """
    if flow_ctx is None:
        return None
    info = flow_ctx.info
    try:
        # The flow's own runner (a Dask client, a Ray handle) has no business on a worker.
        flow: Flow[Any, Any] | None = flow_ctx.flow.with_options(task_runner=runner_class)
    except Exception:  # noqa: BLE001 - a flow that cannot be copied ships without itself
        flow = None
    attempts: tuple[tuple[Flow[Any, Any] | None, dict[str, Any]], ...] = (
        (flow, info.parameters),
        (flow, {}),
        (None, {}),
    )
    error: Exception | None = None
    for shipped_flow, parameters in attempts:
        snapshot = FlowSnapshot(
            shipped_flow,
            _flow_info_copy(info, parameters),
            flow_ctx.log_prints,
            flow_ctx.persist_result,
            runner_class,
        )
        try:
            return cloudpickle.dumps(snapshot)  # type: ignore[no-any-return]
        except Exception as exc:  # noqa: BLE001 - try the leaner snapshot next
            error = exc
    raise TypeError(f"The flow run {info.name!r} cannot be sent to a worker: {error}")


def _dumps(value: Any) -> bytes:
    """Plain pickle when it can (several times faster), cloudpickle when it must.

    For outcomes: mostly plain data (states, events); a result whose class the flow process
    cannot import (made by value on the worker) makes plain pickle refuse, and cloudpickle
    sends it by value. Either is read by ``pickle.loads``.
    """
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - pickle refuses what cloudpickle may take
        return cloudpickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[no-any-return]


# -- in the flow process -------------------------------------------------------------------

Native = Callable[[RiverrunFuture[Any]], Any]


def _swap_futures(value: Any, native: Native, handles: list[Any]) -> Any:
    if isinstance(value, RiverrunFuture):
        handle = native(value)
        if handle is not None:
            handles.append(handle)
            return _Upstream(len(handles) - 1)
        value.wait()
        return SettledFuture(str(value.task_run_id), value.state)
    if isinstance(value, quote) or not needs_resolution(value):
        return value
    if isinstance(value, allow_failure):
        return allow_failure(_swap_futures(value.unwrap(), native, handles))
    if isinstance(value, opaque):
        # Only the top level is resolved: a future inside the value travels as it is.
        inner = value.unwrap()
        return _swap_futures(inner, native, handles) if isinstance(inner, RiverrunFuture) else inner
    if isinstance(value, (list, tuple, set)):
        return type(value)(_swap_futures(v, native, handles) for v in value)
    if isinstance(value, dict):
        return {k: _swap_futures(v, native, handles) for k, v in value.items()}
    return value


def pickle_task(task: Task[Any, Any]) -> bytes:
    """The task as it travels (each runner pickles a task once, not once per run)."""
    try:
        return cloudpickle.dumps(task)  # type: ignore[no-any-return]
    except Exception as exc:  # noqa: BLE001 - pickling can raise anything
        raise TypeError(
            f"Task {task.name!r} cannot be sent to a worker: it cannot be pickled ({exc}). "
            "Define it at module level, or use ThreadPoolTaskRunner."
        ) from exc


def ship(
    task: Task[Any, Any],
    task_bytes: bytes,
    info: TaskRunInfo,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wait_for: Any,
    flow_snapshot: bytes | None,
    native: Native,
) -> tuple[bytes, list[Any]]:
    """The payload for ``run_shipped`` and the cluster handles of its upstream futures.

    ``native(future)`` returns the cluster's own handle for a future of this runner (passed to
    the worker as an extra argument, resolved there by the cluster), or None for any other
    future, which is waited for here.
    """
    handles: list[Any] = []
    if needs_resolution(args) or needs_resolution(kwargs) or wait_for:
        args = _swap_futures(args, native, handles)
        kwargs = _swap_futures(kwargs, native, handles)
        wait_for = _swap_futures(wait_for, native, handles)
    try:
        # cloudpickle: arguments may be of classes the worker can only get by value.
        payload = cloudpickle.dumps((task_bytes, info, args, kwargs, wait_for, flow_snapshot))
    except Exception as exc:  # noqa: BLE001 - pickling can raise anything
        raise TypeError(
            f"Task {task.name!r} cannot be sent to a worker: its arguments cannot be pickled "
            f"({exc}). Pass picklable arguments, or use ThreadPoolTaskRunner."
        ) from exc
    return payload, handles


def deliver(raw: bytes, recorder: Recorder) -> State:
    """Record an outcome's events with the flow run's recorder; return its final state."""
    outcome: Outcome = pickle.loads(raw)
    record = recorder.record
    for event in outcome.events:
        record(event)
    return outcome.state


def record_lost(
    task: Task[Any, Any], info: TaskRunInfo, error: BaseException, recorder: Recorder
) -> State:
    """Record a task run whose outcome never came back (its worker died, the cluster went away).

    Nothing of it was recorded yet: the run is created here and ends ``Crashed``.
    """
    _record_pending(task, info, recorder)
    crashed = Crashed(
        message=f"The task run's worker did not return an outcome: {type(error).__name__}: {error}",
        data=error,
    )
    return _record_final(info, crashed, error, recorder)


def record_refused(
    task: Task[Any, Any],
    info: TaskRunInfo,
    slot_names: list[str],
    error: BaseException,
    recorder: Recorder,
) -> State:
    """Record a task run never sent because its tag slots could not be taken: ``Failed``,
    with the message the engine gives a task run in the same case."""
    _record_pending(task, info, recorder)
    failed = Failed(
        message=f"Could not take a concurrency slot of {slot_names}: {error!r}", data=error
    )
    return _record_final(info, failed, error, recorder)


def _record_pending(task: Task[Any, Any], info: TaskRunInfo, recorder: Recorder) -> None:
    # Made before the final state, so that its timestamp comes first.
    recorder.record(info.creation_event(info.state_event(None, Pending()), task.retry_policy_json))


def _record_final(
    info: TaskRunInfo, final: State, error: BaseException, recorder: Recorder
) -> State:
    recorder.record(
        info.state_event("task_run_state", final, {"error": f"{type(error).__name__}: {error}"})
    )
    return final


# -- on the worker -------------------------------------------------------------------------

# The same flow snapshot and task arrive with every task run: unpickle each once per worker.
_unpickled: dict[bytes, Any] = {}


def _load_once(raw: bytes) -> Any:
    value = _unpickled.get(raw)
    if value is None:
        if len(_unpickled) >= 64:
            _unpickled.clear()
        value = _unpickled[raw] = pickle.loads(raw)
    return value


def _fill(value: Any, settled: list[SettledFuture]) -> Any:
    if isinstance(value, _Upstream):
        return settled[value.index]
    if isinstance(value, allow_failure):
        return allow_failure(_fill(value.unwrap(), settled))
    if isinstance(value, (list, tuple, set)):
        return type(value)(_fill(v, settled) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, settled) for k, v in value.items()}
    return value


def run_shipped(payload: bytes, *upstream: bytes) -> bytes:
    """Run one shipped task run here; return its pickled ``Outcome``.

    ``upstream`` are the pickled outcomes of the ``_Upstream`` slots, in order.
    """
    task_bytes, info, args, kwargs, wait_for, raw_snapshot = pickle.loads(payload)
    task: Task[Any, Any] = _load_once(task_bytes)
    if upstream:
        settled = []
        for raw in upstream:
            outcome: Outcome = pickle.loads(raw)
            settled.append(SettledFuture(outcome.task_run_id, outcome.state))
        args, kwargs, wait_for = (
            _fill(args, settled),
            _fill(kwargs, settled),
            _fill(wait_for, settled),
        )
    snapshot: FlowSnapshot | None = None if raw_snapshot is None else _load_once(raw_snapshot)
    buffer = BufferRecorder()
    ensure_logging_configured()
    log_prints = (
        task.log_prints if task.log_prints is not None else bool(snapshot and snapshot.log_prints)
    )
    if log_prints:
        enable_log_prints()
    flow_ctx = _worker_context(snapshot, buffer)
    # The flow process took this run's tag slots (if any) before sending it.
    with TagsContext(frozenset(info.tags)), taken_by_the_flow_process():
        if flow_ctx is None:
            state = _run(task, info, args, kwargs, wait_for, None, buffer)
        else:
            with flow_ctx:
                state = _run(task, info, args, kwargs, wait_for, flow_ctx, buffer)
                if flow_ctx.futures:
                    # Task runs it submitted itself ran on this worker's threads.
                    wait(flow_ctx.futures)
            flow_ctx.task_runner.shutdown()
    flush_console()
    return _pickle_outcome(Outcome(info.id, state, buffer.take()))


def _worker_context(snapshot: FlowSnapshot | None, buffer: BufferRecorder) -> FlowRunContext | None:
    if snapshot is None:
        return None
    return FlowRunContext(
        snapshot.flow,  # type: ignore[arg-type]  # None only for a flow that cannot be pickled
        snapshot.info,
        buffer,
        snapshot.runner_class(),
        snapshot.log_prints,
        snapshot.persist_result,
    )


def _run(
    task: Task[Any, Any],
    info: TaskRunInfo,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wait_for: Any,
    flow_ctx: FlowRunContext | None,
    buffer: BufferRecorder,
) -> State:
    if flow_ctx is None:
        # A task submitted outside any flow: still record into the buffer, not this worker.
        from riverrun._engine.drivers import drive_async, drive_sync

        steps = task._steps(info, args, kwargs, wait_for, buffer, None)
        return asyncio.run(drive_async(steps)) if task.isasync else drive_sync(steps)
    if task.isasync:
        return asyncio.run(task.run_async(info, args, kwargs, wait_for, flow_ctx))
    return task.run_sync(info, args, kwargs, wait_for, flow_ctx)


def _pickle_outcome(outcome: Outcome) -> bytes:
    try:
        return _dumps(outcome)
    except Exception as exc:  # noqa: BLE001 - an unpicklable result still reports its state
        state = outcome.state
        message = (
            f"{state.message + ' ' if state.message else ''}(its result could not be sent back "
            f"from the worker: {exc})"
        )
        outcome.state = State(type=state.type, name=state.name, message=message, id=state.id)
        return cloudpickle.dumps(outcome)  # type: ignore[no-any-return]
