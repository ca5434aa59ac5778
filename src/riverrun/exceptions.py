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
    ├── InvalidConcurrencyRequest (ValueError)
    ├── InvalidLeaseError (ValueError)
    ├── InvalidWorkPoolError (ValueError)
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
    ├── RiverrunServerUnreachable (ConnectionError)
    └── ... Prefect's other classes (NotPausedError, FlowPauseTimeout, HashError, ...)

    httpx.HTTPStatusError (not RiverrunException, as in Prefect; defined on first use)
    └── RiverrunHTTPStatusError

    ImportError
    └── RiverrunImportError

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

from typing import TYPE_CHECKING, Any


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

    def __init__(
        self, *args: Any, http_exc: BaseException | None = None, help_message: str | None = None
    ) -> None:
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


class InvalidConcurrencyRequest(RiverrunException, ValueError):
    """A concurrency request that could never be granted (more slots than the limit has,
    ``rate_limit`` on a limit without decay, ``occupy`` below 1)."""


class InvalidLeaseError(RiverrunException, ValueError):
    """A lease request is malformed (no owner, a TTL out of range)."""


class InvalidWorkPoolError(RiverrunException, ValueError):
    """A work pool, queue or claim request is not usable (a limit of 0, a bad priority)."""


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


class UnspecifiedFlowError(RiverrunException, ValueError):
    """A script holds several flows and none was named."""


class MissingProfileError(RiverrunException, ValueError):
    """A profile named by a command or setting does not exist."""


class ProfileSettingsValidationError(RiverrunException, ValueError):
    """A profile holds settings that are not valid; ``errors`` lists (setting, error) pairs."""

    def __init__(self, errors: list[tuple[Any, Any]]) -> None:
        super().__init__("; ".join(f"{setting}: {error}" for setting, error in errors))
        self.errors = errors


class BlockMissingCapabilities(RiverrunException, ValueError):
    """A block lacks a capability an operation needs (storage that cannot write, ...)."""


class ProtectedBlockError(RiverrunException, ValueError):
    """An operation on a protected (system) block was refused."""


class InvalidRepositoryURLError(RiverrunException, ValueError):
    """A repository URL given to a source or filesystem block is not valid."""


class InfrastructureError(RiverrunException, RuntimeError):
    """Base of errors about the infrastructure a flow run runs on."""


class InfrastructureNotFound(RiverrunException, RuntimeError):
    """The infrastructure of a run is gone (it exited or was deleted)."""


class InfrastructureNotAvailable(RiverrunException, RuntimeError):
    """The infrastructure of a run cannot be reached from this machine."""


class NotPausedError(RiverrunException, RuntimeError):
    """A run that is not paused was asked to resume."""


class FlowPauseTimeout(RiverrunException, TimeoutError):
    """A paused flow run was not resumed within its timeout."""


class FlowRunWaitTimeout(RiverrunException, TimeoutError):
    """A flow run waited for did not finish within the timeout."""


class FlowRunWatchError(RiverrunException, RuntimeError):
    """Watching a flow run stopped before it reached a final state."""


class ObjectLimitReached(RiverrunException, ValueError):
    """An account's object limit was reached (Prefect Cloud; never raised by riverrun)."""

    def __init__(self, http_exc: BaseException | None = None, *args: Any) -> None:
        super().__init__(*args)
        self.http_exc = http_exc


class ObjectUnsupported(RiverrunException, ValueError):
    """A feature the account lacks (Prefect Cloud; never raised by riverrun)."""

    def __init__(self, http_exc: BaseException | None = None, *args: Any) -> None:
        super().__init__(*args)
        self.http_exc = http_exc


class EventTooLarge(RiverrunException, ValueError):
    """An event is larger than the configured maximum."""

    def __init__(self, size: int, maximum: int) -> None:
        super().__init__(f"Event is too large to emit ({size} > {maximum} bytes)")
        self.size = size
        self.maximum = maximum


class HashError(RiverrunException, TypeError):
    """A value could not be hashed into a cache key."""


class RiverrunImportError(ImportError):
    """An object was imported from a place it has moved from or been removed from."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


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


class ExternalSignal(BaseException):
    """A signal sent from outside the run (e.g. cancellation); as in Prefect, not a RiverrunSignal."""


class TerminationSignal(ExternalSignal):
    """The process received a termination signal."""

    def __init__(self, signal: int) -> None:
        super().__init__(f"Received termination signal {signal}")
        self.signal = signal


def exception_traceback(exc: BaseException) -> str:
    """An exception with its traceback, as the text Python would print."""
    import traceback

    return "".join(traceback.TracebackException.from_exception(exc).format())


if TYPE_CHECKING:
    import httpx

    class RiverrunHTTPStatusError(httpx.HTTPStatusError):
        """The riverrun server answered with an error status (an ``httpx.HTTPStatusError``)."""

        status_code: int | None

        def __init__(
            self,
            message: str,
            *,
            request: httpx.Request | None = None,
            response: httpx.Response | None = None,
        ) -> None: ...

        @classmethod
        def from_httpx_error(
            cls, httpx_error: httpx.HTTPStatusError
        ) -> RiverrunHTTPStatusError: ...


def _http_status_error() -> type:
    # Defined on first use: the class derives from httpx's, and `import riverrun` must not
    # load httpx (Prefect's is an httpx.HTTPStatusError too, and code catches it as one).
    import httpx

    class RiverrunHTTPStatusError(httpx.HTTPStatusError):
        """The riverrun server answered with an error status (an ``httpx.HTTPStatusError``).

        ``request`` and ``response`` are those of the failed call; ``status_code`` its status
        (``None`` for errors found without one, such as a URL that is no riverrun API).
        """

        def __init__(
            self,
            message: str,
            *,
            request: httpx.Request | None = None,
            response: httpx.Response | None = None,
        ) -> None:
            # httpx.HTTPError.__init__ leaves `request` unset (reading it then raises, as
            # httpx's own errors do); HTTPStatusError's would insist on both.
            httpx.HTTPError.__init__(self, message)
            if request is not None:
                self.request = request
            self.response = response  # type: ignore[assignment]
            self.status_code: int | None = response.status_code if response is not None else None

        @classmethod
        def from_httpx_error(cls, httpx_error: httpx.HTTPStatusError) -> RiverrunHTTPStatusError:
            """The same error, its message completed with the server's JSON answer."""
            try:
                details = httpx_error.response.json()
            except Exception:
                details = None
            first, *more = str(httpx_error).split("\n")
            parts = [first, f"Response: {details}", *more] if details else [first, *more]
            return cls(
                " - ".join(parts), request=httpx_error.request, response=httpx_error.response
            )

    RiverrunHTTPStatusError.__module__ = __name__
    RiverrunHTTPStatusError.__qualname__ = "RiverrunHTTPStatusError"  # pickle finds it by name
    return RiverrunHTTPStatusError


def __getattr__(name: str) -> Any:
    if name == "RiverrunHTTPStatusError":
        cls = _http_status_error()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Abort",
    "BlockMissingCapabilities",
    "CancelledRun",
    "ConfigurationError",
    "CrashedRun",
    "EventTooLarge",
    "ExternalSignal",
    "FailedRun",
    "FlowPauseTimeout",
    "FlowRunTimeoutError",
    "FlowRunWaitTimeout",
    "FlowRunWatchError",
    "HashError",
    "InfrastructureError",
    "InfrastructureNotAvailable",
    "InfrastructureNotFound",
    "InvalidFilterError",
    "InvalidWorkPoolError",
    "InvalidNameError",
    "InvalidRepositoryURLError",
    "MappingLengthMismatch",
    "MappingMissingIterable",
    "MissingContextError",
    "MissingFlowError",
    "MissingProfileError",
    "MissingResult",
    "NotPausedError",
    "ObjectAlreadyExists",
    "ObjectLimitReached",
    "ObjectNotFound",
    "ObjectUnsupported",
    "ParameterBindError",
    "ParameterTypeError",
    "Pause",
    "PausedRun",
    "ProfileSettingsValidationError",
    "ProtectedBlockError",
    "ReservedArgumentError",
    "RiverrunException",
    "RiverrunHTTPStatusError",
    "RiverrunImportError",
    "RiverrunServerUnreachable",
    "RiverrunSignal",
    "ScriptError",
    "SerializationError",
    "SignatureMismatchError",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreLocked",
    "TaskRunTimeoutError",
    "TerminationSignal",
    "UnfinishedRun",
    "UnspecifiedFlowError",
    "UpstreamTaskError",
    "exception_traceback",
]
