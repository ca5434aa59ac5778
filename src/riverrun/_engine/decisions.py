"""Pure decisions over plain data: retry or not, how long to wait, what the final state is.

No I/O and no user code here, so the sync and async drivers cannot disagree.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from riverrun.states import State, StateType


def retry_delay(
    delays: float | list[float] | Callable[[int], Any] | None, attempt: int, jitter: float | None
) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based)."""
    if delays is None:
        base = 0.0
    elif callable(delays):
        value = delays(attempt)
        base = (
            float(value[min(attempt, len(value)) - 1]) if isinstance(value, list) else float(value)
        )
    elif isinstance(delays, (list, tuple)):
        if not delays:
            base = 0.0
        else:
            base = float(delays[min(attempt, len(delays)) - 1])
    else:
        base = float(delays)
    if jitter and base > 0:
        base = base + random.uniform(0, base * jitter)
    return max(base, 0.0)


def should_retry(
    attempt: int,
    retries: int,
    exc: BaseException,
    retry_condition: Callable[..., bool] | None,
    condition_args: tuple[Any, ...],
) -> bool:
    """Whether attempt number ``attempt`` (1-based) may be followed by another."""
    if attempt > retries:
        return False
    if not isinstance(exc, Exception):
        return False
    if retry_condition is not None:
        return bool(retry_condition(*condition_args))
    return True


def failure_message(exc: BaseException, what: str) -> str:
    """``Task run encountered an exception ValueError: bad``; flows say ``exception: ValueError``.

    Prefect 3.9.1 writes the two differently, and tools match on the text.
    """
    sep = ": " if what == "Flow run" else " "
    return f"{what} encountered an exception{sep}{type(exc).__name__}: {exc}"


def is_state_iterable(value: Any) -> bool:
    """A non-empty list, tuple or set of states only (what Prefect aggregates)."""
    return (
        isinstance(value, (list, tuple, set))
        and bool(value)
        and all(isinstance(v, State) for v in value)
    )


def state_for_returned_value(value: Any) -> State | None:
    """The final state a run's return value implies, as Prefect's ``return_value_to_state``.

    - a state the user made (it names no run): that state, its name and message kept;
    - a run's state, or a list/tuple/set of them: one state summing them up (Completed if all
      completed, else Cancelled, Paused or Failed) whose data is the returned value itself;
    - anything else: None (Completed with the value).
    """
    if isinstance(value, State):
        details = value.state_details
        if not details.get("flow_run_id") and not details.get("task_run_id"):
            return value
        states: list[State] = [value]
    elif is_state_iterable(value):
        states = list(value)
    else:
        return None
    total = len(states)
    types = [s.type for s in states]
    failed = sum(t in (StateType.FAILED, StateType.CRASHED) for t in types)
    cancelled = types.count(StateType.CANCELLED)
    paused = types.count(StateType.PAUSED)
    not_final = sum(not s.is_final() for s in states)
    if all(t is StateType.COMPLETED for t in types):
        return State(StateType.COMPLETED, message="All states completed.", data=value)
    if cancelled:
        return State(
            StateType.CANCELLED, message=f"{cancelled}/{total} states cancelled.", data=value
        )
    if paused:
        return State(StateType.PAUSED, message=f"{paused}/{total} states paused.", data=value)
    if failed:
        message = f"{failed}/{total} states failed."
    elif not_final:
        message = f"{not_final}/{total} states are not final."
    else:
        message = "Given states: " + ", ".join(
            f"{s.type.value}: {types.count(s.type)}" for s in states
        )
    return State(StateType.FAILED, message=message, data=value)
