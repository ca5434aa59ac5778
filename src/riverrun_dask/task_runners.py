"""``DaskTaskRunner``: task runs on a ``dask.distributed`` cluster.

Each task run is one Dask task running ``riverrun._engine.shipped.run_shipped``. Futures of
this runner passed into other task runs travel as Dask futures, so Dask hands the upstream
outcome from worker to worker. One collector thread per runner fetches finished outcomes in
batches (one ``gather`` for many) and gives their events to the flow run's recorder.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import importlib
import queue
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any, Union

from riverrun._engine.shipped import run_shipped
from riverrun.futures import RiverrunShippedFuture
from riverrun.logging import get_logger
from riverrun.task_runners import ShippingTaskRunner

if TYPE_CHECKING:  # pragma: no cover
    import distributed

    from riverrun._engine.runs import TaskRunInfo
    from riverrun.tasks import Task

ClusterClass = Union[str, Callable[..., "distributed.deploy.Cluster"]]

# Outcomes fetched per gather: enough to amortise the round trip, few enough to hand on soon.
_BATCH = 1000
# Task runs submitted and not yet back, per runner, before ``submit`` waits for one to end.
# Each ``client.submit`` is one message the scheduler must process, and every outcome not
# yet back is held here: a bound keeps the scheduler's backlog and this process's memory
# small during a 100,000-task map, and is enough to keep a large cluster's threads busy.
MAX_IN_FLIGHT = 2000
# Task runs per ``client.map`` of one ``task.map``: few messages, yet the first runs start soon.
_SUBMIT_BATCH = 500


class RiverrunDaskFuture(RiverrunShippedFuture[Any]):
    """A task run on Dask; ``dask_future`` is its Dask future until its outcome is back."""

    @property
    def dask_future(self) -> distributed.Future | None:
        return self.handle  # type: ignore[no-any-return]


class _Collector:
    """Fetches the outcomes of finished Dask futures in batches, on one thread."""

    def __init__(self, client: distributed.Client, max_in_flight: int) -> None:
        self._client = client
        self.max_in_flight = max_in_flight
        self._room = threading.BoundedSemaphore(max_in_flight)
        self._finished: queue.SimpleQueue[distributed.Future | None] = queue.SimpleQueue()
        self._waiting: dict[Hashable, cf.Future[bytes]] = {}
        self._thread = threading.Thread(
            target=self._run, name="riverrun-dask-collector", daemon=True
        )
        self._thread.start()

    def reserve(self) -> None:
        """Wait until fewer than ``max_in_flight`` watched futures are unsettled."""
        self._room.acquire()

    def release(self) -> None:
        """Give back a ``reserve`` whose submission failed."""
        self._room.release()

    def watch(self, dask_future: distributed.Future) -> cf.Future[bytes]:
        """A future of ``dask_future``'s outcome (after ``reserve``)."""
        out: cf.Future[bytes] = cf.Future()
        self._waiting[dask_future.key] = out
        dask_future.add_done_callback(self._finished.put)
        return out

    def close(self) -> None:
        self._finished.put(None)
        self._thread.join()
        waiting, self._waiting = self._waiting, {}
        for out in waiting.values():
            self._room.release()
            out.set_exception(
                cf.CancelledError("The Dask task runner shut down before the task run finished.")
            )

    def _run(self) -> None:
        get = self._finished.get
        while True:
            first = get()
            if first is None:
                return
            batch = [first]
            with contextlib.suppress(queue.Empty):
                while len(batch) < _BATCH:
                    item = self._finished.get_nowait()
                    if item is None:
                        self._settle(batch)
                        return
                    batch.append(item)
            self._settle(batch)

    def _settle(self, batch: list[distributed.Future]) -> None:
        finished = [f for f in batch if f.status == "finished"]
        values: dict[Hashable, bytes] = {}
        if finished:
            try:
                values = dict(
                    zip((f.key for f in finished), self._client.gather(finished), strict=True)
                )
            except Exception:  # noqa: BLE001 - one lost result must not fail its batch
                values = {}
        for future in batch:
            out = self._waiting.pop(future.key, None)
            if out is None:
                continue
            self._room.release()
            if future.key in values:
                out.set_result(values[future.key])
                continue
            try:
                out.set_result(future.result())
            except BaseException as exc:  # noqa: BLE001 - KilledWorker, CancelledError...
                out.set_exception(exc)


def _cluster_class(value: ClusterClass | None) -> Callable[..., distributed.deploy.Cluster] | None:
    if not isinstance(value, str):
        return value
    module_name, _, name = value.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(
            f"cluster_class {value!r} cannot be imported ({exc}); give a qualified name such as "
            "'dask_kubernetes.operator.KubeCluster', or the class itself."
        ) from None


def _current_dask_client() -> distributed.Client | None:
    """The client ``distributed.get_client()`` finds (a worker's, or a default one), if any."""
    import distributed

    try:
        return distributed.get_client()
    except ValueError:  # "No global client found and no address provided"
        return None


def _scheduler_address(client: distributed.Client) -> str:
    scheduler = client.scheduler
    if scheduler is None:
        raise RuntimeError(
            "The Dask client is not connected to a scheduler; start its cluster first."
        )
    return str(scheduler.address)


class DaskTaskRunner(ShippingTaskRunner):
    """Run task runs on Dask: a temporary ``LocalCluster``, a cluster class, or an address.

    Arguments are those of ``prefect_dask.DaskTaskRunner``. With none that names a cluster,
    a current Dask client (inside a task on a Dask worker, or a default ``Client`` made
    before the flow) is joined, as prefect-dask does; otherwise a ``LocalCluster`` is made.

    Args:
        cluster: an existing cluster object to use (not closed by the runner).
        address: the scheduler address of a running cluster (``tcp://host:8786``).
        cluster_class: the cluster to create when there is no address (a class, a callable
            or its qualified name); default ``distributed.LocalCluster``.
        cluster_kwargs: keyword arguments for ``cluster_class``.
        adapt_kwargs: if given, ``cluster.adapt(**adapt_kwargs)`` (adaptive scaling).
        client_kwargs: keyword arguments for ``distributed.Client``.
        performance_report_path: write Dask's performance report of the flow run there.

    Raises:
        ValueError: for contradictory arguments (``address`` with a cluster class...).

    Example:
        >>> @flow(task_runner=DaskTaskRunner(address="tcp://10.0.0.5:8786"))
        ... def pipeline(): ...
    """

    def __init__(
        self,
        cluster: distributed.deploy.Cluster | None = None,
        address: str | None = None,
        cluster_class: ClusterClass | None = None,
        cluster_kwargs: dict[str, Any] | None = None,
        adapt_kwargs: dict[str, Any] | None = None,
        client_kwargs: dict[str, Any] | None = None,
        performance_report_path: str | None = None,
    ) -> None:
        if address and (cluster or cluster_class or cluster_kwargs or adapt_kwargs):
            raise ValueError(
                "Cannot specify `address` and `cluster`/`cluster_class`/`cluster_kwargs`/"
                "`adapt_kwargs`: an address connects to a cluster that already exists."
            )
        if cluster and (cluster_class or cluster_kwargs):
            raise ValueError(
                "Cannot specify `cluster` and `cluster_class`/`cluster_kwargs`: the cluster "
                "already exists."
            )
        cluster_kwargs = dict(cluster_kwargs or {})
        adapt_kwargs = dict(adapt_kwargs or {})
        client_kwargs = dict(client_kwargs or {})
        client_kwargs.setdefault("set_as_default", False)
        for name, kwargs in (("client_kwargs", client_kwargs), ("cluster_kwargs", cluster_kwargs)):
            if "asynchronous" in kwargs:
                raise ValueError(
                    f"`{name}` cannot set `asynchronous`: the runner manages it. Remove it."
                )
        super().__init__()
        self.address = address
        self.cluster_class = cluster_class
        self.resolved_cluster_class = _cluster_class(cluster_class)
        self.cluster_kwargs = cluster_kwargs
        self.adapt_kwargs = adapt_kwargs
        self.client_kwargs = client_kwargs
        self.performance_report_path = performance_report_path
        self._given_cluster = cluster
        self._cluster: distributed.deploy.Cluster | None = cluster
        self._client: distributed.Client | None = None
        self._collector: _Collector | None = None
        self._exit_stack = contextlib.ExitStack()
        self._start_lock = threading.Lock()

    def duplicate(self) -> DaskTaskRunner:
        """A runner with the same settings (and the same given cluster, if any)."""
        return type(self)(
            cluster=self._given_cluster,
            address=self.address,
            cluster_class=self.cluster_class,
            cluster_kwargs=self.cluster_kwargs,
            adapt_kwargs=self.adapt_kwargs,
            client_kwargs=self.client_kwargs,
            performance_report_path=self.performance_report_path,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DaskTaskRunner):
            return False
        return (
            self.address == other.address
            and self.cluster_class == other.cluster_class
            and self.cluster_kwargs == other.cluster_kwargs
            and self.adapt_kwargs == other.adapt_kwargs
            and self.client_kwargs == other.client_kwargs
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # Its settings only (no client, lock or collector): a flow that uses this runner can
        # then travel by value, e.g. a script's flow that a task on a worker calls.
        return (
            type(self),
            (
                self._given_cluster,
                self.address,
                self.cluster_class,
                self.cluster_kwargs,
                self.adapt_kwargs,
                self.client_kwargs,
                self.performance_report_path,
            ),
        )

    @property
    def client(self) -> distributed.Client:
        """The runner's Dask client, connected (and its cluster created) on first use."""
        client = self._client
        if client is None:
            with self._start_lock:
                if self._client is None:
                    self._start()
            client = self._client
            assert client is not None
        return client

    def _start(self) -> None:
        import distributed

        logger = get_logger("task_runner.dask")
        stack = self._exit_stack
        connect_to: Any
        current = None if self._names_a_cluster() else _current_dask_client()
        if self._cluster is not None:
            connect_to = self._cluster
            if self.adapt_kwargs:
                self._cluster.adapt(**self.adapt_kwargs)
        elif self.address:
            logger.info("Connecting to an existing Dask cluster at %s", self.address)
            connect_to = self.address
        elif current is not None:
            # As prefect-dask: inside a task on a Dask worker, or after ``Client(...)`` in a
            # notebook, the runner joins that cluster rather than starting one of its own.
            connect_to = current.cluster or _scheduler_address(current)
            logger.info("Connecting to the current Dask client's cluster %s", connect_to)
            if self.adapt_kwargs and current.cluster is not None:
                current.cluster.adapt(**self.adapt_kwargs)
        else:
            make = self.resolved_cluster_class or distributed.LocalCluster
            logger.info(
                "Creating a new Dask cluster with `%s.%s`",
                getattr(make, "__module__", ""),
                getattr(make, "__qualname__", make),
            )
            self._cluster = connect_to = stack.enter_context(make(**self.cluster_kwargs))
            if self.adapt_kwargs:
                self._cluster.adapt(**self.adapt_kwargs)
        client = stack.enter_context(distributed.Client(connect_to, **self.client_kwargs))
        if self.performance_report_path:
            stack.enter_context(distributed.Client.as_current(client))
            stack.enter_context(distributed.performance_report(self.performance_report_path))
        self._collector = _Collector(client, MAX_IN_FLIGHT)
        self._client = client
        self._started = True
        if client.dashboard_link:
            logger.info("The Dask dashboard is available at %s", client.dashboard_link)

    def _names_a_cluster(self) -> bool:
        return bool(
            self._given_cluster or self.address or self.cluster_class or self.cluster_kwargs
        )

    def shutdown(self) -> None:
        """Close the client, and the cluster if this runner created it."""
        self._close_gate()
        collector, self._collector = self._collector, None
        if collector is not None:
            collector.close()
        self._client = None
        self._cluster = self._given_cluster
        self._exit_stack.close()
        self._exit_stack = contextlib.ExitStack()

    # -- ShippingTaskRunner ----------------------------------------------------------------
    _future_class = RiverrunDaskFuture

    def _launch(
        self, task: Task[Any, Any], info: TaskRunInfo, payload: bytes, upstream: list[Any]
    ) -> tuple[cf.Future[bytes], Any]:
        client = self.client
        collector = self._collector
        assert collector is not None
        collector.reserve()
        try:
            dask_future = client.submit(
                run_shipped, payload, *upstream, key=f"{task.name}-{info.id}", pure=False
            )
        except BaseException:
            collector.release()
            raise
        return collector.watch(dask_future), dask_future

    def _launch_many(
        self, task: Task[Any, Any], items: list[tuple[TaskRunInfo, bytes, list[Any]]]
    ) -> Iterator[tuple[cf.Future[bytes], Any]]:
        """In item order: runs with no upstream go in ``client.map`` calls of up to
        ``_SUBMIT_BATCH`` (one message to the scheduler each), the others one ``client.submit``
        each. Each launch is yielded once sent, so its outcome is taken as soon as it is back."""
        client = self.client
        collector = self._collector
        assert collector is not None
        # A chunk no larger than the in-flight bound: all it reserves was sent before it.
        size = min(_SUBMIT_BATCH, collector.max_in_flight)
        chunk: list[tuple[TaskRunInfo, bytes]] = []
        for info, payload, upstream in items:
            if not upstream:
                chunk.append((info, payload))
                if len(chunk) == size:
                    yield from self._map_chunk(client, collector, task, chunk)
                    chunk = []
                continue
            yield from self._map_chunk(client, collector, task, chunk)
            chunk = []
            yield self._launch(task, info, payload, upstream)
        yield from self._map_chunk(client, collector, task, chunk)

    @staticmethod
    def _map_chunk(
        client: distributed.Client,
        collector: _Collector,
        task: Task[Any, Any],
        chunk: list[tuple[TaskRunInfo, bytes]],
    ) -> list[tuple[cf.Future[bytes], Any]]:
        if not chunk:
            return []
        reserved = 0
        try:
            for _ in chunk:
                collector.reserve()
                reserved += 1
            dask_futures = client.map(
                run_shipped,
                [payload for _, payload in chunk],
                key=[f"{task.name}-{info.id}" for info, _ in chunk],
                pure=False,
            )
        except BaseException:
            for _ in range(reserved):
                collector.release()
            raise
        return [(collector.watch(f), f) for f in dask_futures]
