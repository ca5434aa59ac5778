"""Loggers bound to the current run, and ``print`` redirected to them with ``log_prints``."""

from __future__ import annotations

import builtins
import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from riverrun._internal.ids import new_id
from riverrun._recording import recorder as recorder_module
from riverrun._recording.recorder import get_recorder
from riverrun.context import FlowRunContext, TaskRunContext
from riverrun.exceptions import MissingContextError

_print = builtins.print
_setup_lock = threading.Lock()
_configured = False
log_prints_var: ContextVar[bool] = ContextVar("riverrun_log_prints", default=False)


class RiverrunLogAdapter(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger whose records carry the IDs of the run that emitted them."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = kwargs.get("extra")
        base = dict(self.extra or {})
        kwargs["extra"] = {**base, **extra} if extra else base
        return msg, kwargs

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log with the run's IDs attached.

        Plain calls (no ``exc_info``, ``stack_info`` or ``stacklevel``) skip the stdlib's
        caller lookup, which walks the stack for a file name and line no one displays and
        costs a third of a log call.
        """
        logger = self.logger
        if not logger.isEnabledFor(level):
            return
        if kwargs.keys() - {"extra"}:
            msg, kwargs = self.process(msg, kwargs)
            logger._log(level, msg, args, **kwargs)
            return
        extra = kwargs.get("extra")
        merged = {**self.extra, **extra} if extra else self.extra  # type: ignore[dict-item]
        log_without_caller(logger, level, msg, merged, args)


def log_without_caller(
    logger: logging.Logger, level: int, msg: Any, extra: Any, args: Any = ()
) -> None:
    """``logger.log(level, msg, *args, extra=extra)`` without the stdlib's caller lookup.

    The record's ``pathname`` is empty and its ``lineno`` 0: the stack walk that finds
    them costs a third of a log call, and riverrun's formats do not show them.
    """
    if logger.isEnabledFor(level):
        logger.handle(logger.makeRecord(logger.name, level, "", 0, msg, args, None, None, extra))


def get_logger(name: str | None = None) -> logging.Logger:
    """A logger under riverrun's ``riverrun`` logger namespace."""
    ensure_logging_configured()
    return logging.getLogger(f"riverrun.{name}" if name else "riverrun")


RunLoggerAdapter = RiverrunLogAdapter


def get_run_logger(**kwargs: Any) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """A logger for the current flow or task run; its records are stored linked to the run.

    Raises:
        MissingContextError: when called outside a flow or task run.
    """
    task_ctx = TaskRunContext.get()
    if task_ctx is not None:
        info = task_ctx.info
        flow_ctx = FlowRunContext.get()
        extra = {
            "flow_run_id": info.flow_run_id,
            "task_run_id": info.id,
            "task_run_name": info.name,
            "task_name": task_ctx.task.name,
            "flow_run_name": flow_ctx.info.name if flow_ctx else None,
            "flow_name": flow_ctx.info.flow_name if flow_ctx else None,
            **kwargs,
        }
        logger = get_logger("task_runs")
        return RunLoggerAdapter(logger, extra)
    flow_ctx = FlowRunContext.get()
    if flow_ctx is not None:
        extra = {
            "flow_run_id": flow_ctx.info.id,
            "flow_run_name": flow_ctx.info.name,
            "flow_name": flow_ctx.info.flow_name,
            "deployment_name": None,  # the keys Prefect's flow run logger carries
            **kwargs,
        }
        return RunLoggerAdapter(get_logger("flow_runs"), extra)
    if logging.getLogger("riverrun.flow_runs").disabled:
        # Inside disable_run_logger(), task and flow functions called directly (``my_task.fn()``)
        # log nowhere instead of failing, as in Prefect.
        return RunLoggerAdapter(logging.getLogger("null"), {})
    raise MissingContextError(
        "There is no active flow or task run: get_run_logger() can only be called inside a "
        "function decorated with @flow or @task. Outside a run, use "
        "riverrun.logging.get_logger() or the standard logging module."
    )


class RecorderHandler(logging.Handler):
    """Turns records that belong to a run into ``log`` events for the recorder."""

    def emit(self, record: logging.LogRecord) -> None:
        flow_run_id = getattr(record, "flow_run_id", None)
        task_run_id = getattr(record, "task_run_id", None)
        if flow_run_id is None and task_run_id is None:
            return
        try:
            flow_ctx = FlowRunContext.__var__.get()
            if flow_ctx is not None:
                recorder = flow_ctx.recorder
            else:
                # Engine lines about a run are logged just outside its context; the run's
                # recorder is the active one, so skip re-resolving settings per line.
                recorder = recorder_module._active or get_recorder()
            message = record.getMessage()
            if record.exc_info:
                message = message + "\n" + logging.Formatter().formatException(record.exc_info)
            recorder.record(
                {
                    "kind": "log",
                    "id": new_id(),
                    "flow_run_id": flow_run_id,
                    "task_run_id": task_run_id,
                    "name": record.name,
                    "level": record.levelno,
                    "message": message,
                    "timestamp": int(record.created * 1_000_000),
                }
            )
        except Exception:  # noqa: BLE001 - a log line must never break the run
            self.handleError(record)


class ConsoleFormatter(logging.Formatter):
    """``12:01:02.345 | INFO    | Flow run 'crimson-otter' - message``."""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")
        self._second = -1
        self._clock = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        # strftime per line is the formatter's main cost; the text changes once a second.
        second = int(record.created)
        if second != self._second:
            self._clock = super().formatTime(record, datefmt)
            self._second = second
        return self._clock

    def format(self, record: logging.LogRecord) -> str:
        prefix = ""
        task_run_name = getattr(record, "task_run_name", None)
        flow_run_name = getattr(record, "flow_run_name", None)
        if task_run_name:
            prefix = f"Task run {task_run_name!r} - "
        elif flow_run_name:
            prefix = f"Flow run {flow_run_name!r} - "
        text = (
            f"{self.formatTime(record, self.datefmt)}.{int(record.msecs):03d} | "
            f"{record.levelname:<7} | {prefix}{record.getMessage()}"
        )
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def ensure_logging_configured() -> None:
    """Attach riverrun's handlers to the ``riverrun`` logger once per process."""
    global _configured
    if _configured:
        return
    with _setup_lock:
        if _configured:
            return
        from riverrun.settings import get_current_settings

        settings = get_current_settings()
        root = logging.getLogger("riverrun")
        level = logging.getLevelName(str(settings.logging_level).upper())
        root.setLevel(level if isinstance(level, int) else logging.INFO)
        root.propagate = False
        root.addHandler(RecorderHandler())
        if settings.logging_to_console:
            from riverrun.logging.console import ConsoleHandler

            console = ConsoleHandler(sys.stderr)
            console.setFormatter(ConsoleFormatter())
            root.addHandler(console)
        _configured = True


def _patched_print(*args: Any, **kwargs: Any) -> None:
    file = kwargs.get("file")
    if log_prints_var.get() and (file is None or file is sys.stdout):
        sep = kwargs.get("sep")
        end = kwargs.get("end")
        message = (" " if sep is None else sep).join(str(a) for a in args)
        if end not in (None, "\n"):
            message += end
        try:
            get_run_logger().info(message)
            return
        except MissingContextError:
            pass
    _print(*args, **kwargs)


def enable_log_prints() -> None:
    """Install the print wrapper (once); it only redirects inside runs with log_prints on."""
    if builtins.print is not _patched_print:
        builtins.print = _patched_print


def print_as_log(*args: Any, **kwargs: Any) -> None:
    """``print`` that logs to the current run's logger inside a run."""
    token = log_prints_var.set(True)
    try:
        _patched_print(*args, **kwargs)
    finally:
        log_prints_var.reset(token)


@contextlib.contextmanager
def patch_print() -> Iterator[None]:
    """Inside the block, ``print`` goes to the run logger in runs with ``log_prints`` on
    (elsewhere it prints as usual); the builtin is put back after."""
    original = builtins.print
    builtins.print = _patched_print
    try:
        yield
    finally:
        builtins.print = original


class LogEavesdropper(logging.Handler):
    """Collect what the logger ``eavesdrop_on`` (and its children) log inside a ``with`` block.

    Example:
        >>> with LogEavesdropper("my_logger") as eavesdropper:
        ...     logging.getLogger("my_logger").info("Hello, world!")
        >>> eavesdropper.text()
        '[INFO]: Hello, world!'
    """

    def __init__(self, eavesdrop_on: str, level: int = logging.NOTSET) -> None:
        super().__init__(level=level)
        self.eavesdrop_on = eavesdrop_on
        self._target_logger: logging.Logger | None = None
        self._lines: list[str] = []
        # Level and message only: what is collected may be shown back to a user.
        self.formatter = logging.Formatter("[%(levelname)s]: %(message)s")

    def __enter__(self) -> LogEavesdropper:
        self._target_logger = logging.getLogger(self.eavesdrop_on)
        self._original_level = self._target_logger.level
        self._target_logger.level = self.level
        self._target_logger.addHandler(self)
        self._lines = []
        return self

    def __exit__(self, *_: Any) -> None:
        if self._target_logger is not None:
            self._target_logger.removeHandler(self)
            self._target_logger.level = self._original_level

    def emit(self, record: logging.LogRecord) -> None:
        self._lines.append(self.format(record))

    def text(self) -> str:
        """The collected lines, one a line."""
        return "\n".join(self._lines)


@contextlib.contextmanager
def disable_logger(name: str) -> Iterator[None]:
    """Silence the logger ``name`` inside the block (it is restored after)."""
    logger = logging.getLogger(name)
    was_disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was_disabled


@contextlib.contextmanager
def disable_run_logger() -> Iterator[None]:
    """Silence the run loggers; ``get_run_logger()`` outside a run then returns a null logger.

    For testing a task's function directly: ``with disable_run_logger(): my_task.fn()``.
    """
    with disable_logger("riverrun.flow_runs"), disable_logger("riverrun.task_runs"):
        yield


def flow_run_logger(flow_run: Any, flow: Any = None, **kwargs: Any) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """A logger for ``flow_run`` (a client ``FlowRun``) used outside its own process."""
    extra = {
        "flow_run_id": str(flow_run.id),
        "task_run_id": None,
        "flow_run_name": flow_run.name,
        "flow_name": flow.name if flow is not None else "<unknown>",
        **kwargs,
    }
    return RunLoggerAdapter(get_logger("flow_runs"), extra)


def task_run_logger(
    task_run: Any, task: Any = None, flow_run: Any = None, flow: Any = None, **kwargs: Any
) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """A logger for ``task_run`` (a client ``TaskRun``) used outside its own process."""
    flow_ctx = FlowRunContext.get()
    if flow_run is None and flow_ctx is not None:
        flow_run, flow = flow_ctx.flow_run, flow or flow_ctx.flow
    extra = {
        "task_run_id": str(task_run.id),
        "flow_run_id": str(task_run.flow_run_id) if task_run.flow_run_id else None,
        "task_run_name": task_run.name,
        "task_name": task.name if task is not None else "<unknown>",
        "flow_run_name": flow_run.name if flow_run is not None else "<unknown>",
        "flow_name": flow.name if flow is not None else "<unknown>",
        **kwargs,
    }
    return RunLoggerAdapter(get_logger("task_runs"), extra)
