"""The riverrun exception hierarchy.

Every error riverrun raises on purpose derives from ``RiverrunException``; control signals
derive from ``BaseException`` so that a user's ``except Exception`` cannot swallow them::

    RiverrunException (Exception)
    ├── MissingContextError (RuntimeError)
    ├── ParameterTypeError (TypeError)
    ├── ParameterBindError (TypeError first, as in Prefect)
    ├── SignatureMismatchError (TypeError)
    ├── ObjectNotFound (LookupError, ValueError)
    ├── ObjectAlreadyExists (ValueError)
    ├── ReservedArgumentError (TypeError)
    ├── InvalidNameError (ValueError)
    ├── InvalidFilterError (ValueError)
    ├── ConfigurationError (ValueError)
    ├── StoreError (RuntimeError)
    │   ├── StoreLocked
    │   ├── StoreFull
    │   └── StoreCorrupt
    ├── SerializationError (TypeError)
    ├── MissingResult (RuntimeError)
    ├── UnfinishedRun (RuntimeError)
    ├── CrashedRun (RuntimeError)
    ├── FailedRun (RuntimeError)
    ├── CancelledRun (RuntimeError)
    ├── PausedRun (RuntimeError)
    ├── MappingLengthMismatch (ValueError)
    ├── MappingMissingIterable (ValueError)
    ├── ScriptError (RuntimeError)
    ├── MissingFlowError (ValueError)
    ├── RiverrunHTTPStatusError (RuntimeError)
    ├── RiverrunServerUnreachable (ConnectionError)
    ├── FlowPauseTimeout
    ├── NotPausedError
    └── FlowRunWaitTimeout

    TimeoutError (not RiverrunException, as in Prefect)
    ├── TaskRunTimeoutError
    └── FlowRunTimeoutError

    BaseException
    ├── RiverrunSignal
    │   ├── Abort
    │   └── Pause
    └── ExternalSignal
        └── TerminationSignal
"""

from __future__ import annotations

from typing import Any


class RiverrunException(Exception):
    """Base of every error riverrun raises on purpose (Prefect's ``PrefectException``)."""


class MissingContextError(RiverrunException, RuntimeError):
    """A run-only API (``get_run_logger``, ``get_run_context``) was called outside any run."""


class ParameterTypeError(RiverrunException, TypeError):
    """A flow parameter does not match its type hint."""

    @classmethod
    def from_validation_error(cls, exc: Any, flow_name: str = "") -> ParameterTypeError:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(part) for part in err.get("loc", ()))
            given = err.get("input")
            lines.append(f"  - parameter {loc!r}: {err.get('msg')} (got {given!r})")
        where = f" of flow {flow_name!r}" if flow_name else ""
        return cls(
            f"Flow run received invalid parameters{where}:\n"
            + "\n".join(lines)
            + "\nPass values of the annotated types, or change the type hints."
        )


class ParameterBindError(TypeError, RiverrunException):
    """Arguments could not be bound to a function's signature."""


class SignatureMismatchError(RiverrunException, TypeError):
    """Parameters given do not fit the signature of the flow."""


class ObjectNotFound(RiverrunException, LookupError, ValueError):
    """A requested object (run, flow, block, variable...) does not exist.

    Also a ``ValueError``: Prefect's ``Block.load`` raises ``ValueError`` for a missing block,
    and code written for it catches that. Prefect's keywords are accepted:
    ``ObjectNotFound(http_exc=err, help_message="...")``.
    """

    def __init__(self, *args: Any, http_exc: BaseException | None = None, help_message: str | None = None) -> None:
        super().__init__(*((help_message,) if help_message is not None and not args else args))
        self.http_exc = http_exc
        self.help_message = help_message


class ObjectAlreadyExists(RiverrunException, ValueError):
    """An object with that name already exists."""


class ReservedArgumentError(RiverrunException, TypeError):
    """A flow's function takes a parameter whose name the call itself uses (``return_state``)."""


class InvalidNameError(RiverrunException, ValueError):
    """A name contains characters that are not allowed."""


class InvalidFilterError(RiverrunException, ValueError):
    """A filter, sort or query field is unknown or malformed."""


class ConfigurationError(RiverrunException, ValueError):
    """A setting or the environment riverrun runs in is not usable."""


class StoreError(RiverrunException, RuntimeError):
    """The store (database) could not be read or written."""


class StoreLocked(StoreError):
    """The store stayed locked by another process for longer than the busy timeout."""


class StoreFull(StoreError):
    """No space is left on the device holding the store."""


class StoreCorrupt(StoreError):
    """The store's file is malformed (SQLite's integrity check fails)."""


class SerializationError(RiverrunException, TypeError):
    """A value could not be serialized for persistence or transport."""


class MissingResult(RiverrunException, RuntimeError):
    """A state's result is not available (not persisted, or the run did not produce one)."""


class UnfinishedRun(RiverrunException, RuntimeError):
    """The result of a run that has not reached a final state was requested."""


class CrashedRun(RiverrunException, RuntimeError):
    """A run crashed: something outside user code stopped it."""


class FailedRun(RiverrunException, RuntimeError):
    """A run failed without an exception of its own to re-raise."""


class CancelledRun(RiverrunException, RuntimeError):
    """A run was cancelled."""


class PausedRun(RiverrunException, RuntimeError):
    """A run is paused."""


class TaskRunTimeoutError(TimeoutError):
    """A task ran longer than its ``timeout_seconds`` (a ``TimeoutError``, as in Prefect)."""


class FlowRunTimeoutError(TimeoutError):
    """A flow ran longer than its ``timeout_seconds`` (its own class, as in Prefect)."""


class MappingLengthMismatch(RiverrunException, ValueError):
    """``task.map`` got iterables of different lengths."""


class MappingMissingIterable(RiverrunException, ValueError):
    """``task.map`` got no iterable argument to map over."""


class ScriptError(RiverrunException, RuntimeError):
    """A user's script could not be loaded."""


class MissingFlowError(RiverrunException, ValueError):
    """An entrypoint names no file, module or flow (Prefect's ``MissingFlowError``)."""


class RiverrunHTTPStatusError(RiverrunException, RuntimeError):
    """The riverrun server answered with an error status."""


class RiverrunServerUnreachable(RiverrunException, ConnectionError):
    """The riverrun server at ``RIVERRUN_API_URL`` could not be reached."""


class UpstreamTaskError(RiverrunException, RuntimeError):
    """A task could not run because an upstream task it depends on did not complete."""


class RiverrunSignal(BaseException):
    """Base of control signals; ``BaseException`` so ``except Exception`` cannot swallow them."""


class Abort(RiverrunSignal):
    """Abort the current run without changing its state."""


class Pause(RiverrunSignal):
    """The flow run was suspended and its process must exit (``suspend_flow_run``)."""

    def __init__(self, *args: Any, state: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = state


class FlowPauseTimeout(RiverrunException):
    """A paused flow run was not resumed within its pause timeout."""


class NotPausedError(RiverrunException):
    """``resume_flow_run`` was given a run that is not paused."""


class FlowRunWaitTimeout(RiverrunException):
    """``wait_for_flow_run`` gave up before the run reached a final state."""


class ExternalSignal(BaseException):
    """A signal sent from outside the run (e.g. cancellation); as in Prefect, not a RiverrunSignal."""


class TerminationSignal(ExternalSignal):
    """The process received a termination signal."""

    def __init__(self, signal: int) -> None:
        super().__init__(f"Received termination signal {signal}")
        self.signal = signal


__all__ = [
    "Abort",
    "CancelledRun",
    "ConfigurationError",
    "CrashedRun",
    "ExternalSignal",
    "FailedRun",
    "FlowPauseTimeout",
    "FlowRunTimeoutError",
    "FlowRunWaitTimeout",
    "InvalidFilterError",
    "MappingLengthMismatch",
    "MappingMissingIterable",
    "InvalidNameError",
    "MissingContextError",
    "MissingFlowError",
    "MissingResult",
    "NotPausedError",
    "ObjectAlreadyExists",
    "ObjectNotFound",
    "ParameterBindError",
    "ParameterTypeError",
    "Pause",
    "PausedRun",
    "ReservedArgumentError",
    "RiverrunException",
    "RiverrunHTTPStatusError",
    "RiverrunServerUnreachable",
    "RiverrunSignal",
    "ScriptError",
    "SerializationError",
    "SignatureMismatchError",
    "StoreError",
    "StoreCorrupt",
    "StoreFull",
    "StoreLocked",
    "TaskRunTimeoutError",
    "TerminationSignal",
    "UnfinishedRun",
    "UpstreamTaskError",
]
