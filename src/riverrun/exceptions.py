"""The riverrun exception hierarchy.

Every error riverrun raises on purpose derives from ``RiverrunException``; control signals
derive from ``BaseException`` so that a user's ``except Exception`` cannot swallow them::

    RiverrunException (Exception)
    ├── MissingContextError (RuntimeError)
    ├── ParameterTypeError (TypeError)
    ├── ParameterBindError (TypeError)
    ├── SignatureMismatchError (TypeError)
    ├── ObjectNotFound (LookupError)
    ├── ObjectAlreadyExists (ValueError)
    ├── InvalidNameError (ValueError)
    ├── InvalidFilterError (ValueError)
    ├── ConfigurationError (ValueError)
    ├── StoreError (RuntimeError)
    │   └── StoreLocked
    ├── SerializationError (TypeError)
    ├── MissingResult (RuntimeError)
    ├── UnfinishedRun (RuntimeError)
    ├── CrashedRun (RuntimeError)
    ├── FailedRun (RuntimeError)
    ├── CancelledRun (RuntimeError)
    ├── PausedRun (RuntimeError)
    ├── TaskRunTimeoutError (TimeoutError)  — alias FlowRunTimeoutError
    ├── ScriptError (RuntimeError)
    ├── MissingFlowError (ValueError)
    ├── RiverrunHTTPStatusError (RuntimeError)
    └── RiverrunServerUnreachable (ConnectionError)

    BaseException
    └── RiverrunSignal
        ├── TerminationSignal
        ├── Abort
        ├── Pause
        └── ExternalSignal
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


class ParameterBindError(RiverrunException, TypeError):
    """Arguments could not be bound to a function's signature."""


class SignatureMismatchError(RiverrunException, TypeError):
    """Parameters given do not fit the signature of the flow."""


class ObjectNotFound(RiverrunException, LookupError):
    """A requested object (run, flow, block, variable...) does not exist."""


class ObjectAlreadyExists(RiverrunException, ValueError):
    """An object with that name already exists."""


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


class TaskRunTimeoutError(RiverrunException, TimeoutError):
    """A task or flow ran longer than its ``timeout_seconds``."""


FlowRunTimeoutError = TaskRunTimeoutError


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


class TerminationSignal(RiverrunSignal):
    """The process received a termination signal."""

    def __init__(self, signal: int) -> None:
        super().__init__(f"Received termination signal {signal}")
        self.signal = signal


class Abort(RiverrunSignal):
    """Abort the current run without changing its state."""


class Pause(RiverrunSignal):
    """Pause the current run."""


class ExternalSignal(RiverrunSignal):
    """A signal sent from outside the run (e.g. cancellation)."""


__all__ = [
    "Abort",
    "CancelledRun",
    "ConfigurationError",
    "CrashedRun",
    "ExternalSignal",
    "FailedRun",
    "FlowRunTimeoutError",
    "InvalidFilterError",
    "InvalidNameError",
    "MissingContextError",
    "MissingFlowError",
    "MissingResult",
    "ObjectAlreadyExists",
    "ObjectNotFound",
    "ParameterBindError",
    "ParameterTypeError",
    "Pause",
    "PausedRun",
    "RiverrunException",
    "RiverrunHTTPStatusError",
    "RiverrunServerUnreachable",
    "RiverrunSignal",
    "ScriptError",
    "SerializationError",
    "SignatureMismatchError",
    "StoreError",
    "StoreLocked",
    "TaskRunTimeoutError",
    "TerminationSignal",
    "UnfinishedRun",
    "UpstreamTaskError",
]
