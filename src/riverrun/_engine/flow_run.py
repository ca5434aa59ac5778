"""A flow run from start to final state, as a generator of steps shared by both drivers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from riverrun._engine.decisions import aggregate_states, failure_message, retry_delay, should_retry
from riverrun._engine.drivers import Call, Sleep, Steps
from riverrun._engine.runs import FlowRunInfo, TaskRunInfo
from riverrun._engine.task_run import LogPrintsContext
from riverrun._internal import clock
from riverrun.context import FlowRunContext
from riverrun.exceptions import TaskRunTimeoutError
from riverrun.futures import RiverrunFuture
from riverrun.logging.loggers import log_without_caller
from riverrun.states import State, StateType

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.flows import Flow

_logger = logging.getLogger("riverrun.flow_runs")


def _log(info: FlowRunInfo, level: int, message: str) -> None:
    if _logger.isEnabledFor(level):
        extra = {"flow_run_id": info.id, "task_run_id": None, "flow_run_name": info.name}
        log_without_caller(_logger, level, message, extra)


def state_from_return_value(value: Any) -> State | None:
    """The final state a flow's return value implies, or None for a plain value (Completed)."""
    if isinstance(value, State):
        if not value.is_final():
            return State(
                type=StateType.FAILED,
                message=f"The flow returned a {value.name} state, which is not final; wait for "
                "futures (future.wait()) before returning their state.",
            )
        return value if value.type is not StateType.COMPLETED else None
    if isinstance(value, RiverrunFuture):
        value.wait()
        state = value.state
        return state if state.type is not StateType.COMPLETED else None
    if isinstance(value, (list, tuple, set)) and value and all(isinstance(v, (State, RiverrunFuture)) for v in value):
        states: Iterable[State] = (
            v if isinstance(v, State) else (v.wait(), v.state)[1] for v in value
        )
        return aggregate_states(states)
    return None


def _result_value(value: Any) -> Any:
    if isinstance(value, State):
        return value.result(raise_on_failure=False)
    if isinstance(value, RiverrunFuture):
        return value.result(raise_on_failure=False)
    return value


def flow_run_steps(
    flow: Flow[Any, Any],
    info: FlowRunInfo,
    ctx: FlowRunContext,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    parameters_json: dict[str, Any],
    parent_task: TaskRunInfo | None,
    parent_ctx: FlowRunContext | None,
    validation_error: BaseException | None,
) -> Steps:
    """The life of one flow run: Pending, Running, retries, waiting for children, final state."""
    from riverrun.states import (
        AwaitingRetry,
        Completed,
        Crashed,
        Failed,
        Pending,
        Retrying,
        Running,
        TimedOut,
    )

    record = ctx.recorder.record
    if parent_task is not None and parent_ctx is not None:
        record(parent_task.creation_event(parent_task.state_event(None, Pending()), {}))
        record(parent_task.state_event("task_run_state", Running()))
    record(info.creation_event(parameters_json, flow.retry_policy_json, info.state_event(None, Pending())))

    if validation_error is not None:
        final = Failed(message=str(validation_error), data=validation_error)
        record(info.state_event("flow_run_state", final, {"error": str(validation_error)}))
        _log(info, logging.ERROR, f"Finished in state {final}")
        _finish_parent(parent_task, parent_ctx, final)
        return final

    _log(info, logging.INFO, f"Beginning flow run {info.name!r} for flow {flow.name!r}")
    contexts = (ctx, LogPrintsContext(ctx.log_prints))
    attempt = 0
    while True:
        attempt += 1
        record(info.state_event("flow_run_state", Running() if attempt == 1 else Retrying()))
        ok, value = yield Call(flow.fn, args, kwargs, contexts, flow.timeout_seconds, f"Flow run {info.name!r}")
        children_error = _wait_for_children(ctx)
        if ok:
            implied = state_from_return_value(value)
            if implied is None:
                final = Completed(data=_result_value(value))
                break
            if implied.type is StateType.FAILED and should_retry(attempt, flow.retries, Exception(), None, ()):
                value = implied.result(raise_on_failure=False)
                ok = False
            else:
                final = State(type=implied.type, name=implied.name, message=implied.message, data=implied.data)
                break
        exc: BaseException = value if not ok else (children_error or RuntimeError("flow failed"))
        if should_retry(attempt, flow.retries, exc, None, ()):
            delay = retry_delay(flow.retry_delay_seconds, attempt, None)
            waiting = AwaitingRetry(
                message=failure_message(exc, "Flow run") + f" - retry {attempt}/{flow.retries} in {delay:g}s",
                state_details={"scheduled_time": clock.now() + timedelta(seconds=delay)},
            )
            record(info.state_event("flow_run_state", waiting))
            _log(info, logging.WARNING, waiting.message or "")
            ctx.dynamic_keys.clear()
            yield Sleep(delay)
            continue
        if isinstance(exc, TaskRunTimeoutError):
            final = TimedOut(message=str(exc), data=exc)
        elif isinstance(exc, (KeyboardInterrupt, SystemExit)) or (
            isinstance(exc, BaseException) and not isinstance(exc, Exception)
        ):
            final = Crashed(message=f"Execution was interrupted by {type(exc).__name__}.", data=exc)
        else:
            final = Failed(message=failure_message(exc, "Flow run"), data=exc)
        break

    data_ref = None
    if final.type is StateType.COMPLETED and flow.should_persist(ctx):
        data_ref = flow.persist(info, final.data)
    elif final.type is not StateType.COMPLETED and isinstance(final.data, BaseException):
        data_ref = {"error": f"{type(final.data).__name__}: {final.data}"}
    record(info.state_event("flow_run_state", final, data_ref))
    level = logging.INFO if final.type is StateType.COMPLETED else logging.ERROR
    _log(info, level, f"Finished in state {final}")
    _finish_parent(parent_task, parent_ctx, final)

    if final.type is StateType.COMPLETED:
        hooks = flow.on_completion_hooks
    elif final.type is StateType.CRASHED:
        hooks = flow.on_crashed_hooks
    elif final.type is StateType.CANCELLED:
        hooks = flow.on_cancellation_hooks
    else:
        hooks = flow.on_failure_hooks
    for hook in hooks:
        ok, hook_error = yield Call(hook, (flow, info.as_flow_run(), final), label="hook")
        if not ok:
            _log(info, logging.ERROR, f"Hook {getattr(hook, '__name__', hook)!r} failed: {hook_error!r}")
    return final


def _finish_parent(parent_task: TaskRunInfo | None, parent_ctx: FlowRunContext | None, final: State) -> None:
    if parent_task is None or parent_ctx is None:
        return
    mirrored = State(type=final.type, name=final.name, message=final.message)
    parent_ctx.recorder.record(parent_task.state_event("task_run_state", mirrored))


def _wait_for_children(ctx: FlowRunContext) -> BaseException | None:
    """A parent never finishes while a task run it submitted is still running."""
    pending = ctx.futures
    while pending:
        batch, ctx.futures = pending, []
        for future in batch:
            future.wait()
        pending = ctx.futures
    return None
