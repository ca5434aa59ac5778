"""``@task``: a unit of work inside a flow, recorded as a task run with its own state."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import inspect
import types
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from riverrun._engine.drivers import drive_async, drive_sync
from riverrun._engine.inputs import bind_parameters, resolve_inputs
from riverrun._engine.runs import TaskRunInfo, finish_top_level_run
from riverrun._engine.task_run import task_run_steps
from riverrun._internal.ids import new_id
from riverrun._recording.recorder import recorder_for
from riverrun.cache_policies import (
    DEFAULT,
    NO_CACHE,
    CacheKeyFnPolicy,
    CachePolicy,
    UnhashableInput,
    hash_object,
)
from riverrun.context import FlowRunContext, TaskRunContext, current_tags
from riverrun.futures import RiverrunFuture, RiverrunFutureList
from riverrun.states import State
from riverrun.utilities.annotations import quote, unmapped

if TYPE_CHECKING:  # pragma: no cover
    from riverrun._recording.recorder import Recorder

P = ParamSpec("P")
R = TypeVar("R")

StateHook = Callable[..., Any]
# Called with the task run's ``riverrun.transactions.Transaction``.
TransactionHook = Callable[..., Any]


def exponential_backoff(backoff_factor: float) -> Callable[[int], list[float]]:
    """Retry delays that double each time: ``factor, 2*factor, 4*factor, ...`` seconds.

    Example:
        >>> @task(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=10))
    """

    def retry_backoff(retries: int) -> list[float]:
        return [backoff_factor * 2**r for r in range(retries)]

    return retry_backoff


def task_input_hash(context: TaskRunContext, arguments: dict[str, Any]) -> str | None:
    """A ``cache_key_fn`` hashing the task's key, its code and all its arguments (JSON, or
    cloudpickle for what JSON cannot hold); None, so no caching, when they cannot be hashed.

    Example:
        >>> @task(cache_key_fn=task_input_hash)
        ... def fetch(url: str) -> bytes: ...
    """
    fn = context.task.fn
    code = getattr(fn, "__code__", None)
    return hash_object([context.task.task_key, code.co_code.hex() if code else repr(fn),
                        arguments])  # fmt: skip


def _task_key(fn: Callable[..., Any]) -> str:
    code = getattr(fn, "__code__", None)
    origin = f"{getattr(code, 'co_filename', '')}:{getattr(code, 'co_firstlineno', '')}"
    digest = hashlib.md5(origin.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{getattr(fn, '__qualname__', repr(fn))}-{digest}"


def _require_function(fn: Any, decorator: str) -> None:
    if not callable(fn) or isinstance(fn, type) or isinstance(fn, (str, bytes, int, float)):
        raise TypeError(
            f"@{decorator} decorates a function, but got {fn!r} ({type(fn).__name__}). "
            f"Put @{decorator} directly above a `def` or `async def`."
        )


def _unwrap_method(fn: Any) -> tuple[Any, str | None]:
    """``fn`` without a ``classmethod``/``staticmethod`` wrapper, and which it was."""
    if isinstance(fn, classmethod):
        return fn.__func__, "classmethod"
    if isinstance(fn, staticmethod):
        return fn.__func__, "staticmethod"
    return fn, None


class _MethodKind:
    """Prefect's ``ismethod`` / ``isclassmethod`` / ``isstaticmethod`` of a flow or task
    defined in a class body."""

    fn: Any
    _method_kind: str | None = None

    @property
    def ismethod(self) -> bool:
        """Bound to an instance (read through one: ``obj.my_flow``)."""
        return inspect.ismethod(self.fn) and self._method_kind is None

    @property
    def isclassmethod(self) -> bool:
        return self._method_kind == "classmethod"

    @property
    def isstaticmethod(self) -> bool:
        return self._method_kind == "staticmethod"

    def _bound_fn(self, instance: Any, owner: Any) -> Any:
        """The function to call when read as ``instance.name`` or ``owner.name``; None
        when it stays as it is."""
        if self._method_kind == "classmethod":
            return types.MethodType(self.fn, owner if owner is not None else type(instance))
        if self._method_kind == "staticmethod" or instance is None:
            return None
        return self.fn.__get__(instance, owner)


class Task(_MethodKind, Generic[P, R]):
    """A function whose calls are recorded as task runs, with retries, caching and timeouts.

    Create tasks with the ``@task`` decorator; see ``task`` for the arguments.
    """

    def __init__(
        self,
        fn: Callable[P, R],
        name: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        version: str | None = None,
        cache_policy: CachePolicy | None = None,
        cache_key_fn: Callable[..., str | None] | None = None,
        cache_expiration: datetime.timedelta | None = None,
        task_run_name: str | Callable[[], str] | None = None,
        retries: int | None = None,
        retry_delay_seconds: float | int | list[float] | Callable[[int], list[float]] | None = None,
        retry_jitter_factor: float | None = None,
        persist_result: bool | None = None,
        result_serializer: str | None = None,
        result_storage: Any = None,
        result_storage_key: str | None = None,
        cache_result_in_memory: bool = True,
        timeout_seconds: int | float | None = None,
        log_prints: bool | None = None,
        refresh_cache: bool | None = None,
        on_completion: list[StateHook] | None = None,
        on_failure: list[StateHook] | None = None,
        on_running: list[StateHook] | None = None,
        retry_condition_fn: Callable[..., bool] | None = None,
        viz_return_value: Any = None,
        on_rollback: list[TransactionHook] | None = None,
        on_commit: list[TransactionHook] | None = None,
        **unsupported: Any,
    ) -> None:
        fn, self._method_kind = _unwrap_method(fn)
        _require_function(fn, "task")
        if unsupported:
            raise TypeError(
                f"@task got unexpected argument(s) {sorted(unsupported)}. See help(riverrun.task)."
            )
        self.fn = fn
        self.isasync = inspect.iscoroutinefunction(fn)
        self.name: str = name or str(getattr(fn, "__name__", "task"))
        self.description = description or inspect.getdoc(fn)
        self.tags = set(tags or ())
        self.version = version
        self.task_key = _task_key(fn)
        if cache_policy is not None and not isinstance(cache_policy, CachePolicy):
            raise TypeError(
                f"cache_policy must be a CachePolicy such as riverrun.cache_policies.INPUTS, got {cache_policy!r}."
            )
        self.cache_policy = cache_policy
        self.cache_key_fn = cache_key_fn
        self.cache_expiration = cache_expiration
        self.task_run_name = task_run_name
        self.retries = int(retries or 0)
        if self.retries < 0:
            raise ValueError("retries must be 0 or more.")
        if callable(retry_delay_seconds):
            retry_delay_seconds = retry_delay_seconds(self.retries)
        if isinstance(retry_delay_seconds, (list, tuple)) and len(retry_delay_seconds) > 50:
            raise ValueError("Can not configure more than 50 retry delays per task.")
        self.retry_delay_seconds = retry_delay_seconds or 0  # Prefect: `or` the default, 0
        if retry_jitter_factor is not None and retry_jitter_factor < 0:
            raise ValueError("retry_jitter_factor must be >= 0.")
        self.retry_jitter_factor = retry_jitter_factor
        self.persist_result = persist_result
        # A riverrun.serializers.Serializer (as Prefect takes) stands for its type name.
        self.result_serializer = getattr(result_serializer, "type", result_serializer) or "pickle"
        if self.result_serializer not in ("pickle", "json"):
            raise ValueError(
                f"Unknown result_serializer {self.result_serializer!r}; use 'pickle' or 'json'."
            )
        self.result_storage = result_storage
        self.result_storage_key = result_storage_key
        self.cache_result_in_memory = cache_result_in_memory
        if timeout_seconds is not None and timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be a positive number of seconds.")
        self.timeout_seconds = float(timeout_seconds) if timeout_seconds else None
        self.log_prints = log_prints
        self.refresh_cache = refresh_cache
        self.on_completion_hooks = list(on_completion or [])
        self.on_failure_hooks = list(on_failure or [])
        self.on_running_hooks = list(on_running or [])
        self.on_rollback_hooks = list(on_rollback or [])
        self.on_commit_hooks = list(on_commit or [])
        self.retry_condition_fn = retry_condition_fn
        self.viz_return_value = viz_return_value
        # Sent with every task run: empty when there is no retry policy, so nothing to encode.
        self.retry_policy_json = (
            {}
            if not self.retries
            else {
                "retries": self.retries,
                "retry_delay": self.retry_delay_seconds
                if isinstance(self.retry_delay_seconds, (int, float, list, type(None)))
                else None,
                "retry_jitter_factor": self.retry_jitter_factor,
            }
        )
        self._options = dict(
            name=name,
            description=description,
            tags=tags,
            version=version,
            cache_policy=cache_policy,
            cache_key_fn=cache_key_fn,
            cache_expiration=cache_expiration,
            task_run_name=task_run_name,
            retries=retries,
            retry_delay_seconds=retry_delay_seconds,
            retry_jitter_factor=retry_jitter_factor,
            persist_result=persist_result,
            result_serializer=result_serializer,
            result_storage=result_storage,
            result_storage_key=result_storage_key,
            cache_result_in_memory=cache_result_in_memory,
            timeout_seconds=timeout_seconds,
            log_prints=log_prints,
            refresh_cache=refresh_cache,
            on_completion=on_completion,
            on_failure=on_failure,
            on_running=on_running,
            retry_condition_fn=retry_condition_fn,
            viz_return_value=viz_return_value,
            on_rollback=on_rollback,
            on_commit=on_commit,
        )
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", self.name)
        self.__qualname__ = getattr(fn, "__qualname__", self.name)
        self.__module__ = getattr(fn, "__module__", __name__)
        self.__wrapped__ = fn

    # -- options ----------------------------------------------------------------------
    def with_options(self, **options: Any) -> Task[P, R]:
        """A copy of this task with some arguments changed (same as ``@task``'s)."""
        merged = {**self._options, **options}
        return Task(self.fn, **merged)

    def on_completion(self, fn: StateHook) -> StateHook:
        """Register a hook called with ``(task, task_run, state)`` when a run completes."""
        self.on_completion_hooks.append(fn)
        return fn

    def on_failure(self, fn: StateHook) -> StateHook:
        """Register a hook called with ``(task, task_run, state)`` when a run fails."""
        self.on_failure_hooks.append(fn)
        return fn

    def on_running(self, fn: StateHook) -> StateHook:
        """Register a hook called with ``(task, task_run, state)`` when a run starts running."""
        self.on_running_hooks.append(fn)
        return fn

    def on_commit(self, fn: TransactionHook) -> TransactionHook:
        """Register a hook called with the task's transaction when its result is committed."""
        self.on_commit_hooks.append(fn)
        return fn

    def on_rollback(self, fn: TransactionHook) -> TransactionHook:
        """Register a hook called with the task's transaction when it rolls back."""
        self.on_rollback_hooks.append(fn)
        return fn

    # -- decisions --------------------------------------------------------------------
    def should_persist(self, flow_ctx: FlowRunContext | None) -> bool:
        """Whether this task's results are persisted (and so can be cached)."""
        if self.persist_result is not None:
            return self.persist_result
        if self.cache_key_fn is not None:
            return True
        if self.cache_policy is not None and self.cache_policy is not NO_CACHE:
            return True
        if flow_ctx is not None and flow_ctx.persist_result is not None:
            return flow_ctx.persist_result
        if flow_ctx is None:
            from riverrun.settings import get_current_settings

            return bool(get_current_settings().results_persist_by_default)
        return False

    def compute_cache_key(
        self,
        info: TaskRunInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        flow_ctx: FlowRunContext | None,
    ) -> str | None:
        """The cache key of this call, or None to run uncached."""
        if self.result_storage_key is not None:
            params = bind_parameters(self.fn, args, kwargs)
            return _format_storage_key(self.result_storage_key, params)
        inputs = bind_parameters(self.fn, args, kwargs)
        context = TaskRunContext(self, info, inputs, False)
        flow_parameters = flow_ctx.parameters if flow_ctx is not None else {}
        if self.cache_key_fn is not None:
            return CacheKeyFnPolicy(cache_key_fn=self.cache_key_fn).compute_key(
                context, inputs, flow_parameters
            )
        policy = self.cache_policy if self.cache_policy is not None else DEFAULT
        try:
            key = policy.compute_key(context, inputs, flow_parameters)
        except UnhashableInput:
            return None
        # Namespaced by task so that two different tasks never share a cache entry by accident.
        return f"{self.task_key}-{key}" if key else None

    # -- running ----------------------------------------------------------------------
    def _new_info(
        self, flow_ctx: FlowRunContext | None, task_run_id: str | None = None
    ) -> TaskRunInfo:
        parent_task = TaskRunContext.__var__.get()
        if flow_ctx is not None:
            dynamic_key = flow_ctx.next_dynamic_key(self.task_key)
            flow_run_id: str | None = flow_ctx.info.id
        else:
            dynamic_key = 0
            flow_run_id = parent_task.info.flow_run_id if parent_task is not None else None
        tags = current_tags()
        if self.tags:
            tags = tags | self.tags
        return TaskRunInfo(
            task_run_id or new_id(),
            f"{self.name}-{dynamic_key}",
            sorted(tags) if tags else [],
            {},
            flow_run_id,
            self.task_key,
            str(dynamic_key),
            self.name,
            {},
        )

    def _name_run(self, info: TaskRunInfo, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        template = self.task_run_name
        if template is None:
            return
        params = bind_parameters(self.fn, args, kwargs)
        info.parameters = params
        if callable(template):
            with TaskRunContext(self, info, params, False):
                info.name = str(template())
        else:
            try:
                info.name = template.format(**params)
            except (KeyError, IndexError, AttributeError) as exc:
                raise ValueError(
                    f"task_run_name {template!r} refers to {exc} which is not a parameter of task "
                    f"{self.name!r}; parameters are {sorted(params)}."
                ) from None

    def _steps(
        self,
        info: TaskRunInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        recorder: Recorder,
        flow_ctx: FlowRunContext | None,
    ) -> Any:
        args, kwargs, task_inputs, failure = resolve_inputs(self.fn, args, kwargs, wait_for)
        info.task_inputs = task_inputs
        self._name_run(info, args, kwargs)
        return task_run_steps(self, info, args, kwargs, recorder, flow_ctx, failure)

    def run_sync(
        self,
        info: TaskRunInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> State:
        """Run one task run to its final state in this thread (engine entry point)."""
        recorder = recorder_for(flow_ctx)
        state = drive_sync(self._steps(info, args, kwargs, wait_for, recorder, flow_ctx))
        if flow_ctx is None and TaskRunContext.__var__.get() is None:
            finish_top_level_run(recorder)
        return state

    async def run_async(
        self,
        info: TaskRunInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
    ) -> State:
        """Run one task run to its final state on the running event loop."""
        recorder = recorder_for(flow_ctx)
        state = await drive_async(self._steps(info, args, kwargs, wait_for, recorder, flow_ctx))
        if flow_ctx is None and TaskRunContext.__var__.get() is None:
            finish_top_level_run(recorder)
        return state

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    @overload
    def __call__(
        self, *args: Any, return_state: bool = ..., wait_for: Any = ..., **kwargs: Any
    ) -> Any: ...

    def __call__(  # type: ignore[misc]
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        """Run the task now and return its result (or its final State with ``return_state``)."""
        flow_ctx = FlowRunContext.__var__.get()
        info = self._new_info(flow_ctx)
        if self.isasync:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                state = asyncio.run(self.run_async(info, args, kwargs, wait_for, flow_ctx))
                return state if return_state else state.result()
            return self._acall(info, args, kwargs, wait_for, flow_ctx, return_state)
        state = self.run_sync(info, args, kwargs, wait_for, flow_ctx)
        return state if return_state else state.result()

    async def _acall(
        self,
        info: TaskRunInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
        flow_ctx: FlowRunContext | None,
        return_state: bool,
    ) -> Any:
        state = await self.run_async(info, args, kwargs, wait_for, flow_ctx)
        return state if return_state else state.result()

    def submit(
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        """Start a task run on the flow's task runner and return a ``RiverrunFuture`` at once."""
        flow_ctx = FlowRunContext.__var__.get()
        runner = flow_ctx.task_runner if flow_ctx is not None else _default_runner()
        future = runner.submit(self, args, kwargs, wait_for, flow_ctx)
        if flow_ctx is not None:
            flow_ctx.futures.append(future)
        if return_state:
            future.wait()
            return future.state
        return future

    def map(
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        """Submit one task run per item of the iterable arguments; ``unmapped(x)`` stays fixed.

        Returns:
            A ``RiverrunFutureList`` (or a list of final states with ``return_state=True``).
        """
        from riverrun._engine.inputs import bind_parameters
        from riverrun.exceptions import MappingLengthMismatch, MappingMissingIterable

        # As Prefect: arguments by parameter name; a future is mapped over its result, quote()
        # only stops a value's futures from being resolved; str and bytes are never iterated.
        parameters = bind_parameters(self.fn, args, kwargs)
        lengths: dict[str, int] = {}
        keyword = {k: _mappable(v, k, lengths) for k, v in parameters.items()}
        if not lengths:
            raise MappingMissingIterable(
                "No iterable parameters were received. Parameters for map must include at least "
                f"one iterable. Parameters: {parameters}"
            )
        if len(set(lengths.values())) > 1:
            raise MappingLengthMismatch(
                "Received iterable parameters with different lengths. Parameters for map must "
                f"all be the same length. Got lengths: {lengths}"
            )
        count = next(iter(lengths.values()))
        calls = [((), {k: _item(v, index) for k, v in keyword.items()}) for index in range(count)]
        flow_ctx = FlowRunContext.__var__.get()
        runner = flow_ctx.task_runner if flow_ctx is not None else _default_runner()
        # All at once: a cluster runner sends them in few messages (Dask's client.map).
        futures: RiverrunFutureList[Any] = RiverrunFutureList(
            runner.submit_map(self, calls, wait_for, flow_ctx)
        )
        if flow_ctx is not None:
            flow_ctx.futures.extend(futures)
        if return_state:
            futures.wait()
            return [f.state for f in futures]
        return futures

    def __repr__(self) -> str:
        return f"Task(name={self.name!r})"

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        fn = self._bound_fn(instance, owner)
        if fn is None:
            return self
        bound = self.with_options()
        bound.fn = fn
        bound._method_kind = self._method_kind
        return bound


class _Mapped:
    __slots__ = ("values",)

    def __init__(self, values: list[Any]) -> None:
        self.values = values


def _mappable(value: Any, label: str, lengths: dict[str, int]) -> Any:
    if isinstance(value, unmapped):
        return value
    if isinstance(value, RiverrunFuture):
        value = value.result()
    elif isinstance(value, quote):
        value = value.unwrap()
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Iterable):
        items = list(value)
        lengths[label] = len(items)
        return _Mapped(items)
    return value


def _item(value: Any, index: int) -> Any:
    if isinstance(value, _Mapped):
        return value.values[index]
    if isinstance(value, unmapped):
        return value.value
    return value


_default_task_runner: Any = None


def _default_runner() -> Any:
    global _default_task_runner
    if _default_task_runner is None:
        from riverrun.task_runners import ThreadPoolTaskRunner

        _default_task_runner = ThreadPoolTaskRunner()
    return _default_task_runner


def _format_storage_key(template: str, params: dict[str, Any]) -> str:
    """Render ``result_storage_key`` as Prefect does: ``{parameters[x]}``, ``{flow_run.id}``,
    ``{task_run.name}`` (the ``riverrun.runtime`` modules); riverrun's ``{x}`` also works."""
    from riverrun.runtime import deployment, flow_run, task_run

    names = {"flow_run": flow_run, "task_run": task_run, "deployment": deployment}
    return template.format(**{**names, **params, "parameters": params})


@overload
def task(__fn: Callable[P, R]) -> Task[P, R]: ...


@overload
def task(
    __fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Iterable[str] | None = None,
    version: str | None = None,
    cache_policy: CachePolicy | None = None,
    cache_key_fn: Callable[..., str | None] | None = None,
    cache_expiration: datetime.timedelta | None = None,
    task_run_name: str | Callable[[], str] | None = None,
    retries: int | None = None,
    retry_delay_seconds: Any = None,
    retry_jitter_factor: float | None = None,
    persist_result: bool | None = None,
    result_serializer: str | None = None,
    result_storage: Any = None,
    result_storage_key: str | None = None,
    timeout_seconds: int | float | None = None,
    log_prints: bool | None = None,
    refresh_cache: bool | None = None,
    on_completion: list[StateHook] | None = None,
    on_failure: list[StateHook] | None = None,
    retry_condition_fn: Callable[..., bool] | None = None,
    **kwargs: Any,
) -> Callable[[Callable[P, R]], Task[P, R]]: ...


def task(__fn: Any = None, **kwargs: Any) -> Any:
    """Turn a function into a task: each call is recorded as a task run.

    Use bare (``@task``) or with arguments (``@task(retries=3, cache_policy=INPUTS)``).

    Args:
        name: the task's name (default: the function's name).
        tags: tags added to every run of this task.
        retries, retry_delay_seconds, retry_jitter_factor, retry_condition_fn: retry policy.
        timeout_seconds: fail the run as TimedOut after this many seconds.
        cache_policy, cache_key_fn, cache_expiration, refresh_cache: caching.
        persist_result, result_serializer, result_storage_key: result persistence.
        result_storage: where results are written: a directory or a file system block
            (``riverrun.filesystems.LocalFileSystem``); default ``$RIVERRUN_HOME/storage``.
        task_run_name: a format string over the parameters, or a callable.
        log_prints: turn ``print`` into INFO logs inside the task.
        on_completion, on_failure: hooks called with ``(task, task_run, state)``.
        on_commit, on_rollback: hooks called with the task run's transaction when its result
            is committed or rolled back (``riverrun.transactions``).

    Example:
        >>> @task(retries=2)
        ... def fetch(url: str) -> str: ...
    """
    if __fn is not None:
        return Task(__fn, **kwargs)
    return lambda fn: Task(fn, **kwargs)


__all__ = ["Task", "exponential_backoff", "task", "task_input_hash"]
