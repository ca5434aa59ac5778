"""Futures for task runs: ``task.submit()`` and ``task.map()`` return them.

``wait`` and ``as_completed`` work over any mix of riverrun futures.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, NamedTuple, TypeVar

from riverrun.states import State

R = TypeVar("R")


class RiverrunFuture(Generic[R]):
    """The eventual result of a task run.

    Attributes:
        task_run_id: the ID of the task run, known at once.
    """

    def __init__(self, task_run_id: str | uuid.UUID) -> None:
        self._task_run_id = str(task_run_id)

    @property
    def task_run_id(self) -> uuid.UUID:
        """The task run's ID as a ``UUID``, as Prefect gives it (made when read: submit stays cheap)."""
        return uuid.UUID(self._task_run_id)

    @task_run_id.setter
    def task_run_id(self, value: str | uuid.UUID) -> None:
        self._task_run_id = str(value)

    @property
    def state(self) -> State:
        """The task run's state now (Pending or Running while it runs)."""
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> None:
        """Block until the task run is final, or ``timeout`` seconds pass."""
        raise NotImplementedError

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> R:
        """Wait and return the result, or raise the task's exception.

        Args:
            timeout: seconds to wait before raising ``TimeoutError``.
            raise_on_failure: if False, return the exception of a failed run instead.
        """
        raise NotImplementedError

    def add_done_callback(self, fn: Callable[[RiverrunFuture[R]], None]) -> None:
        """Call ``fn(future)`` when the task run is final."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(task_run_id={self._task_run_id!r})"


class RiverrunConcurrentFuture(RiverrunFuture[R]):
    """A future backed by a ``concurrent.futures.Future`` that resolves to a final State."""

    def __init__(
        self,
        task_run_id: str,
        wrapped: cf.Future[State],
        pending: Callable[[], State] | None = None,
    ) -> None:
        super().__init__(task_run_id)
        self.wrapped_future = wrapped
        self._pending = pending

    @property
    def state(self) -> State:
        if self.wrapped_future.done():
            return self._final_state()
        if self._pending is not None:
            return self._pending()
        from riverrun.states import Pending

        return Pending()

    def _final_state(self) -> State:
        exc = self.wrapped_future.exception()
        if exc is not None:
            from riverrun.states import Crashed

            return Crashed(message=f"The task run could not be executed: {exc!r}", data=exc)
        return self.wrapped_future.result()

    def wait(self, timeout: float | None = None) -> None:
        cf.wait([self.wrapped_future], timeout=timeout)

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> R:
        try:
            self.wrapped_future.exception(timeout=timeout)
        except cf.TimeoutError:
            raise TimeoutError(
                f"Task run {self._task_run_id} did not finish within {timeout} seconds."
            ) from None
        return self._final_state().result(raise_on_failure=raise_on_failure)  # type: ignore[no-any-return]

    def add_done_callback(self, fn: Callable[[RiverrunFuture[R]], None]) -> None:
        self.wrapped_future.add_done_callback(lambda _: fn(self))


class RiverrunShippedFuture(RiverrunConcurrentFuture[R]):
    """A task run sent to a cluster (Dask, Ray) by ``owner``, a ``ShippingTaskRunner``.

    ``handle`` is the cluster's own future (a Dask future, a Ray object ref) until the task
    run's outcome is back in this process; then it is let go, so the cluster frees the
    outcome, and a task run submitted later gets this run's state from here instead.
    """

    def __init__(
        self, task_run_id: str, wrapped: cf.Future[State], handle: Any, owner: object
    ) -> None:
        super().__init__(task_run_id, wrapped)
        self.handle: Any = handle
        self.owner = owner
        wrapped.add_done_callback(self._release)

    def _release(self, _: cf.Future[State]) -> None:
        self.handle = None


class RiverrunFutureList(list[RiverrunFuture[R]]):
    """The futures ``task.map`` returns, with ``wait()`` and ``result()`` over all of them."""

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every future (up to ``timeout`` seconds in all)."""
        wait(list(self), timeout=timeout)

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> list[R]:
        """Every future's result, in order."""
        deadline = None if timeout is None else time.monotonic() + timeout
        out = []
        for future in self:
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0)
            out.append(future.result(timeout=remaining, raise_on_failure=raise_on_failure))
        return out


class DoneAndNotDoneFutures(NamedTuple):
    """What ``wait`` returns."""

    done: set[RiverrunFuture[Any]]
    not_done: set[RiverrunFuture[Any]]


def _raw(future: RiverrunFuture[Any]) -> cf.Future[Any]:
    if isinstance(future, RiverrunConcurrentFuture):
        return future.wrapped_future
    raise TypeError(f"Unsupported future type {type(future).__name__}.")


def wait(
    futures: Iterable[RiverrunFuture[Any]], timeout: float | None = None
) -> DoneAndNotDoneFutures:
    """Wait until all futures are done or ``timeout`` passes; return (done, not_done)."""
    items = list(futures)
    by_raw = {_raw(f): f for f in items}
    done, not_done = cf.wait(list(by_raw), timeout=timeout)
    return DoneAndNotDoneFutures({by_raw[f] for f in done}, {by_raw[f] for f in not_done})


def as_completed(
    futures: Iterable[RiverrunFuture[Any]], timeout: float | None = None
) -> Iterator[RiverrunFuture[Any]]:
    """Yield futures as they finish, first finished first."""
    items = list(futures)
    by_raw = {_raw(f): f for f in items}
    try:
        for raw in cf.as_completed(list(by_raw), timeout=timeout):
            yield by_raw[raw]
    except cf.TimeoutError:
        raise TimeoutError(f"Not all futures finished within {timeout} seconds.") from None


def resolve_futures_to_states(value: Any) -> Any:
    """Replace futures in ``value`` (and in lists, tuples, sets, dicts) with their final states."""
    if isinstance(value, RiverrunFuture):
        value.wait()
        return value.state
    if isinstance(value, (list, tuple, set)):
        return type(value)(resolve_futures_to_states(v) for v in value)
    if isinstance(value, dict):
        return {k: resolve_futures_to_states(v) for k, v in value.items()}
    return value


def resolve_futures_to_results(value: Any) -> Any:
    """Replace futures in ``value`` (and in lists, tuples, sets, dicts) with their results.

    Raises:
        Exception: a future's run did not complete (the plain ``Exception`` Prefect raises).
    """
    if isinstance(value, RiverrunFuture):
        value.wait()
        if not value.state.is_completed():
            raise Exception("At least one result did not complete successfully")  # noqa: TRY002
        return value.result()
    if isinstance(value, (list, tuple, set)):
        return type(value)(resolve_futures_to_results(v) for v in value)
    if isinstance(value, dict):
        return {k: resolve_futures_to_results(v) for k, v in value.items()}
    return value


__all__ = [
    "DoneAndNotDoneFutures",
    "RiverrunConcurrentFuture",
    "RiverrunFuture",
    "RiverrunFutureList",
    "RiverrunShippedFuture",
    "as_completed",
    "resolve_futures_to_results",
    "resolve_futures_to_states",
    "wait",
]
