"""Task runners: where ``task.submit()`` and ``task.map()`` execute task runs.

``ThreadPoolTaskRunner`` (the default) runs them on threads of this process;
``ProcessPoolTaskRunner`` in worker processes. ``riverrun_dask.DaskTaskRunner`` and
``riverrun_ray.RayTaskRunner`` (extras ``riverrun[dask]``, ``riverrun[ray]``) build on
``ShippingTaskRunner``, as the process pool does: see ``docs/task-runners.md``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from riverrun.futures import RiverrunConcurrentFuture, RiverrunFuture, RiverrunShippedFuture

Calls = list[tuple[tuple[Any, ...], dict[str, Any]]]
"""What ``task.map`` hands a runner: the ``(args, kwargs)`` of each task run, in order."""

# Threads per shipping runner that wait for tag slots: each waits for one task run's slots,
# as a thread of the thread pool would; more tag-limited runs queue behind them.
_SLOT_WAITERS = 16

if TYPE_CHECKING:  # pragma: no cover
    from riverrun._engine.runs import TaskRunInfo
    from riverrun._recording.recorder import Recorder
    from riverrun.context import FlowRunContext
    from riverrun.schemas.objects import ConcurrencyLimitWithLeaseResponse
    from riverrun.states import State
    from riverrun.tasks import Task


class TaskRunner:
    """Base class: starts lazily, is a context manager, and submits task runs."""

    def __init__(self) -> None:
        self._started = False

    def duplicate(self) -> TaskRunner:
        """A fresh runner with the same settings (each flow run gets its own)."""
        return type(self)()

    def __enter__(self) -> TaskRunner:
        self._started = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """Release workers; waits for submitted runs to finish."""

    def submit(
        self,
        task: Task[Any, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> RiverrunFuture[Any]:
        raise NotImplementedError

    def submit_map(
        self,
        task: Task[Any, Any],
        calls: Calls,
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> list[RiverrunFuture[Any]]:
        """Submit one task run per ``(args, kwargs)`` of ``calls`` (``task.map``), in order.

        A runner whose cluster takes many tasks in one call submits them together.
        """
        return [self.submit(task, args, kwargs, wait_for, flow_ctx) for args, kwargs in calls]


class _PooledTaskRunner(TaskRunner):
    """A runner backed by a ``concurrent.futures`` executor, created on first submit."""

    def __init__(self, max_workers: int) -> None:
        super().__init__()
        self.max_workers = max_workers
        self._executor: cf.Executor | None = None
        self._lock = threading.Lock()

    def duplicate(self) -> TaskRunner:
        return type(self)(self.max_workers)

    def _make_executor(self) -> cf.Executor:
        raise NotImplementedError

    def _pool(self) -> cf.Executor:
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = self._make_executor()
        return self._executor

    def shutdown(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


class ThreadPoolTaskRunner(_PooledTaskRunner):
    """Run submitted task runs on a pool of threads (default: as many as needed, up to 100).

    Async tasks run on an event loop of their worker thread.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        env = os.environ.get("RIVERRUN_TASK_RUNNER_THREAD_POOL_MAX_WORKERS")
        super().__init__(max_workers or int(env or 0) or 100)

    def _make_executor(self) -> cf.Executor:
        return cf.ThreadPoolExecutor(
            max_workers=self.max_workers, thread_name_prefix="riverrun-task"
        )

    def submit(
        self,
        task: Task[Any, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> RiverrunFuture[Any]:
        info = task._new_info(flow_ctx)
        context = contextvars.copy_context()
        if task.isasync:
            import asyncio

            def call() -> State:
                return asyncio.run(task.run_async(info, args, kwargs, wait_for, flow_ctx))

        else:

            def call() -> State:
                return task.run_sync(info, args, kwargs, wait_for, flow_ctx)

        wrapped = self._pool().submit(context.run, call)
        return RiverrunConcurrentFuture(info.id, wrapped, lambda: info.state or _pending())


def _pending() -> State:
    from riverrun.states import Pending

    return Pending()


class ShippingTaskRunner(TaskRunner):
    """Base of the runners that run task runs in other processes (process pool, Dask, Ray).

    A task run travels as a payload (``riverrun._engine.shipped``) and records into a buffer
    where it runs; its events come back with its outcome and go to the flow run's recorder,
    so a worker needs neither the flow's store nor its filesystem. A subclass says how to
    launch a payload (``_launch``) and which futures its cluster resolves itself
    (``_native_handle``).
    """

    def __init__(self) -> None:
        super().__init__()
        self._snapshot: tuple[str, bytes | None] | None = None
        # id(task) -> (task, its pickle); the task is held so that its id stays its own.
        self._pickled_tasks: dict[int, tuple[Task[Any, Any], bytes]] = {}
        self._slot_waiters: cf.ThreadPoolExecutor | None = None
        self._gate_lock = threading.Lock()

    # The future type ``submit`` returns for a launch with a cluster handle.
    _future_class: type[RiverrunShippedFuture[Any]] = RiverrunShippedFuture

    def _native_handle(self, future: RiverrunFuture[Any]) -> Any:
        """The cluster's own handle for ``future`` if this runner's cluster resolves it, else None."""
        if isinstance(future, RiverrunShippedFuture) and future.owner is self:
            return future.handle
        return None

    def _launch(
        self, task: Task[Any, Any], info: TaskRunInfo, payload: bytes, upstream: list[Any]
    ) -> tuple[cf.Future[bytes], Any]:
        """Start ``run_shipped(payload, *upstream)`` on a worker.

        Returns:
            A future of its raw outcome, and the cluster's handle for it (or None).
        """
        raise NotImplementedError

    def _flow_snapshot(self, flow_ctx: FlowRunContext | None) -> bytes | None:
        from riverrun._engine.shipped import snapshot_flow

        if flow_ctx is None:
            return None
        cached = self._snapshot
        if cached is None or cached[0] != flow_ctx.info.id:
            cached = self._snapshot = (
                flow_ctx.info.id,
                snapshot_flow(flow_ctx, ThreadPoolTaskRunner),
            )
        return cached[1]

    def submit(
        self,
        task: Task[Any, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> RiverrunFuture[Any]:
        return self.submit_map(task, [(args, kwargs)], wait_for, flow_ctx)[0]

    def submit_map(
        self,
        task: Task[Any, Any],
        calls: Calls,
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> list[RiverrunFuture[Any]]:
        """Ship every call, then launch those free to go together (``_launch_many``)."""
        from riverrun._engine.shipped import pickle_task, ship
        from riverrun._recording.recorder import recorder_for
        from riverrun.client._tag_limits import limited_names

        pickled = self._pickled_tasks.get(id(task))
        if pickled is None:
            pickled = self._pickled_tasks[id(task)] = (task, pickle_task(task))
        snapshot = self._flow_snapshot(flow_ctx)
        recorder = recorder_for(flow_ctx)
        futures: list[RiverrunFuture[Any] | None] = []
        ready: list[tuple[int, TaskRunInfo, bytes, list[Any]]] = []
        for args, kwargs in calls:
            info = task._new_info(flow_ctx)
            payload, upstream = ship(
                task, pickled[1], info, args, kwargs, wait_for, snapshot, self._native_handle
            )
            slot_names = limited_names(info.tags) if info.tags else None
            if slot_names:
                # Workers record nothing and reach no store: this process takes the run's tag
                # slots before sending it and gives them back once its outcome is recorded, so
                # a limit holds across every worker. Waiting for them must not block submit.
                outer: cf.Future[State] = cf.Future()
                self._gate().submit(
                    self._send_holding_slots,
                    task, info, payload, upstream, slot_names, recorder, outer,
                )  # fmt: skip
                futures.append(RiverrunConcurrentFuture(info.id, outer))
            else:
                ready.append((len(futures), info, payload, upstream))
                futures.append(None)
        if ready:
            # Read as it launches: each run's outcome is recorded as soon as it is back, not
            # after the last of a 100,000-run map has been sent.
            launches = self._launch_many(task, [(i, p, u) for _, i, p, u in ready])
            for (index, info, _, _), (launched, handle) in zip(ready, launches, strict=True):
                futures[index] = self._settle_on(task, info, recorder, None, launched, handle)
        return futures  # type: ignore[return-value]  # every slot is filled above

    def _launch_many(
        self, task: Task[Any, Any], items: list[tuple[TaskRunInfo, bytes, list[Any]]]
    ) -> Iterator[tuple[cf.Future[bytes], Any]]:
        """``_launch`` each item, in order, as it is read; a cluster that takes many tasks in
        one call overrides it."""
        for info, payload, upstream in items:
            yield self._launch(task, info, payload, upstream)

    def _settle_on(
        self,
        task: Task[Any, Any],
        info: TaskRunInfo,
        recorder: Recorder,
        slots: ConcurrencyLimitWithLeaseResponse | None,
        launched: cf.Future[bytes],
        handle: Any,
        outer: cf.Future[State] | None = None,
    ) -> RiverrunFuture[Any]:
        """The run's future; its outcome, once ``launched`` is done, goes to ``recorder``."""
        from riverrun._engine.shipped import deliver, record_lost
        from riverrun.concurrency._tags import give_back

        settled: cf.Future[State] = cf.Future() if outer is None else outer

        def settle(done: cf.Future[bytes]) -> None:
            try:
                state = deliver(done.result(), recorder)
            except BaseException as exc:  # noqa: BLE001 - a lost worker ends the run Crashed
                state = record_lost(task, info, exc, recorder)
            try:
                if slots is not None:
                    give_back(slots)
            finally:
                settled.set_result(state)

        future: RiverrunFuture[Any]
        if handle is None or outer is not None:
            future = RiverrunConcurrentFuture(info.id, settled)
        else:
            future = self._future_class(info.id, settled, handle, self)
        launched.add_done_callback(settle)
        return future

    def _send_holding_slots(
        self,
        task: Task[Any, Any],
        info: TaskRunInfo,
        payload: bytes,
        upstream: list[Any],
        slot_names: list[str],
        recorder: Recorder,
        outer: cf.Future[State],
    ) -> None:
        from riverrun._engine.shipped import record_lost, record_refused
        from riverrun.concurrency._tags import give_back, take

        try:
            slots = take(slot_names, info.id)
        except BaseException as exc:  # noqa: BLE001 - the run fails as the engine's would
            outer.set_result(record_refused(task, info, slot_names, exc, recorder))
            return
        try:
            launched, handle = self._launch(task, info, payload, upstream)
            self._settle_on(task, info, recorder, slots, launched, handle, outer)
        except BaseException as exc:  # noqa: BLE001 - never leave the run or its slots behind
            try:
                give_back(slots)
            finally:
                outer.set_result(record_lost(task, info, exc, recorder))

    def _gate(self) -> cf.ThreadPoolExecutor:
        """The threads that wait for tag slots (made on the first tag-limited run)."""
        gate = self._slot_waiters
        if gate is None:
            with self._gate_lock:
                if self._slot_waiters is None:
                    self._slot_waiters = cf.ThreadPoolExecutor(
                        _SLOT_WAITERS, thread_name_prefix="riverrun-tag-slots"
                    )
                gate = self._slot_waiters
        return gate

    def _close_gate(self) -> None:
        gate, self._slot_waiters = self._slot_waiters, None
        if gate is not None:
            gate.shutdown(wait=True)


def _run_in_worker_process(home: str, payload: bytes) -> bytes:
    """Executed in a process-pool worker: one shipped task run, with the flow's results home."""
    from riverrun._engine.shipped import run_shipped

    # Same machine: persisted results and caches go where the flow's own would.
    os.environ["RIVERRUN_HOME"] = home
    return run_shipped(payload)


class ProcessPoolTaskRunner(_PooledTaskRunner, ShippingTaskRunner):
    """Run submitted task runs in worker processes (``spawn``), for CPU-bound work.

    Tasks, arguments and results must be picklable (cloudpickle is used). A worker's events
    come back with each task run's outcome and are recorded by the flow run's recorder.
    Upstream futures are waited for in the flow process before a task run is sent.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__(max_workers or os.cpu_count() or 1)

    def _make_executor(self) -> cf.Executor:
        import multiprocessing

        return cf.ProcessPoolExecutor(
            max_workers=self.max_workers, mp_context=multiprocessing.get_context("spawn")
        )

    def _launch(
        self, task: Task[Any, Any], info: TaskRunInfo, payload: bytes, upstream: list[Any]
    ) -> tuple[cf.Future[bytes], Any]:
        from riverrun.settings import get_current_settings

        home = str(get_current_settings().home)
        return self._pool().submit(_run_in_worker_process, home, payload), None

    def shutdown(self) -> None:
        self._close_gate()
        super().shutdown()


__all__ = ["ProcessPoolTaskRunner", "ShippingTaskRunner", "TaskRunner", "ThreadPoolTaskRunner"]
