"""``RayTaskRunner``: task runs as Ray tasks, on a local Ray or an existing cluster.

Each task run is one Ray task running ``riverrun._engine.shipped.run_shipped``. Futures of
this runner passed into other task runs travel as Ray object refs, so Ray hands the upstream
outcome from worker to worker; each outcome's events come back to the flow run's recorder.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from typing import TYPE_CHECKING, Any

from riverrun._engine.shipped import run_shipped
from riverrun.futures import RiverrunShippedFuture
from riverrun.logging import get_logger
from riverrun.task_runners import ShippingTaskRunner
from riverrun_ray.context import current_remote_options

if TYPE_CHECKING:  # pragma: no cover
    import ray

    from riverrun._engine.runs import TaskRunInfo
    from riverrun.tasks import Task


class RiverrunRayFuture(RiverrunShippedFuture[Any]):
    """A task run on Ray; ``object_ref`` is its Ray object ref until its outcome is back."""

    @property
    def object_ref(self) -> ray.ObjectRef | None:
        return self.handle  # type: ignore[no-any-return]


class RayTaskRunner(ShippingTaskRunner):
    """Run task runs on Ray: a temporary local Ray instance, or the one at ``address``.

    Arguments are those of ``prefect_ray.RayTaskRunner``. If Ray is already initialised in
    this process, that instance is used (and left running).

    Args:
        address: a running Ray instance (``ray://head:10001``, or ``"auto"``).
        init_kwargs: keyword arguments for ``ray.init`` (``namespace`` defaults to
            ``"riverrun"``; ``runtime_env`` sets the workers' environment).

    Example:
        >>> @flow(task_runner=RayTaskRunner(init_kwargs={"num_cpus": 4}))
        ... def pipeline(): ...
    """

    def __init__(
        self, address: str | None = None, init_kwargs: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.address = address
        self.init_kwargs = dict(init_kwargs or {})
        self.init_kwargs.setdefault("namespace", "riverrun")
        self._remote: Any = None
        self._with_options: dict[tuple[Any, ...], Any] = {}
        self._owns_ray = False
        self._start_lock = threading.Lock()

    def duplicate(self) -> RayTaskRunner:
        """A runner with the same settings."""
        return type(self)(address=self.address, init_kwargs=self.init_kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RayTaskRunner):
            return False
        return self.address == other.address and self.init_kwargs == other.init_kwargs

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # Its settings only (no lock or remote handle), so a flow using it can travel by value.
        return (type(self), (self.address, self.init_kwargs))

    def _start(self) -> Any:
        import ray

        logger = get_logger("task_runner.ray")
        if ray.is_initialized():
            logger.debug("Ray is already initialized in this process; using it.")
        else:
            if self.address and self.address != "auto":
                logger.info("Connecting to an existing Ray instance at %s", self.address)
                args: tuple[str, ...] = (self.address,)
            else:
                logger.info("Creating a local Ray instance")
                args = ()
            context = ray.init(*args, **self.init_kwargs)
            self._owns_ray = True
            living = [node for node in ray.nodes() if node.get("alive")]
            logger.info("Using Ray cluster with %d nodes.", len(living))
            dashboard_url = getattr(context, "dashboard_url", None)
            if dashboard_url:
                logger.info("The Ray UI is available at %s", dashboard_url)
        self._started = True
        return ray.remote(run_shipped)

    def shutdown(self) -> None:
        """Shut Ray down if this runner started it."""
        self._close_gate()
        self._remote = None
        self._with_options = {}
        if self._owns_ray:
            import ray

            self._owns_ray = False
            ray.shutdown()

    # -- ShippingTaskRunner ----------------------------------------------------------------
    _future_class = RiverrunRayFuture

    def _launch(
        self, task: Task[Any, Any], info: TaskRunInfo, payload: bytes, upstream: list[Any]
    ) -> tuple[cf.Future[bytes], Any]:
        remote = self._remote
        if remote is None:
            with self._start_lock:
                if self._remote is None:
                    self._remote = self._start()
                remote = self._remote
        extra = current_remote_options()
        key = (task.name, tuple(sorted(extra.items())) if extra else ())
        try:
            # Ray's .options() builds a wrapper class each call: ~0.1 ms of a task run's cost.
            with_options = self._with_options.get(key)
        except TypeError:  # an unhashable option value: build it for this call
            with_options = remote.options(name=task.name, **extra)
        else:
            if with_options is None:
                if len(self._with_options) >= 256:  # options that vary per call: no reuse
                    self._with_options.clear()
                with_options = self._with_options[key] = remote.options(name=task.name, **extra)
        ref = with_options.remote(payload, *upstream)
        return ref.future(), ref
