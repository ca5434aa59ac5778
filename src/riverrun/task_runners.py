"""Task runners: where ``task.submit()`` and ``task.map()`` execute task runs.

``ThreadPoolTaskRunner`` (the default) runs them on threads of this process;
``ProcessPoolTaskRunner`` in worker processes, which record into the same store.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import os
import threading
from typing import TYPE_CHECKING, Any

from riverrun.futures import RiverrunConcurrentFuture, RiverrunFuture

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.context import FlowRunContext
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
        return cf.ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="riverrun-task")

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


def _run_in_worker_process(payload: bytes) -> bytes:
    """Executed in a worker process: run one task run and record it into the same store."""
    import cloudpickle

    from riverrun._recording import flush_pending
    from riverrun.context import TagsContext

    task, info, args, kwargs, home = cloudpickle.loads(payload)
    if home:
        os.environ["RIVERRUN_HOME"] = home
    with TagsContext(frozenset(info.tags)):
        state = task.run_sync(info, args, kwargs, None, None)
    flush_pending()
    try:
        return cloudpickle.dumps(state)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - an unpicklable result/exception still reports its state
        from riverrun.states import State as _State

        return cloudpickle.dumps(_State(type=state.type, name=state.name, message=state.message))  # type: ignore[no-any-return]


class ProcessPoolTaskRunner(_PooledTaskRunner):
    """Run submitted task runs in worker processes (``spawn``), for CPU-bound work.

    Tasks, arguments and results must be picklable (cloudpickle is used). Each worker
    records its task runs into the same store, so nothing is lost when it exits.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__(max_workers or os.cpu_count() or 1)

    def _make_executor(self) -> cf.Executor:
        import multiprocessing

        return cf.ProcessPoolExecutor(
            max_workers=self.max_workers, mp_context=multiprocessing.get_context("spawn")
        )

    def submit(
        self,
        task: Task[Any, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> RiverrunFuture[Any]:
        import cloudpickle

        from riverrun._engine.inputs import resolve_inputs
        from riverrun.settings import get_current_settings

        info = task._new_info(flow_ctx)
        # Upstream futures live in this process: resolve them here, then ship plain values.
        resolved_args, resolved_kwargs, task_inputs, failure = resolve_inputs(task.fn, args, kwargs, wait_for)
        if failure is not None:
            # Nothing to ship: the engine records the run as failed upstream, right here.
            outer: cf.Future[State] = cf.Future()
            outer.set_result(task.run_sync(info, args, kwargs, wait_for, flow_ctx))
            return RiverrunConcurrentFuture(info.id, outer)
        info.task_inputs = task_inputs
        if flow_ctx is not None:
            # The worker's task run row points at this flow run: it must be on disk first.
            flow_ctx.recorder.flush()
        payload = cloudpickle.dumps(
            (task, info, resolved_args, resolved_kwargs, str(get_current_settings().home))
        )
        raw = self._pool().submit(_run_in_worker_process, payload)
        outer = cf.Future()

        def relay(done: cf.Future[bytes]) -> None:
            exc = done.exception()
            if exc is not None:
                outer.set_exception(exc)
            else:
                outer.set_result(cloudpickle.loads(done.result()))

        raw.add_done_callback(relay)
        return RiverrunConcurrentFuture(info.id, outer)



__all__ = ["ProcessPoolTaskRunner", "TaskRunner", "ThreadPoolTaskRunner"]
