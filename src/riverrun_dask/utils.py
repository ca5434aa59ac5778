"""``get_dask_client`` / ``get_async_dask_client``: Dask work from inside a task or flow.

A task running on a Dask worker has no client of its own; these give it one connected to the
same scheduler, so it can compute Dask collections across the whole cluster.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Union

from riverrun.context import FlowRunContext, TaskRunContext

if TYPE_CHECKING:  # pragma: no cover
    import distributed

Timeout = Union[int, float, str, timedelta, None]


def _client_kwargs(
    async_client: bool, timeout: Timeout, client_kwargs: dict[str, Any]
) -> dict[str, Any]:
    import distributed

    from riverrun_dask.task_runners import DaskTaskRunner, _scheduler_address

    task_ctx = TaskRunContext.get()
    flow_ctx = FlowRunContext.get()
    kwargs: dict[str, Any]
    if task_ctx is not None:
        kwargs = {
            "address": _scheduler_address(distributed.get_client()),
            "asynchronous": task_ctx.task.isasync,
        }
    elif flow_ctx is not None and isinstance(flow_ctx.task_runner, DaskTaskRunner):
        runner = flow_ctx.task_runner
        kwargs = {
            **runner.client_kwargs,
            "address": _scheduler_address(runner.client),
            "asynchronous": flow_ctx.flow.isasync,
        }
    else:
        kwargs = {"address": None, "asynchronous": async_client}
    if timeout is not None:
        kwargs["timeout"] = timeout
    kwargs.update(client_kwargs)
    return kwargs


@contextlib.contextmanager
def get_dask_client(timeout: Timeout = None, **client_kwargs: Any) -> Iterator[distributed.Client]:
    """A temporary synchronous Dask client on the current cluster.

    Inside a task on a Dask worker it connects to that worker's scheduler; inside a flow
    using ``DaskTaskRunner``, to the runner's cluster; elsewhere, ``distributed.Client()``.

    Args:
        timeout: connection timeout (``distributed.comm.timeouts.connect`` by default).
        client_kwargs: more ``distributed.Client`` arguments; they override inherited ones.

    Example:
        >>> @task
        ... def total():
        ...     with get_dask_client() as client:
        ...         return client.compute(frame.x.sum()).result()
    """
    import distributed

    with distributed.Client(**_client_kwargs(False, timeout, client_kwargs)) as client:
        yield client


@contextlib.asynccontextmanager
async def get_async_dask_client(
    timeout: Timeout = None, **client_kwargs: Any
) -> AsyncIterator[distributed.Client]:
    """A temporary asynchronous Dask client on the current cluster (see ``get_dask_client``).

    Example:
        >>> @task
        ... async def total():
        ...     async with get_async_dask_client() as client:
        ...         return await client.compute(frame.x.sum())
    """
    import distributed

    async with distributed.Client(**_client_kwargs(True, timeout, client_kwargs)) as client:
        yield client
