"""Drivers: execute the instructions a run's step generator yields, sync or with asyncio.

A step generator yields ``Call`` (run user code, inside contexts, maybe with a timeout) and
``Sleep``; it receives ``(True, value)`` or ``(False, exception)`` back and finally returns
the run's final State. Only this module knows how to call user code.
"""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import inspect
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from riverrun.exceptions import FlowRunTimeoutError, TaskRunTimeoutError
from riverrun.states import State


class Call:
    """Run ``fn(*args, **kwargs)`` inside ``contexts``, within ``timeout`` seconds if set."""

    __slots__ = ("fn", "args", "kwargs", "contexts", "timeout", "label")

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        contexts: tuple[Any, ...] = (),
        timeout: float | None = None,
        label: str = "run",
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs or {}
        self.contexts = contexts
        self.timeout = timeout
        self.label = label


class Sleep:
    """Wait ``seconds`` before the next step (retry delays)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Steps = Generator[Any, Any, State]


def _enter(contexts: tuple[Any, ...]) -> None:
    for ctx in contexts:
        ctx.__enter__()


def _exit(contexts: tuple[Any, ...]) -> None:
    for ctx in reversed(contexts):
        ctx.__exit__(None, None, None)


def _timeout_error(call: Call) -> TimeoutError:
    """Prefect's classes and words: the run's state says which run and how long."""
    cls = FlowRunTimeoutError if call.label.startswith("Flow run") else TaskRunTimeoutError
    return cls(f"Scope timed out after {call.timeout:g} second(s).")


# Results that cannot be awaitable, recognised without isawaitable's ABC check.
_PLAIN_RESULTS = frozenset({int, float, str, bool, bytes, list, dict, tuple, type(None)})


def _call_sync(call: Call) -> tuple[bool, Any]:
    if call.timeout is None:
        _enter(call.contexts)
        try:
            value = call.fn(*call.args, **call.kwargs)
            if type(value) not in _PLAIN_RESULTS and inspect.isawaitable(value):
                value = _run_coroutine(value)
            return True, value
        except BaseException as exc:  # noqa: BLE001 - user code may raise anything; the engine records it
            return False, exc
        finally:
            _exit(call.contexts)
    return _call_sync_with_timeout(call)


def _call_sync_with_timeout(call: Call) -> tuple[bool, Any]:
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()
    context = contextvars.copy_context()

    def target() -> None:
        _enter(call.contexts)
        try:
            value = call.fn(*call.args, **call.kwargs)
            if inspect.isawaitable(value):
                value = _run_coroutine(value)
            outcome.append((True, value))
        except BaseException as exc:  # noqa: BLE001
            outcome.append((False, exc))
        finally:
            _exit(call.contexts)
            done.set()

    thread = threading.Thread(
        target=context.run, args=(target,), daemon=True, name="riverrun-timed"
    )
    thread.start()
    if not done.wait(call.timeout):
        # Best effort: raise inside the worker so it stops at its next bytecode boundary.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident or 0), ctypes.py_object(TaskRunTimeoutError)
        )
        return False, _timeout_error(call)
    return outcome[0]


def _run_coroutine(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_as_coroutine(coro))
    # A loop already runs in this thread: run the coroutine on a fresh loop in a helper thread.
    result: list[Any] = []
    error: list[BaseException] = []
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            result.append(asyncio.run(_as_coroutine(coro)))
        except BaseException as exc:  # noqa: BLE001
            error.append(exc)

    thread = threading.Thread(target=ctx.run, args=(target,))
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


async def _as_coroutine(awaitable: Any) -> Any:
    return await awaitable


def drive_sync(steps: Steps) -> State:
    """Run a step generator to completion in this thread."""
    send: Any = None
    try:
        while True:
            instruction = steps.send(send)
            if type(instruction) is Call:
                send = _call_sync(instruction)
            elif type(instruction) is Sleep:
                if instruction.seconds > 0:
                    time.sleep(instruction.seconds)
                send = None
            else:  # pragma: no cover - a programming error in the steps
                raise TypeError(f"Unknown engine instruction {instruction!r}")
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _call_async(call: Call) -> tuple[bool, Any]:
    _enter(call.contexts)
    try:
        value = call.fn(*call.args, **call.kwargs)
        if inspect.isawaitable(value):
            if call.timeout is not None:
                try:
                    value = await asyncio.wait_for(_as_coroutine(value), call.timeout)
                except asyncio.TimeoutError:
                    return False, _timeout_error(call)
            else:
                value = await value
        return True, value
    except BaseException as exc:  # noqa: BLE001
        return False, exc
    finally:
        _exit(call.contexts)


async def drive_async(steps: Steps) -> State:
    """Run a step generator to completion on the running event loop."""
    send: Any = None
    try:
        while True:
            instruction = steps.send(send)
            if type(instruction) is Call:
                send = await _call_async(instruction)
            elif type(instruction) is Sleep:
                if instruction.seconds > 0:
                    await asyncio.sleep(instruction.seconds)
                send = None
            else:  # pragma: no cover
                raise TypeError(f"Unknown engine instruction {instruction!r}")
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
