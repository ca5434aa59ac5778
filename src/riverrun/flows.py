"""``@flow``: a function whose every call is recorded as a flow run, with its tasks and subflows."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from riverrun._engine.adopt import take_adopted
from riverrun._engine.drivers import drive_async, drive_sync
from riverrun._engine.flow_run import flow_run_steps
from riverrun._engine.parameters import ParameterValidator, bind, call_arguments
from riverrun._engine.runs import FlowRunInfo, TaskRunInfo, finish_top_level_run
from riverrun._engine.termination import install_termination_handler
from riverrun._engine.watch import watch_flow_run
from riverrun._internal.ids import flow_id_for, new_id
from riverrun._internal.names import generate_run_name
from riverrun.context import FlowRunContext, current_tags
from riverrun.exceptions import InvalidNameError, ReservedArgumentError
from riverrun.futures import RiverrunFuture
from riverrun.logging.loggers import enable_log_prints, ensure_logging_configured
from riverrun.schemas.encoding import jsonable
from riverrun.states import State
from riverrun.task_runners import TaskRunner, ThreadPoolTaskRunner
from riverrun.tasks import _MethodKind, _require_function, _unwrap_method

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.deployments.runner import RunnerDeployment
    from riverrun.utilities.callables import ParameterSchema

P = ParamSpec("P")
R = TypeVar("R")

_BAD_NAME_CHARS = set("/%&><")
StateHook = Callable[..., Any]


class Flow(_MethodKind, Generic[P, R]):
    """A function whose calls are recorded as flow runs. Create flows with ``@flow``."""

    def __init__(
        self,
        fn: Callable[P, R],
        name: str | None = None,
        version: str | None = None,
        flow_run_name: str | Callable[[], str] | None = None,
        retries: int | None = None,
        retry_delay_seconds: int | float | None = None,
        task_runner: TaskRunner | None = None,
        description: str | None = None,
        timeout_seconds: int | float | None = None,
        validate_parameters: bool = True,
        persist_result: bool | None = None,
        result_serializer: str | None = None,
        log_prints: bool | None = None,
        on_completion: list[StateHook] | None = None,
        on_failure: list[StateHook] | None = None,
        on_cancellation: list[StateHook] | None = None,
        on_crashed: list[StateHook] | None = None,
        on_running: list[StateHook] | None = None,
        **unsupported: Any,
    ) -> None:
        fn, self._method_kind = _unwrap_method(fn)
        _require_function(fn, "flow")
        _require_hook_lists(
            on_completion=on_completion,
            on_failure=on_failure,
            on_cancellation=on_cancellation,
            on_crashed=on_crashed,
            on_running=on_running,
        )
        if unsupported:
            raise TypeError(
                f"@flow got unexpected argument(s) {sorted(unsupported)}. See help(riverrun.flow)."
            )
        self.fn = fn
        self.isasync = inspect.iscoroutinefunction(fn)
        self.name = name or getattr(fn, "__name__", "flow").replace("_", "-")
        bad = _BAD_NAME_CHARS.intersection(self.name)
        if bad:
            raise InvalidNameError(
                f"Flow name {self.name!r} contains {''.join(sorted(bad))!r}; names may not contain "
                "any of / % & > <. Choose another name."
            )
        self.flow_id = flow_id_for(self.name)
        self.version = version
        self.flow_run_name = flow_run_name
        self.retries = int(retries or 0)
        self.retry_delay_seconds = retry_delay_seconds or 0
        if task_runner is not None and isinstance(task_runner, type):
            task_runner = task_runner()
        if task_runner is not None and not isinstance(task_runner, TaskRunner):
            raise TypeError(
                f"task_runner must be a TaskRunner such as ThreadPoolTaskRunner(), got {task_runner!r}."
            )
        self.task_runner = task_runner or ThreadPoolTaskRunner()
        self.description = description or inspect.getdoc(fn)
        if timeout_seconds is not None and timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be a positive number of seconds.")
        self.timeout_seconds = float(timeout_seconds) if timeout_seconds else None
        self.should_validate_parameters = validate_parameters
        self.persist_result = persist_result
        self.result_serializer = result_serializer or "pickle"
        self.log_prints = log_prints
        self.on_completion_hooks = list(on_completion or [])
        self.on_failure_hooks = list(on_failure or [])
        self.on_cancellation_hooks = list(on_cancellation or [])
        self.on_crashed_hooks = list(on_crashed or [])
        self.on_running_hooks = list(on_running or [])
        self.retry_policy_json = {"retries": self.retries, "retry_delay": self.retry_delay_seconds}
        self._signature = inspect.signature(fn)
        for reserved in ("return_state", "wait_for"):
            if reserved in self._signature.parameters:
                raise ReservedArgumentError(
                    f"{reserved!r} is a reserved argument name and cannot be used."
                )
        self._validator = ParameterValidator(fn, self.name)
        self._options = dict(
            name=name,
            version=version,
            flow_run_name=flow_run_name,
            retries=retries,
            retry_delay_seconds=retry_delay_seconds,
            task_runner=task_runner,
            description=description,
            timeout_seconds=timeout_seconds,
            validate_parameters=validate_parameters,
            persist_result=persist_result,
            result_serializer=result_serializer,
            log_prints=log_prints,
            on_completion=on_completion,
            on_failure=on_failure,
            on_cancellation=on_cancellation,
            on_crashed=on_crashed,
            on_running=on_running,
        )
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", self.name)
        self.__qualname__ = getattr(fn, "__qualname__", self.name)
        self.__module__ = getattr(fn, "__module__", __name__)
        self.__wrapped__ = fn

    # -- introspection ----------------------------------------------------------------------
    @property
    def parameters(self) -> ParameterSchema:
        """The JSON schema of the flow's parameters (what deployment forms are built from)."""
        from riverrun.utilities.callables import parameter_schema

        return parameter_schema(self.fn)

    def validate_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """Validate and coerce ``parameters`` against the type hints; raise ParameterTypeError."""
        bound = bind(self.fn, self._signature, (), dict(parameters), self.name)
        return self._validator.validate(bound)

    def serialize_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """Parameters as JSON data, as a run records them: futures and states become
        ``"<TypeName>"`` (they are not waited for), everything else riverrun's JSON form."""
        return {
            key: f"<{type(v).__name__}>" if isinstance(v, (RiverrunFuture, State)) else jsonable(v)
            for key, v in parameters.items()
        }

    def with_options(self, **options: Any) -> Flow[P, R]:
        """A copy of this flow with some arguments changed (same as ``@flow``'s)."""
        clone: Flow[P, R] = Flow(self.fn, **{**self._options, **options})
        clone._method_kind = self._method_kind
        return clone

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # A flow in a class body: read through an instance (or, for a classmethod, the
        # class) it is a flow of the bound method, whose parameters leave out self / cls.
        fn = self._bound_fn(instance, owner)
        if fn is None:
            return self
        # A copy, not Flow(fn, ...): inspect.getdoc(bound method) reads this attribute again.
        bound = copy.copy(self)
        bound.fn = fn
        bound._signature = inspect.signature(fn)
        bound._validator = ParameterValidator(fn, self.name)
        return bound

    # -- deployments (riverrun.deployments does the work) ------------------------------------
    def to_deployment(self, name: str, **options: Any) -> RunnerDeployment:
        """A deployment of this flow, to ``.apply()`` or ``serve``; Prefect's arguments.

        ``interval``/``cron``/``rrule``/``schedule``/``schedules``, ``parameters``, ``tags``,
        ``description``, ``version``, ``paused``, ``concurrency_limit``,
        ``enforce_parameter_schema``, ``work_pool_name``, ``work_queue_name``,
        ``job_variables``; and riverrun's ``catchup``, ``catchup_window``, ``overlap``.
        """
        from riverrun.deployments.runner import RunnerDeployment

        return RunnerDeployment.from_flow(self, name, **options)

    def serve(
        self,
        name: str | None = None,
        *,
        pause_on_shutdown: bool = True,
        print_starting_message: bool = True,
        limit: int | None = None,
        global_limit: int | None = None,
        **options: Any,
    ) -> None:
        """Serve this flow as a deployment (default name: the flow's) until Ctrl-C/SIGTERM."""
        from riverrun.deployments.serve import serve

        if global_limit is not None:
            options["concurrency_limit"] = global_limit
        deployment = self.to_deployment(name or self.name, **options)
        serve(deployment, pause_on_shutdown=pause_on_shutdown,
              print_starting_message=print_starting_message, limit=limit)  # fmt: skip

    def deploy(self, name: str, work_pool_name: str | None = None, **options: Any) -> Any:
        """Store a deployment of this flow for a work pool's workers (no image build)."""
        from riverrun.deployments.deploy import deploy

        image = options.pop("image", None)
        build = options.pop("build", False)
        push = options.pop("push", False)
        print_next = options.pop("print_next_steps", True)
        deployment = self.to_deployment(name, work_pool_name=work_pool_name, **options)
        return deploy(deployment, work_pool_name=work_pool_name, image=image, build=build,
                      push=push, print_next_steps_message=print_next)[0]  # fmt: skip

    @staticmethod
    def from_source(source: Any, entrypoint: str) -> Flow[Any, Any]:
        """The flow ``entrypoint`` names inside ``source`` (a local directory)."""
        from riverrun.deployments.loading import flow_from_source

        return flow_from_source(source, entrypoint)  # type: ignore[no-any-return]

    def on_completion(self, fn: StateHook) -> StateHook:
        self.on_completion_hooks.append(fn)
        return fn

    def on_failure(self, fn: StateHook) -> StateHook:
        self.on_failure_hooks.append(fn)
        return fn

    def on_crashed(self, fn: StateHook) -> StateHook:
        self.on_crashed_hooks.append(fn)
        return fn

    def on_cancellation(self, fn: StateHook) -> StateHook:
        self.on_cancellation_hooks.append(fn)
        return fn

    def on_running(self, fn: StateHook) -> StateHook:
        """Register a hook called with ``(flow, flow_run, state)`` when a run starts running."""
        self.on_running_hooks.append(fn)
        return fn

    # -- persistence ----------------------------------------------------------------------------
    def should_persist(self, ctx: FlowRunContext) -> bool:
        return bool(self.persist_result if self.persist_result is not None else ctx.persist_result)

    def persist(self, info: FlowRunInfo, value: Any) -> dict[str, Any] | None:
        from riverrun.results import write_result

        try:
            return write_result(f"flow-run-{info.id}", value, self.result_serializer)
        except Exception:  # noqa: BLE001 - an unpersistable flow result is logged, not fatal
            import logging

            logging.getLogger("riverrun.flow_runs").warning(
                "The result of flow run %r could not be persisted; it is returned but not stored.",
                info.name,
                extra={"flow_run_id": info.id, "task_run_id": None, "flow_run_name": info.name},
            )
            return None

    # -- running ----------------------------------------------------------------------------------
    def _prepare(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        from riverrun._recording.recorder import get_recorder

        parent_ctx = FlowRunContext.__var__.get()
        validation_error: BaseException | None = None
        passed: dict[str, Any] | None = None
        try:
            parameters = passed = bind(self.fn, self._signature, args, kwargs, self.name)
            if self.should_validate_parameters:
                parameters = self._validator.validate(parameters)
        except (TypeError, ValueError) as exc:
            validation_error = exc
            parameters = {}
            for name, value in zip(self._signature.parameters, args, strict=False):
                parameters[name] = value
            parameters.update(kwargs)
        if parent_ctx is not None:
            recorder = parent_ctx.recorder
            persist_default = parent_ctx.persist_result
            default_log_prints = parent_ctx.log_prints
        else:
            from riverrun.settings import get_current_settings

            settings = get_current_settings()
            ensure_logging_configured()
            recorder = get_recorder(settings)
            persist_default = bool(settings.results_persist_by_default)
            default_log_prints = bool(settings.logging_log_prints)
        log_prints = self.log_prints if self.log_prints is not None else default_log_prints
        if log_prints:
            enable_log_prints()
        parent_task: TaskRunInfo | None = None
        if parent_ctx is not None:
            dynamic_key = parent_ctx.next_dynamic_key(self.flow_id)
            parent_task = TaskRunInfo(
                new_id(),
                f"{self.name}-{dynamic_key}",
                sorted(current_tags()),
                {},
                parent_ctx.info.id,
                self.flow_id,
                str(dynamic_key),
                self.name,
                {},
            )
        tags = sorted(current_tags())
        adopted = take_adopted() if parent_ctx is None else None
        info = FlowRunInfo(
            adopted.id if adopted else new_id(),
            "",
            sorted(set(tags) | set(adopted.tags)) if adopted else tags,
            parameters,
            self.flow_id,
            self.name,
            parent_task.id if parent_task is not None else None,
            self.version,
            adopted.deployment_id if adopted else None,
        )
        if parent_ctx is not None:
            info.parent_flow_run_id = parent_ctx.info.id
            info.root_flow_run_id = parent_ctx.info.root_flow_run_id
        info.name = adopted.name if adopted else self._run_name(info, parameters)
        info.pending = adopted is not None and adopted.pending
        ctx = FlowRunContext(
            self, info, recorder, self.task_runner.duplicate(), log_prints, persist_default
        )
        call_args, call_kwargs = (
            call_arguments(self._signature, parameters)
            if validation_error is None
            else (args, kwargs)
        )
        steps = flow_run_steps(
            # The run records what was passed ("5" stays "5"), as Prefect does; the body gets
            # the validated values.
            self,
            info,
            ctx,
            call_args,
            call_kwargs,
            jsonable(passed if passed is not None else parameters),
            parent_task,
            parent_ctx,
            validation_error,
        )
        return steps, ctx, parent_ctx

    def _run_name(self, info: FlowRunInfo, parameters: dict[str, Any]) -> str:
        template = self.flow_run_name
        if template is None:
            return generate_run_name()
        if callable(template):
            ctx = FlowRunContext(self, info, None, self.task_runner, False, None)  # type: ignore[arg-type]
            with ctx:
                return str(template())
        try:
            return template.format(**parameters)
        except (KeyError, IndexError, AttributeError) as exc:
            raise ValueError(
                f"flow_run_name {template!r} refers to {exc} which is not a parameter of flow "
                f"{self.name!r}; parameters are {sorted(parameters)}."
            ) from None

    def _run_sync(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> State:
        steps, ctx, parent_ctx = self._prepare(args, kwargs)
        restore = install_termination_handler() if parent_ctx is None else None
        unwatch = watch_flow_run(ctx.info.id, ctx.recorder, is_async=False)
        try:
            return drive_sync(steps)
        finally:
            unwatch()
            ctx.task_runner.shutdown()
            if restore is not None:
                restore()
            if parent_ctx is None:
                finish_top_level_run(ctx.recorder)

    async def _run_async(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> State:
        steps, ctx, parent_ctx = self._prepare(args, kwargs)
        unwatch = watch_flow_run(ctx.info.id, ctx.recorder, is_async=True)
        try:
            return await drive_async(steps)
        finally:
            unwatch()
            ctx.task_runner.shutdown()
            if parent_ctx is None:
                finish_top_level_run(ctx.recorder)

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    @overload
    def __call__(self, *args: Any, return_state: bool = ..., **kwargs: Any) -> Any: ...

    def __call__(  # type: ignore[misc]
        self, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any
    ) -> Any:
        """Run the flow now; return its result, or its final State with ``return_state=True``.

        ``wait_for``: futures or states (of tasks or flows) to wait for before the run starts.
        """
        if wait_for:
            from riverrun.futures import RiverrunFuture

            for upstream in wait_for if isinstance(wait_for, (list, tuple, set)) else [wait_for]:
                upstream = getattr(upstream, "value", upstream)  # allow_failure(...)
                if isinstance(upstream, RiverrunFuture):
                    upstream.wait()
        if self.isasync:
            return self._acall(args, kwargs, return_state)
        state = self._run_sync(args, kwargs)
        return state if return_state else state.result()

    async def _acall(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], return_state: bool
    ) -> Any:
        state = await self._run_async(args, kwargs)
        return state if return_state else state.result()

    def __repr__(self) -> str:
        return f"Flow(name={self.name!r})"


def _require_hook_lists(**hooks: Any) -> None:
    for kind, value in hooks.items():
        if value is not None and not isinstance(value, (list, tuple)):
            raise TypeError(
                f"Expected iterable for {kind!r}; got {type(value).__name__} instead. Please "
                f"provide a list of hooks to {kind!r}:\n\n@flow({kind}=[hook1, hook2])\n"
                "def my_flow():\n\tpass"
            )


@overload
def flow(__fn: Callable[P, R]) -> Flow[P, R]: ...


@overload
def flow(
    __fn: None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    flow_run_name: str | Callable[[], str] | None = None,
    retries: int | None = None,
    retry_delay_seconds: int | float | None = None,
    task_runner: TaskRunner | None = None,
    description: str | None = None,
    timeout_seconds: int | float | None = None,
    validate_parameters: bool = True,
    persist_result: bool | None = None,
    result_serializer: str | None = None,
    log_prints: bool | None = None,
    on_completion: list[StateHook] | None = None,
    on_failure: list[StateHook] | None = None,
    on_cancellation: list[StateHook] | None = None,
    on_crashed: list[StateHook] | None = None,
    **kwargs: Any,
) -> Callable[[Callable[P, R]], Flow[P, R]]: ...


def flow(__fn: Any = None, **kwargs: Any) -> Any:
    """Turn a function into a flow: each call is recorded as a flow run.

    Use bare (``@flow``) or with arguments (``@flow(name="vtasks.backup", retries=1)``).
    Parameters are validated and coerced from the type hints before the body runs.

    Args:
        name: the flow's name (default: the function's name with ``_`` as ``-``).
        flow_run_name: a format string over the parameters, or a callable.
        retries, retry_delay_seconds: retry the whole flow on failure.
        timeout_seconds: fail the run as TimedOut after this many seconds.
        task_runner: where ``.submit``/``.map`` run (default ``ThreadPoolTaskRunner()``).
        validate_parameters: validate and coerce parameters (default True).
        persist_result, result_serializer: persist the return value.
        log_prints: turn ``print`` into INFO logs inside the flow and its tasks.
        on_completion, on_failure, on_cancellation, on_crashed: hooks
            called with ``(flow, flow_run, state)``.

    Example:
        >>> @flow(name="good_morning")
        ... def good_morning(env: str = "pro"): ...
    """
    if __fn is not None:
        return Flow(__fn, **kwargs)
    return lambda fn: Flow(fn, **kwargs)


__all__ = ["Flow", "flow", "flow_id_for"]
