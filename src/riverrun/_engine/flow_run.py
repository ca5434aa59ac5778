"""A flow run from start to final state, as a generator of steps shared by both drivers."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from riverrun._engine import lease_state
from riverrun._engine.decisions import (
    failure_message,
    retry_delay,
    should_retry,
    state_for_returned_value,
)
from riverrun._engine.drivers import Call, Sleep, Steps
from riverrun._engine.runs import FlowRunInfo, TaskRunInfo
from riverrun._engine.task_run import LogPrintsContext
from riverrun._engine.watch import CANCELLED_MESSAGE, cancel_requested
from riverrun._internal import clock
from riverrun.context import FlowRunContext
from riverrun.exceptions import FlowPauseTimeout, FlowRunTimeoutError, Pause, TerminationSignal
from riverrun.futures import RiverrunFuture
from riverrun.logging.loggers import log_without_caller
from riverrun.states import NONE_RESULT, State, StateType

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.flows import Flow

_logger = logging.getLogger("riverrun.flow_runs")


def _log(info: FlowRunInfo, level: int, message: str) -> None:
    if _logger.isEnabledFor(level):
        extra = {"flow_run_id": info.id, "task_run_id": None, "flow_run_name": info.name}
        log_without_caller(_logger, level, message, extra)


def _futures_to_states(value: Any) -> Any:
    """Returned futures become their final states, as Prefect's ``resolve_futures_to_states``."""
    if isinstance(value, RiverrunFuture):
        value.wait()
        return value.state
    if isinstance(value, (list, tuple, set)) and any(isinstance(v, RiverrunFuture) for v in value):
        return type(value)(_futures_to_states(v) for v in value)
    return value


def state_from_return_value(value: Any) -> State | None:
    """The final state a flow's return value implies, or None for a plain value (Completed)."""
    value = _futures_to_states(value)
    if isinstance(value, State) and not value.is_final():
        details = value.state_details
        if not details.get("flow_run_id") and not details.get("task_run_id"):
            return State(
                type=StateType.FAILED,
                message=f"The flow returned a {value.name} state, which is not final; return a "
                "final state (Completed, Failed...) or a run's state.",
            )
    return state_for_returned_value(value)


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
        Cancelled,
        Completed,
        Crashed,
        Failed,
        Pending,
        Running,
        TimedOut,
    )

    record = ctx.recorder.record
    if parent_task is not None and parent_ctx is not None:
        record(parent_task.creation_event(parent_task.state_event(None, Pending()), {}))
        record(parent_task.state_event("task_run_state", Running()))
    first = None if info.pending else info.state_event(None, Pending())
    record(info.creation_event(parameters_json, flow.retry_policy_json, first))

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
        # Prefect's flow retries go AwaitingRetry → Running (its task retries use Retrying).
        running = Running()
        record(info.state_event("flow_run_state", running))
        for hook in flow.on_running_hooks:
            hook_ok, hook_error = yield Call(
                hook, (flow, info.as_flow_run(), running), label="hook"
            )
            if not hook_ok:
                _log(
                    info,
                    logging.ERROR,
                    f"Hook {getattr(hook, '__name__', hook)!r} failed: {hook_error!r}",
                )
        ok, value = yield Call(
            flow.fn, args, kwargs, contexts, flow.timeout_seconds, f"Flow run {info.name!r}"
        )
        # An interrupted body (Ctrl-C, SystemExit, a cancellation, a test's timeout) does not
        # wait for the runs it submitted: one that can never finish (a Dask cluster left with no
        # workers) would hold the process for ever. The task runner's shutdown settles them: a
        # pool waits for its runs, a cluster's runs still out are recorded Crashed.
        interrupted = not ok and not isinstance(value, Exception)
        children_error = None if interrupted else _wait_for_children(ctx)
        if ok:
            implied = state_from_return_value(value)
            if implied is None:
                final = Completed(data=NONE_RESULT if value is None else value)
                break
            if implied.type is StateType.FAILED and should_retry(
                attempt, flow.retries, Exception(), None, ()
            ):
                value = implied.result(raise_on_failure=False)
                ok = False
            else:
                final = State(
                    type=implied.type, name=implied.name, message=implied.message, data=implied.data
                )
                break
        exc: BaseException = value if not ok else (children_error or RuntimeError("flow failed"))
        if should_retry(attempt, flow.retries, exc, None, ()):
            delay = retry_delay(flow.retry_delay_seconds, attempt, None)
            waiting = AwaitingRetry(
                message=failure_message(exc, "Flow run")
                + f" - retry {attempt}/{flow.retries} in {delay:g}s",
                scheduled_time=clock.now() + timedelta(seconds=delay),
            )
            record(info.state_event("flow_run_state", waiting))
            _log(info, logging.WARNING, waiting.message or "")
            ctx.dynamic_keys.clear()
            yield Sleep(delay)
            continue
        if isinstance(exc, Pause):
            # suspend_flow_run: the run is Suspended in the store; this process lets it go.
            suspended = (
                exc.state
                if isinstance(exc.state, State)
                else State(type=StateType.PAUSED, name="Suspended")
            )
            _finish_parent(parent_task, parent_ctx, suspended)
            return suspended
        lost = lease_state.lost_message(info.id, info.root_flow_run_id)
        if lost is not None:
            # The watcher stopped the code: this process no longer runs the run (its lease
            # was lost), and what it records now is refused by the store.
            final = Crashed(message=lost, data=exc)
        elif isinstance(exc, FlowRunTimeoutError):
            timeout = flow.timeout_seconds or 0
            final = TimedOut(
                message=f"Flow run exceeded timeout of {timeout:g} second(s)", data=exc
            )
        elif _cancelled(exc, info):
            # The run watcher delivered a cancellation (SIGTERM / task cancel): as Prefect.
            final = Cancelled(message=CANCELLED_MESSAGE)
            _log(info, logging.INFO, CANCELLED_MESSAGE)
        elif isinstance(exc, TerminationSignal):
            final = Crashed(message="Execution was aborted by a termination signal.", data=exc)
            _log(info, logging.ERROR, f"Crash detected! {final.message}")
        elif isinstance(exc, (KeyboardInterrupt, SystemExit)) or (
            isinstance(exc, BaseException) and not isinstance(exc, Exception)
        ):
            final = Crashed(message=f"Execution was interrupted by {type(exc).__name__}.", data=exc)
        else:
            final = Failed(message=failure_message(exc, "Flow run"), data=exc)
            _log(info, logging.ERROR, f"Encountered exception during execution: {exc!r}")
            if isinstance(exc, FlowPauseTimeout):
                # As Prefect's server answers a Failed proposed after an expired pause.
                final = Failed(message="The flow was failed and never resumed.")
        break

    lost = lease_state.lost_message(info.id, info.root_flow_run_id)
    if lost is not None and final.message != lost:
        # The code ended by itself after the lease was lost: its outcome is not the run's.
        final = Crashed(message=lost)
    data_ref = None
    if final.type is StateType.COMPLETED and flow.should_persist(ctx):
        data_ref = flow.persist(info, None if final.data is NONE_RESULT else final.data)
    elif final.type is not StateType.COMPLETED and isinstance(final.data, BaseException):
        data_ref = {"error": f"{type(final.data).__name__}: {final.data}"}
    record(info.state_event("flow_run_state", final, data_ref))
    # As Prefect: INFO whatever the outcome; a failure was logged at ERROR just before.
    _log(info, logging.INFO, f"Finished in state {final}")
    _finish_parent(parent_task, parent_ctx, final)

    if lost is not None:
        hooks = []  # the run is not this process's any more: its hooks are not either
    elif final.type is StateType.COMPLETED:
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
            _log(
                info,
                logging.ERROR,
                f"Hook {getattr(hook, '__name__', hook)!r} failed: {hook_error!r}",
            )
    return final


def _cancelled(exc: BaseException, info: FlowRunInfo) -> bool:
    """Whether ``exc`` is how a cancellation the watcher delivered arrived in this run."""
    import asyncio

    arrived = isinstance(exc, (TerminationSignal, asyncio.CancelledError))
    return arrived and cancel_requested(info.id, getattr(info, "root_flow_run_id", None))


def _finish_parent(
    parent_task: TaskRunInfo | None, parent_ctx: FlowRunContext | None, final: State
) -> None:
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
