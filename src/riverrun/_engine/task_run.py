"""A task run from start to final state, as a generator of steps shared by both drivers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from riverrun._engine.decisions import (
    failure_message,
    retry_delay,
    should_retry,
    state_for_returned_value,
)
from riverrun._engine.drivers import Call, Sleep, Steps
from riverrun._engine.runs import TaskRunInfo
from riverrun._internal import clock
from riverrun.client._tag_limits import limited_names
from riverrun.concurrency._tags import give_back, take_in_driver
from riverrun.context import FlowRunContext, TaskRunContext
from riverrun.exceptions import TaskRunTimeoutError
from riverrun.logging.loggers import log_prints_var, log_without_caller
from riverrun.states import (
    NONE_RESULT,
    AwaitingRetry,
    Cached,
    Completed,
    Failed,
    Pending,
    Retrying,
    Running,
    State,
    StateType,
    TimedOut,
)
from riverrun.transactions import BaseTransaction

if TYPE_CHECKING:  # pragma: no cover
    from riverrun._recording.recorder import Recorder
    from riverrun.tasks import Task

_logger = logging.getLogger("riverrun.task_runs")
# The one lookup a task run pays for transactions when none is open.
_active_transaction = BaseTransaction.__var__.get


class LogPrintsContext:
    """Sets the log_prints flag for the user code of one run."""

    __slots__ = ("value", "_token")

    def __init__(self, value: bool) -> None:
        self.value = value

    def __enter__(self) -> None:
        # Usually the flow already set the same value: then there is nothing to set or reset.
        self._token = None if log_prints_var.get() is self.value else log_prints_var.set(self.value)

    def __exit__(self, *exc: Any) -> None:
        if self._token is not None:
            log_prints_var.reset(self._token)


def _log(
    info: TaskRunInfo, level: int, message: str, flow_ctx: FlowRunContext | None, *args: Any
) -> None:
    """Log about a task run; ``message % args`` is formatted only if the line is emitted."""
    if _logger.isEnabledFor(level):
        extra = {
            "flow_run_id": info.flow_run_id,
            "task_run_id": info.id,
            "task_run_name": info.name,
            "flow_run_name": flow_ctx.info.name if flow_ctx else None,
        }
        log_without_caller(_logger, level, message, extra, args)


def task_run_steps(
    task: Task[Any, Any],
    info: TaskRunInfo,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    recorder: Recorder,
    flow_ctx: FlowRunContext | None,
    upstream_failure: State | None = None,
) -> Steps:
    """The life of one task run: Pending, (cache lookup), Running, retries, final state."""
    record = recorder.record
    policy = task.retry_policy_json
    # The first state travels inside the creation event: one event less per task run.
    record(info.creation_event(info.state_event(None, Pending()), policy))

    if upstream_failure is not None:
        # As Prefect: the task never runs and stays Pending as "NotReady"; its result()
        # raises UnfinishedRun. allow_failure(...) around the argument runs it anyway.
        upstream_id = upstream_failure.state_details.get(
            "task_run_id"
        ) or upstream_failure.state_details.get("flow_run_id")
        final = Pending(
            name="NotReady",
            message=f"Upstream task run '{upstream_id}' did not reach a 'COMPLETED' state.",
            state_details={"task_run_id": info.id, "flow_run_id": info.flow_run_id},
        )
        record(info.state_event("task_run_state", final))
        _log(info, logging.ERROR, "Finished in state %s", flow_ctx, final)
        return final

    log_prints = (
        task.log_prints
        if task.log_prints is not None
        else (flow_ctx.log_prints if flow_ctx else False)
    )
    persist = task.should_persist(flow_ctx)
    cache_key: str | None = None
    if persist and task.refresh_cache is not True:
        cache_key = task.compute_cache_key(info, args, kwargs, flow_ctx)
        if cache_key is not None:
            from riverrun.results import read_result, storage_directory

            info.cache_key = cache_key
            hit, value = read_result(cache_key, directory=storage_directory(task.result_storage))
            if hit:
                # As Prefect: a cache hit is a run that entered Running, then Cached.
                record(info.state_event("task_run_state", Running()))
                final = Cached(
                    data=NONE_RESULT if value is None else value,
                    state_details={"cache_key": cache_key},
                )
                record(info.state_event("task_run_state", final, _reference(cache_key, task)))
                return final
    elif persist:
        cache_key = task.compute_cache_key(info, args, kwargs, flow_ctx)
        info.cache_key = cache_key

    contexts: tuple[Any, ...] = (
        TaskRunContext(task, info, None, log_prints, (args, kwargs)),
        LogPrintsContext(log_prints),
    )
    # Tag concurrency limits (as Prefect 3: the run waits, Pending, for one slot of each
    # limited tag, and holds it until its hooks are done). No limited tag: no round trip.
    slot_names = limited_names(info.tags) if info.tags else None
    slots: Any = None
    if slot_names:
        ok, slots = yield Call(take_in_driver, (slot_names, info.id), label="concurrency slot")
        if not ok:
            final = Failed(
                message=f"Could not take a concurrency slot of {slot_names}: {slots!r}", data=slots
            )
            record(info.state_event("task_run_state", final, _error_data(slots)))
            _log(info, logging.ERROR, "Finished in state %s", flow_ctx, final)
            return final
    attempt = 0
    entering: State | None = Running()
    while True:
        attempt += 1
        if entering is not None:
            record(info.state_event("task_run_state", entering))
            for hook in task.on_running_hooks:
                hook_ok, hook_error = yield Call(
                    hook, (task, info.as_task_run(), entering), label="hook"
                )
                if not hook_ok:
                    _log(
                        info,
                        logging.ERROR,
                        f"Hook {getattr(hook, '__name__', hook)!r} failed: {hook_error!r}",
                        flow_ctx,
                    )
        ok, value = yield Call(
            task.fn, args, kwargs, contexts, task.timeout_seconds, f"Task run {info.name!r}"
        )
        if ok and (
            value.__class__ is State
            or (value.__class__ in (list, tuple) and value and value[0].__class__ is State)
        ):
            implied = state_for_returned_value(value)
            if implied is not None:
                final = State(
                    type=implied.type, name=implied.name, message=implied.message, data=implied.data
                )
                record(info.state_event("task_run_state", final))
                break
        if ok:
            data_ref = None
            if persist:
                data_ref, value_error = _persist(task, info, value, cache_key)
                if value_error is not None and task.persist_result:
                    final = Failed(message=str(value_error), data=value_error)
                    record(info.state_event("task_run_state", final, _error_data(value_error)))
                    break
                if value_error is not None:
                    # Persistence was only implied by a cache policy: run uncached, don't fail.
                    _log(info, logging.WARNING, f"Result not cached: {value_error}", flow_ctx)
            final = Completed(data=NONE_RESULT if value is None else value)
            record(info.state_event("task_run_state", final, data_ref))
            break
        exc = value
        if should_retry(
            attempt,
            task.retries,
            exc,
            task.retry_condition_fn,
            (task, info.as_task_run(), Failed(data=exc)),
        ):
            delay = retry_delay(task.retry_delay_seconds, attempt, task.retry_jitter_factor)
            message = (
                failure_message(exc, "Task run")
                + f" - retry {attempt}/{task.retries} in {delay:g}s"
            )
            # As Prefect: with no retry delay configured the run goes on Running as "Retrying";
            # with one it waits as AwaitingRetry (Scheduled), then enters "Retrying".
            if task.retry_delay_seconds:
                scheduled = clock.now() + timedelta(seconds=delay)
                waiting = AwaitingRetry(scheduled_time=scheduled, message=message)
                entering = Retrying()
            else:
                waiting, entering = Retrying(message=message), None
            record(info.state_event("task_run_state", waiting))
            _log(info, logging.WARNING, message, flow_ctx)
            yield Sleep(delay)
            continue
        if isinstance(exc, TaskRunTimeoutError):
            timeout = task.timeout_seconds or 0
            final = TimedOut(
                message=f"Task run exceeded timeout of {timeout:g} second(s)", data=exc
            )
        elif not isinstance(exc, Exception):
            final = _crashed_or_cancelled(exc)
        else:
            final = Failed(message=failure_message(exc, "Task run"), data=exc)
        record(info.state_event("task_run_state", final, _error_data(exc)))
        break

    if task.on_commit_hooks or task.on_rollback_hooks or _active_transaction(None) is not None:
        _transact(task, info, final, flow_ctx)
    # Formatted by logging, and only if emitted: the DEBUG line per task run is usually off.
    level = logging.DEBUG if final.type is StateType.COMPLETED else logging.ERROR
    _log(info, level, "Finished in state %s", flow_ctx, final)
    hooks = task.on_completion_hooks if final.type is StateType.COMPLETED else task.on_failure_hooks
    if final.type is StateType.CRASHED:
        hooks = []
    for hook in hooks:
        ok, hook_error = yield Call(hook, (task, info.as_task_run(), final), label="hook")
        if not ok:
            _log(
                info,
                logging.ERROR,
                f"Hook {getattr(hook, '__name__', hook)!r} failed: {hook_error!r}",
                flow_ctx,
            )
    if slots is not None:
        yield Call(give_back, (slots,), label="concurrency slot")
    return final


def _transact(
    task: Task[Any, Any], info: TaskRunInfo, final: State, flow_ctx: FlowRunContext | None
) -> None:
    """Hand the finished run to ``riverrun.transactions`` (only when a transaction is involved)."""
    from riverrun.logging.loggers import RiverrunLogAdapter
    from riverrun.transactions import task_run_transaction

    failed = final.type is not StateType.COMPLETED
    value = None if final.data is NONE_RESULT else final.data
    logger = RiverrunLogAdapter(_logger, {
        "flow_run_id": info.flow_run_id, "task_run_id": info.id, "task_run_name": info.name,
        "task_name": task.name, "flow_run_name": flow_ctx.info.name if flow_ctx else None,
    })  # fmt: skip
    task_run_transaction(
        value, info.cache_key, failed, task.on_commit_hooks, task.on_rollback_hooks, logger
    )


def _crashed_or_cancelled(exc: BaseException) -> State:
    from riverrun.states import Crashed

    return Crashed(message=f"Execution was interrupted by {type(exc).__name__}.", data=exc)


def _error_data(exc: BaseException) -> dict[str, Any]:
    return {"error": f"{type(exc).__name__}: {exc}"}


def _reference(key: str, task: Task[Any, Any]) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "__riverrun_result__": True, "storage_key": key, "serializer": task.result_serializer
    }  # fmt: skip
    if task.result_storage is not None:
        from riverrun.results import storage_directory

        reference["directory"] = str(storage_directory(task.result_storage))
    return reference


def _persist(
    task: Task[Any, Any], info: TaskRunInfo, value: Any, cache_key: str | None
) -> tuple[dict[str, Any] | None, Exception | None]:
    from riverrun.results import storage_directory, write_result

    key = cache_key or f"task-run-{info.id}"
    expiration: datetime | None = None
    if task.cache_expiration is not None:
        expiration = clock.now() + task.cache_expiration
    try:
        directory = storage_directory(task.result_storage)
        return write_result(key, value, task.result_serializer, expiration, directory), None
    except Exception as exc:  # noqa: BLE001 - reported as the task's failure with a clear message
        return None, exc
