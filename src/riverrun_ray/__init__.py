"""Run riverrun task runs on Ray: ``@flow(task_runner=RayTaskRunner())``.

Prefect's ``prefect_ray``, renamed. Installed with ``pip install 'riverrun[ray]'``; Ray itself
is imported only when a runner starts.

Example:
    >>> from riverrun import flow
    >>> from riverrun_ray import RayTaskRunner
    >>> @flow(task_runner=RayTaskRunner(address="ray://head:10001"))
    ... def pipeline(): ...
"""

from __future__ import annotations

from riverrun._internal.extras import require_extra

require_extra("ray", "ray", "riverrun_ray")

from riverrun_ray.context import remote_options  # noqa: E402
from riverrun_ray.task_runners import RayTaskRunner, RiverrunRayFuture  # noqa: E402

__all__ = ["RayTaskRunner", "RiverrunRayFuture", "remote_options"]
