"""Run riverrun task runs on a Dask cluster: ``@flow(task_runner=DaskTaskRunner())``.

Prefect's ``prefect_dask``, renamed. Installed with ``pip install 'riverrun[dask]'``; Dask
itself is imported only when a runner starts its cluster or client.

Example:
    >>> from riverrun import flow, task
    >>> from riverrun_dask import DaskTaskRunner
    >>> @flow(task_runner=DaskTaskRunner(cluster_kwargs={"n_workers": 2}))
    ... def pipeline():
    ...     return square.map(range(10)).result()
"""

from __future__ import annotations

from riverrun._internal.extras import require_extra

require_extra("distributed", "dask", "riverrun_dask")

from riverrun_dask.task_runners import DaskTaskRunner, RiverrunDaskFuture  # noqa: E402
from riverrun_dask.utils import get_async_dask_client, get_dask_client  # noqa: E402

__all__ = ["DaskTaskRunner", "RiverrunDaskFuture", "get_async_dask_client", "get_dask_client"]
