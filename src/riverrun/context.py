"""Run context: what flow or task run is executing, its tags and settings.

Each context object owns its ``ContextVar`` and is entered as a context manager, so nested
flows, tasks and threads see the right run (``contextvars`` follow threads the engine starts).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from riverrun.exceptions import MissingContextError

if TYPE_CHECKING:  # pragma: no cover
    from riverrun._engine.runs import FlowRunInfo, TaskRunInfo
    from riverrun._recording.recorder import Recorder
    from riverrun.flows import Flow
    from riverrun.schemas.objects import FlowRun, TaskRun
    from riverrun.settings import Profile, Setting, Settings
    from riverrun.task_runners import TaskRunner
    from riverrun.tasks import Task


class _ContextBase:
    """A context object bound to its own ContextVar; ``with ctx:`` makes it current."""

    __var__: ContextVar[Any]

    def __init__(self) -> None:
        self._tokens: list[Token[Any]] = []

    def __enter__(self) -> Any:
        self._tokens.append(self.__var__.set(self))
        return self

    def __exit__(self, *exc: Any) -> None:
        self.__var__.reset(self._tokens.pop())

    @classmethod
    def get(cls) -> Any:
        """The current context of this kind, or None."""
        return cls.__var__.get()


class FlowRunContext(_ContextBase):
    """The flow run being executed: ``get_run_context().flow_run``.

    Attributes:
        flow: the ``Flow`` object.
        flow_run: the run as the client would return it (``.id``, ``.name``, ``.tags``,
            ``.parameters``, ``.flow_id``...).
        parameters: the validated parameters.
        task_runner: the flow's task runner (started on first use).
    """

    __var__: ContextVar[FlowRunContext | None] = ContextVar("riverrun_flow_run", default=None)

    flow: Flow[Any, Any]
    task_runner: TaskRunner
    log_prints: bool
    persist_result: bool | None
    observed_flow_pauses: dict[str, int]

    def __init__(
        self,
        flow: Flow[Any, Any],
        info: FlowRunInfo,
        recorder: Recorder,
        task_runner: TaskRunner,
        log_prints: bool,
        persist_result: bool | None,
    ) -> None:
        super().__init__()
        self.flow = flow
        self.info = info
        self.recorder = recorder
        self.task_runner = task_runner
        self.log_prints = log_prints
        self.persist_result = persist_result
        self.dynamic_keys: dict[str, int] = {}
        self.futures: list[Any] = []
        self.child_flow_threads: list[Any] = []
        # How many times the run paused so far: the default key of its next pause.
        self.observed_flow_pauses: dict[str, int] = {}

    @property
    def flow_run(self) -> FlowRun:
        return self.info.as_flow_run()

    @property
    def parameters(self) -> dict[str, Any]:
        return self.info.parameters

    def next_dynamic_key(self, task_key: str) -> int:
        value = self.dynamic_keys.get(task_key, 0)
        self.dynamic_keys[task_key] = value + 1
        return value


class TaskRunContext(_ContextBase):
    """The task run being executed: ``get_run_context().task_run``."""

    __var__: ContextVar[TaskRunContext | None] = ContextVar("riverrun_task_run", default=None)

    task: Task[Any, Any]
    log_prints: bool

    def __init__(
        self,
        task: Task[Any, Any],
        info: TaskRunInfo,
        parameters: dict[str, Any] | None,
        log_prints: bool,
        call: tuple[tuple[Any, ...], dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.task = task
        self.info = info
        self._parameters = parameters
        self._call = call
        self.log_prints = log_prints

    @property
    def parameters(self) -> dict[str, Any]:
        """The task run's arguments by parameter name (bound on first access)."""
        if self._parameters is None:
            from riverrun._engine.inputs import bind_parameters

            args, kwargs = self._call or ((), {})
            self._parameters = bind_parameters(self.task.fn, args, kwargs)
        return self._parameters

    @property
    def task_run(self) -> TaskRun:
        return self.info.as_task_run()

    @property
    def persist_result(self) -> bool:
        """Whether this task run's result is persisted (the task's, its flow's or the
        setting's choice)."""
        return self.task.should_persist(FlowRunContext.get())


class TagsContext(_ContextBase):
    """Tags applied to every run created inside ``with tags(...)``."""

    __var__: ContextVar[TagsContext | None] = ContextVar("riverrun_tags", default=None)

    def __init__(self, current_tags: frozenset[str]) -> None:
        super().__init__()
        self.current_tags = current_tags

    @classmethod
    def get(cls) -> TagsContext:
        """The current tags context; outside any ``tags(...)`` block one with no tags, as in Prefect."""
        return cls.__var__.get() or TagsContext(frozenset())


def current_tags() -> frozenset[str]:
    """The tags of the enclosing ``tags(...)`` blocks."""
    ctx = TagsContext.__var__.get()
    return ctx.current_tags if ctx is not None else frozenset()


@contextlib.contextmanager
def tags(*new_tags: str) -> Iterator[set[str]]:
    """Apply tags to every flow and task run created in this block (nestable).

    Example:
        >>> with tags("env:pro", "type:greet"):
        ...     good_morning()
    """
    for tag in new_tags:
        if not isinstance(tag, str):
            raise TypeError(f"Tags must be strings; got {tag!r} ({type(tag).__name__}).")
    combined = current_tags() | frozenset(new_tags)
    with TagsContext(combined):
        yield set(combined)


class SettingsContext(_ContextBase):
    """The profile and settings in use: ``SettingsContext.get().profile.name``.

    Entered by ``use_profile``; outside one, ``get()`` describes the active profile.
    """

    __var__: ContextVar[SettingsContext | None] = ContextVar("riverrun_settings", default=None)

    def __init__(self, profile: Profile, settings: Settings) -> None:
        super().__init__()
        self.profile = profile
        self.settings = settings

    @classmethod
    def get(cls) -> SettingsContext:
        """The innermost ``use_profile`` context, else one for the active profile."""
        current = cls.__var__.get()
        if current is not None:
            return current
        from riverrun.settings import get_current_settings, load_current_profile

        return cls(load_current_profile(), get_current_settings())


@contextlib.contextmanager
def use_profile(
    profile: Profile | str,
    override_environment_variables: bool = False,
    include_current_context: bool = True,
) -> Iterator[SettingsContext]:
    """Use a profile's settings inside the block (in this process).

    Args:
        profile: a ``Profile`` or the name of one in the profiles file (``KeyError`` if none).
        override_environment_variables: let the profile's values win over the environment
            (by default the environment wins, as everywhere else).
        include_current_context: keep the active profile's values for settings this one
            does not set (if False, those fall back to their defaults).
    """
    from riverrun.settings import (
        DEFINITIONS,
        Profile,
        get_current_settings,
        load_profiles,
        temporary_settings,
    )

    if isinstance(profile, str):
        profile = load_profiles()[profile]
    if not isinstance(profile, Profile):
        raise TypeError(
            f"Unexpected type {type(profile).__name__!r} for `profile`. Expected 'str' or 'Profile'."
        )
    values: dict[Setting | str, Any] = {
        s.field_name: v
        for s, v in profile.settings.items()
        if override_environment_variables or s.name not in os.environ
    }
    if not include_current_context:
        current = get_current_settings()
        for name in DEFINITIONS:
            if name not in values and current.source_of(name).startswith("profile"):
                values[name] = DEFINITIONS[name].default
    with temporary_settings(values) as settings, SettingsContext(profile, settings) as ctx:
        yield ctx


def get_run_context() -> TaskRunContext | FlowRunContext:
    """The current task run context, else the current flow run context.

    Raises:
        MissingContextError: outside any flow or task run.
    """
    task_ctx = TaskRunContext.__var__.get()
    if task_ctx is not None:
        return task_ctx
    flow_ctx = FlowRunContext.__var__.get()
    if flow_ctx is not None:
        return flow_ctx
    raise MissingContextError(
        "No run context available: get_run_context() was called outside a flow or task run. "
        "Call it from inside a function decorated with @flow or @task."
    )


__all__ = [
    "FlowRunContext",
    "SettingsContext",
    "TagsContext",
    "TaskRunContext",
    "current_tags",
    "get_run_context",
    "tags",
    "use_profile",
]
