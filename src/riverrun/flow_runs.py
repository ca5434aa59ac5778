"""Pause, suspend, resume and wait for flow runs, as ``prefect.flow_runs``.

``pause_flow_run()`` blocks the flow in its process: the run enters ``Paused`` and the call
returns when someone resumes it (``resume_flow_run(id)``, from this process, another process
on the same embedded store, or through a server), or raises ``FlowPauseTimeout`` after
``timeout`` seconds. ``suspend_flow_run()`` records ``Suspended`` and ends the process's run of
the flow; resuming makes it ``Scheduled`` (``Resuming``) so that whatever runs the deployment's
runs (``serve()`` with the embedded store, a worker) starts it again, and the suspend call that
already fired returns at once on the second run. As in Prefect, only a deployment's top-level
run can be suspended.

The paused process notices a resume within ``poll_interval`` or 0.25 s, whichever is shorter:
Prefect checks every 10 s by default, which is a long wait for a person who just clicked
resume (``docs/compatibility.md``). Each check is one read of the run.

Every name that Prefect dispatches (``pause_flow_run`` awaitable in async flows) does so here
too; the ``a``-prefixed twins are the async versions.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from riverrun.exceptions import FlowPauseTimeout, FlowRunWaitTimeout, NotPausedError, Pause
from riverrun.utilities.asyncutils import is_in_async_context

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.context import FlowRunContext
    from riverrun.schemas.objects import FlowRun
    from riverrun.states import State

T = TypeVar("T")

# The longest a paused run waits between two looks at its state (see the module docstring).
_MAX_CHECK_INTERVAL = 0.25


def _client() -> Any:
    from riverrun.client.orchestration import get_client

    return get_client(sync_client=True)


def _observed_flow_pauses(context: FlowRunContext) -> int:
    """Count this run's pauses: the default pause key is the pause's number in the run."""
    counter = context.observed_flow_pauses.get("counter", 0) + 1
    context.observed_flow_pauses["counter"] = counter
    return counter


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and timeout < 0:
        raise ValueError(f"'timeout' must be a non-negative number, got {timeout}")


def _with_input(state: State, wait_for_input: Any) -> Any:
    """Prepare ``state`` to wait for input: its keyset and the schema the input must fit."""
    from riverrun.input.run_input import keyset_from_paused_state, run_input_subclass_from_type

    model = run_input_subclass_from_type(wait_for_input)
    state.state_details["run_input_keyset"] = keyset_from_paused_state(state)
    state.state_details["run_input_schema"] = model.model_json_schema()
    return model


def _already_fired(client: Any, flow_run_id: Any, pause_key: str) -> State | None:
    """The state after an earlier pause with this key, if it fired before in this run.

    A suspended run resumed from the top calls ``suspend_flow_run`` again; as Prefect's
    ``pause_keys`` policy does, a key that already paused the run does not pause it twice.
    """
    states = client.read_flow_run_states(flow_run_id)
    for earlier, later in zip(states, states[1:], strict=False):
        if earlier.is_paused() and earlier.state_details.get("pause_key") == pause_key:
            return later
    return None


def _resumed_value(model: Any, state: State) -> Any:
    if model is None:
        return None
    return model.from_run_input(state.state_details.get("run_input") or {})


def _pause(wait_for_input: Any, timeout: int, poll_interval: int, key: str | None) -> Any:
    from riverrun.context import FlowRunContext
    from riverrun.logging import get_run_logger
    from riverrun.states import Paused

    _check_timeout(timeout)
    context = FlowRunContext.get()
    if context is None:
        raise RuntimeError("Flow runs can only be paused from within a flow run.")
    logger = get_run_logger()
    pause_key = key or str(_observed_flow_pauses(context))
    logger.info("Pausing flow, execution will continue when this flow run is resumed.")
    proposed = Paused(timeout_seconds=timeout, reschedule=False, pause_key=pause_key)
    model = _with_input(proposed, wait_for_input) if wait_for_input else None
    flow_run_id = context.info.id
    client = _client()
    result = client.set_flow_run_state(flow_run_id, proposed)
    if result.status != "ACCEPT":
        raise RuntimeError(f"Flow run cannot be paused: {result.reason}")
    deadline = time.monotonic() + timeout
    interval = max(0.01, min(poll_interval, _MAX_CHECK_INTERVAL))
    while True:
        run = client.read_flow_run(flow_run_id)
        if run.state is not None and run.state.is_running():
            logger.info("Resuming flow run execution!")
            return _resumed_value(model, run.state)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(interval, remaining))
    raise FlowPauseTimeout("Flow run was paused and never resumed.")


def pause_flow_run(
    wait_for_input: type[T] | None = None,
    timeout: int = 3600,
    poll_interval: int = 10,
    key: str | None = None,
) -> T | None:
    """Pause the current flow run until it is resumed; awaitable inside async flows.

    Args:
        wait_for_input: a ``RunInput`` subclass, a pydantic model or another type: the run
            waits for input of that type and this call returns it.
        timeout: seconds to wait for a resume before raising ``FlowPauseTimeout`` (the run
            then fails). Default 3600.
        poll_interval: the longest wait between two checks (riverrun checks at least every
            0.25 s).
        key: the pause's key (default: its number among this run's pauses).

    Raises:
        RuntimeError: outside a flow run.
        FlowPauseTimeout: not resumed within ``timeout``.

    Example:
        >>> @flow
        ... def approve():
        ...     answer = pause_flow_run(wait_for_input=Approval, timeout=600)
        ...     if answer.approved: ...
    """
    if is_in_async_context():
        return apause_flow_run(wait_for_input, timeout, poll_interval, key)  # type: ignore[return-value]
    return _pause(wait_for_input, timeout, poll_interval, key)  # type: ignore[no-any-return]


async def apause_flow_run(
    wait_for_input: type[T] | None = None,
    timeout: int = 3600,
    poll_interval: int = 10,
    key: str | None = None,
) -> T | None:
    """``pause_flow_run`` for async flows (the event loop keeps running while paused)."""
    run = contextvars.copy_context().run
    return await asyncio.to_thread(run, _pause, wait_for_input, timeout, poll_interval, key)  # type: ignore[no-any-return]


def _suspend(wait_for_input: Any, flow_run_id: Any, timeout: int | None, key: str | None) -> Any:
    from riverrun.context import FlowRunContext, TaskRunContext
    from riverrun.logging import get_run_logger
    from riverrun.states import Suspended

    _check_timeout(timeout)
    context = FlowRunContext.get()
    current = flow_run_id is None
    if current:
        if TaskRunContext.get() is not None:
            raise RuntimeError("Cannot suspend task runs.")
        if context is None:
            raise RuntimeError("Flow runs can only be suspended from within a flow run.")
        get_run_logger().info(
            "Suspending flow run, execution will be rescheduled when this flow run is resumed."
        )
        flow_run_id = context.info.id
        pause_key = key or str(_observed_flow_pauses(context))
    else:
        pause_key = key or str(uuid.uuid4())
    proposed = Suspended(timeout_seconds=timeout, pause_key=pause_key)
    model = _with_input(proposed, wait_for_input) if wait_for_input else None
    client = _client()
    if current:
        after = _already_fired(client, flow_run_id, pause_key)
        if after is not None:
            return _resumed_value(model, after)
    # As Prefect's server: only a deployment's top-level run can be suspended, since only
    # something that runs the deployment's runs (serve(), a worker) can start it again.
    run = client.read_flow_run(flow_run_id)
    if run.parent_task_run_id is not None:
        raise RuntimeError("Flow run cannot be suspended: Cannot suspend subflows.")
    if run.deployment_id is None:
        raise RuntimeError(
            "Flow run cannot be suspended: Cannot suspend flows without a deployment."
        )
    result = client.set_flow_run_state(flow_run_id, proposed)
    if result.status != "ACCEPT":
        raise RuntimeError(f"Flow run cannot be suspended: {result.reason}")
    if current:
        raise Pause(state=result.state)
    return None


def suspend_flow_run(
    wait_for_input: type[T] | None = None,
    flow_run_id: uuid.UUID | None = None,
    timeout: int | None = None,
    key: str | None = None,
) -> T | None:
    """Suspend a flow run: it becomes ``Suspended`` and its process stops running it.

    Called in a flow (no ``flow_run_id``), it raises the ``Pause`` signal that ends the run
    here; ``resume_flow_run`` later makes the run ``Scheduled`` (``Resuming``) and the process
    that runs the deployment's runs (``serve()``, a worker) starts it again from the top, where
    this call, having fired, returns the input (or None) at once.

    Args:
        wait_for_input: the type of the input to wait for (as ``pause_flow_run``).
        flow_run_id: suspend another flow run instead of the current one.
        timeout: seconds after which the run can no longer be resumed (default: none).
        key: the pause's key (default: its number among this run's pauses).
    """
    if is_in_async_context():
        return asuspend_flow_run(wait_for_input, flow_run_id, timeout, key)  # type: ignore[return-value]
    return _suspend(wait_for_input, flow_run_id, timeout, key)  # type: ignore[no-any-return]


async def asuspend_flow_run(
    wait_for_input: type[T] | None = None,
    flow_run_id: uuid.UUID | None = None,
    timeout: int | None = None,
    key: str | None = None,
) -> T | None:
    """``suspend_flow_run`` for async flows."""
    run = contextvars.copy_context().run
    return await asyncio.to_thread(run, _suspend, wait_for_input, flow_run_id, timeout, key)  # type: ignore[no-any-return]


def _resume(flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None) -> None:
    client = _client()
    run = client.read_flow_run(flow_run_id)
    if run.state is None or not run.state.is_paused():
        raise NotPausedError("Cannot resume a run that isn't paused!")
    result = client.resume_flow_run(flow_run_id, run_input=run_input)
    if result.status == "REJECT":
        if result.state is not None and result.state.is_failed():
            raise FlowPauseTimeout("Flow run can no longer be resumed.")
        raise RuntimeError(f"Cannot resume this run: {result.reason}")
    if result.status == "ABORT":
        raise NotPausedError("Cannot resume a run that isn't paused!")


def resume_flow_run(flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None) -> None:
    """Resume a paused or suspended flow run, giving it the input it waits for.

    Works from any process: in embedded mode it writes the shared store file, which the
    paused process reads.

    Raises:
        NotPausedError: the run is not paused.
        FlowPauseTimeout: the pause timed out (the run is now Failed).
        RuntimeError: the input does not fit the type the run waits for (the reason says how).
    """
    if is_in_async_context():
        return aresume_flow_run(flow_run_id, run_input)  # type: ignore[return-value]
    _resume(flow_run_id, run_input)
    return None


async def aresume_flow_run(
    flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None
) -> None:
    """``resume_flow_run`` for async code."""
    await asyncio.to_thread(_resume, flow_run_id, run_input)


async def wait_for_flow_run(
    flow_run_id: uuid.UUID | str,
    timeout: int | None = 10800,
    poll_interval: int | None = None,
    client: Any = None,
    log_states: bool = False,
) -> FlowRun:
    """Wait until a flow run reaches a final state and return it (async, as in Prefect).

    Args:
        flow_run_id: the run to wait for.
        timeout: give up after this many seconds with ``FlowRunWaitTimeout`` (default 3 h).
        poll_interval: deprecated in Prefect; ignored (the run is checked every 0.25 s at most).
        client: a client to read with (default: a new one).
        log_states: log each state the run enters.

    Raises:
        FlowRunWaitTimeout: the run was not final within ``timeout``.
    """
    from riverrun.logging import get_logger

    logger = get_logger()
    if poll_interval is not None:
        logger.warning(
            "The `poll_interval` argument is deprecated and will be removed in a future release. "
        )
    reader = getattr(client, "_sync", None) or _client()
    deadline = None if timeout is None else time.monotonic() + timeout
    seen: str | None = None
    delay = 0.02
    while True:
        run = await asyncio.to_thread(reader.read_flow_run, flow_run_id)
        state = run.state
        if state is not None and log_states and state.id != seen:
            seen = state.id
            logger.info(f"Flow run is in state {state.name!r}")
        if state is not None and state.is_final():
            return run  # type: ignore[no-any-return]
        if deadline is not None and time.monotonic() >= deadline:
            raise FlowRunWaitTimeout(
                f"Flow run with ID {flow_run_id} exceeded watch timeout of {timeout} seconds"
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, _MAX_CHECK_INTERVAL)


__all__ = [
    "apause_flow_run",
    "aresume_flow_run",
    "asuspend_flow_run",
    "pause_flow_run",
    "resume_flow_run",
    "suspend_flow_run",
    "wait_for_flow_run",
]
