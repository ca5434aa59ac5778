"""Pure decisions over plain data: retry or not, how long to wait, what the final state is.

No I/O and no user code here, so the sync and async drivers cannot disagree.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
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
        base = float(value[min(attempt, len(value)) - 1]) if isinstance(value, list) else float(value)
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
    """``Task run encountered an exception ValueError: bad``."""
    return f"{what} encountered an exception {type(exc).__name__}: {exc}"


def aggregate_states(states: Iterable[State]) -> State | None:
    """A flow's final state from several returned states: Failed if any is not Completed."""
    collected = list(states)
    if not collected:
        return None
    bad = [s for s in collected if s.type is not StateType.COMPLETED]
    if not bad:
        return None
    first = bad[0]
    return State(
        type=StateType.FAILED if first.type is not StateType.CANCELLED else StateType.CANCELLED,
        message=f"{len(bad)}/{len(collected)} states are not Completed.",
        data=first.data,
    )
