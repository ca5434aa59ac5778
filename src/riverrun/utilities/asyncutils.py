"""Prefect's dual calling convention: one name, awaitable in async code, a plain call in sync code.

Prefect's docs write ``await Variable.get("x")`` in async flows and ``Variable.get("x")`` in
sync ones, and its ``async_dispatch`` picks the implementation at call time. riverrun keeps a
plain pair (``get`` / ``aget``) and puts this dispatcher in front of the sync name only, for the
methods Prefect dispatches (``Variable.get``, ``Block.load``, ``block.save``, ``Artifact.get``...).
``_sync=True`` forces the plain call, as in Prefect.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any


def is_in_async_context() -> bool:
    """True when the caller runs async code: inside an async flow or task, or on a running loop.

    Inside a run, the run's own function decides (a sync task called from an async flow is
    sync code), as in Prefect.
    """
    from riverrun.context import FlowRunContext, TaskRunContext

    ctx: Any = TaskRunContext.get()
    if ctx is not None:
        return bool(ctx.task.isasync)
    ctx = FlowRunContext.get()
    if ctx is not None:
        return bool(ctx.flow.isasync)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class async_dispatch:  # noqa: N801 - named as Prefect's decorator
    """Decorate the sync method; in async context a call runs ``async_impl`` instead.

    Example:
        >>> class Variable:
        ...     @async_dispatch("aget")
        ...     @classmethod
        ...     def get(cls, name): ...
        ...     @classmethod
        ...     async def aget(cls, name): ...

    The async twin is named, not passed, so it may be defined after the sync method and
    overridden by subclasses. It must call the sync method with ``_sync=True`` if it runs it
    on a thread: a thread copies the run context, and the call would dispatch again.
    """

    def __init__(self, async_name: str) -> None:
        self.async_name = async_name
        self.sync_impl: Any = None

    def __call__(self, sync_impl: Any) -> async_dispatch:
        self.sync_impl = sync_impl
        functools.update_wrapper(self, getattr(sync_impl, "__func__", sync_impl))  # type: ignore[arg-type]
        return self

    def __get__(self, obj: Any, owner: type | None = None) -> Callable[..., Any]:
        sync = self.sync_impl.__get__(obj, owner)
        aio = getattr(owner if obj is None else obj, self.async_name)

        @functools.wraps(sync)
        def dispatch(*args: Any, _sync: bool | None = None, **kwargs: Any) -> Any:
            if _sync is True or (_sync is None and not is_in_async_context()):
                return sync(*args, **kwargs)
            return aio(*args, **kwargs)

        dispatch.aio = aio  # type: ignore[attr-defined]
        return dispatch


__all__ = ["async_dispatch", "is_in_async_context"]
