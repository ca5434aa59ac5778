"""Run states: what a flow or task run is doing, with its result or error.

A ``State`` is a small plain object (not a pydantic model) because the engine makes several
per task run and the hot path must stay cheap; it still validates and serializes inside
pydantic models through ``__get_pydantic_core_schema__``.
"""

from __future__ import annotations

import enum
import sys
import time
import traceback
import uuid
from datetime import datetime
from types import TracebackType
from typing import Any

from riverrun._internal import clock
from riverrun._internal.ids import new_id
from riverrun.exceptions import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    MissingResult,
    PausedRun,
    TerminationSignal,
    UnfinishedRun,
)
from riverrun.schemas.encoding import jsonable


class StateType(str, enum.Enum):
    """The kind of a state; several state names share one type (``Cached`` is COMPLETED)."""

    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"

    def __str__(self) -> str:
        return self.value


TERMINAL_STATES = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED}
)

_DEFAULT_NAMES = {t: t.value.title() for t in StateType}

_DETAIL_FIELDS: dict[str, Any] = {
    "flow_run_id": None, "task_run_id": None, "child_flow_run_id": None, "scheduled_time": None,
    "cache_key": None, "cache_expiration": None, "deferred": None, "untrackable_result": False,
    "pause_timeout": None, "pause_reschedule": False, "pause_key": None, "run_input_keyset": None,
    "refresh_cache": None, "retriable": None, "transition_id": None, "task_parameters_id": None,
    "traceparent": None, "deployment_concurrency_lease_id": None,
}  # fmt: skip
_UUID_FIELDS = frozenset(k for k in _DETAIL_FIELDS if k.endswith("_id"))


class StateDetails(dict):  # type: ignore[type-arg]
    """Facts about a state, read as attributes as in Prefect (``state_details.flow_run_id``).

    It is a ``dict`` underneath (what the engine writes and the store keeps, IDs as text);
    attribute reads give Prefect's types: ``*_id`` fields are ``uuid.UUID``, unset fields
    their Prefect default.
    """

    __slots__ = ()

    # Prefect's fields (for readers and type checkers; values live in the dict).
    flow_run_id: uuid.UUID | None
    task_run_id: uuid.UUID | None
    child_flow_run_id: uuid.UUID | None
    scheduled_time: datetime | None
    cache_key: str | None
    cache_expiration: datetime | None
    deferred: bool | None
    untrackable_result: bool
    pause_timeout: datetime | None
    pause_reschedule: bool
    pause_key: str | None
    run_input_keyset: dict[str, str] | None
    refresh_cache: bool | None
    retriable: bool | None
    transition_id: uuid.UUID | None
    task_parameters_id: uuid.UUID | None
    traceparent: str | None
    deployment_concurrency_lease_id: uuid.UUID | None

    def __getattr__(self, name: str) -> Any:
        if name not in _DETAIL_FIELDS:
            raise AttributeError(f"StateDetails has no field {name!r}")
        value = self.get(name, _DETAIL_FIELDS[name])
        if name in _UUID_FIELDS and isinstance(value, str):
            return uuid.UUID(value)
        if name == "pause_timeout" and isinstance(value, str):
            return datetime.fromisoformat(value)  # stored as text, read as Prefect's datetime
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _DETAIL_FIELDS:
            raise AttributeError(f"StateDetails has no field {name!r}")
        self[name] = str(value) if isinstance(value, uuid.UUID) else value

    @property
    def model_fields_set(self) -> set[str]:
        return set(self)

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return {**_DETAIL_FIELDS, **self}

    def __repr__(self) -> str:
        return "StateDetails(" + ", ".join(f"{k}={v!r}" for k, v in self.items()) + ")"


_time_ns = time.time_ns


class State:
    """A state of a flow or task run.

    Attributes:
        type: the ``StateType``.
        name: the display name (``"Completed"``, ``"Cached"``, ``"Retrying"``...).
        message: a human-readable explanation, or None.
        timestamp: when the state was entered (timezone-aware UTC).
        timestamp_us: the same moment in microseconds since the Unix epoch (the store's unit).
        data: the run's return value, the exception that ended it, or a stored result reference.
        state_details: extra facts (``flow_run_id``, ``task_run_id``, ``scheduled_time``,
            ``cache_key``...).
        id: the state's UUID, also the ID of the event that records it.
    """

    # The engine makes three states per task run and only the store's integer time is
    # needed then; the datetime is made on first read (``now()`` plus converting it back
    # cost ~0.7 µs a state).
    __slots__ = (
        "type",
        "name",
        "message",
        "_timestamp",
        "timestamp_us",
        "data",
        "state_details",
        "id",
    )

    def __init__(
        self,
        type: StateType | str,
        name: str | None = None,
        message: str | None = None,
        timestamp: datetime | None = None,
        data: Any = None,
        state_details: dict[str, Any] | StateDetails | None = None,
        id: str | None = None,
    ) -> None:
        self.type = type if type.__class__ is StateType else StateType(type)
        self.name = name or _DEFAULT_NAMES[self.type]
        self.message = message
        if timestamp is None:
            self._timestamp: datetime | None = None
            self.timestamp_us: int = _time_ns() // 1000
        else:
            self.timestamp = timestamp
        self.data = data
        if state_details is None:
            state_details = StateDetails()
        elif state_details.__class__ is not StateDetails:
            state_details = StateDetails(state_details)
        self.state_details: StateDetails = state_details
        self.id = id or new_id()

    @property
    def timestamp(self) -> datetime:
        value = self._timestamp
        if value is None:
            value = self._timestamp = clock.from_us(self.timestamp_us)
        return value

    @timestamp.setter
    def timestamp(self, value: datetime) -> None:
        self._timestamp = value
        self.timestamp_us = clock.to_us(value)

    # -- predicates -------------------------------------------------------------------
    def is_scheduled(self) -> bool:
        return self.type is StateType.SCHEDULED

    def is_pending(self) -> bool:
        return self.type is StateType.PENDING

    def is_running(self) -> bool:
        return self.type is StateType.RUNNING

    def is_completed(self) -> bool:
        return self.type is StateType.COMPLETED

    def is_failed(self) -> bool:
        return self.type is StateType.FAILED

    def is_crashed(self) -> bool:
        return self.type is StateType.CRASHED

    def is_cancelled(self) -> bool:
        return self.type is StateType.CANCELLED

    def is_cancelling(self) -> bool:
        return self.type is StateType.CANCELLING

    def is_paused(self) -> bool:
        return self.type is StateType.PAUSED

    def is_final(self) -> bool:
        return self.type in TERMINAL_STATES

    # -- result -----------------------------------------------------------------------
    def result(self, raise_on_failure: bool = True, fetch: bool = True) -> Any:
        """Return the run's result, or raise the error that ended it.

        Args:
            raise_on_failure: raise the run's exception when the state is Failed, Crashed
                or Cancelled; if False, return the exception instead (or the states the
                run returned, when it returned states).
            fetch: accepted for Prefect compatibility; persisted results are always fetched.

        Raises:
            The run's own exception, ``UnfinishedRun`` for a state that is not final, or
            ``MissingResult`` when the result was not persisted.
        """
        data = self.data
        if isinstance(data, dict) and data.get("__riverrun_result__"):
            from riverrun.results import load_result_reference

            data = load_result_reference(data)
        if self.type in (StateType.FAILED, StateType.CRASHED, StateType.CANCELLED):
            exc = _exception_for(self, data)
            if raise_on_failure:
                raise exc
            # Prefect hands back the states a run returned, else the exception.
            return data if isinstance(data, State) or _is_state_collection(data) else exc
        if self.type is StateType.PAUSED:
            exc = PausedRun(self.message or "The run is paused.")
            if raise_on_failure:
                raise exc
            return exc
        if self.type is not StateType.COMPLETED:
            raise UnfinishedRun(f"Run is in {self.type.value} state, its result is not available.")
        if data is None:
            # As Prefect: a Completed state that carries no result (one made by hand, or read
            # back from the store when the result was not persisted).
            raise MissingResult(
                "State data is missing. Typically, this occurs when result persistence is "
                "disabled and the state has been retrieved from the API."
            )
        if data is NONE_RESULT:
            return None
        if isinstance(data, _NotPersisted):
            raise MissingResult(
                "The result of this run was not persisted. Set persist_result=True on the "
                "flow or task (or RIVERRUN_RESULTS_PERSIST_BY_DEFAULT=true) to keep results."
            )
        return data

    async def aresult(
        self, raise_on_failure: bool = True, retry_result_failure: bool = True
    ) -> Any:
        """``result()`` for async code (Prefect's ``await state.aresult()``)."""
        return self.result(raise_on_failure=raise_on_failure)

    # -- copying and display -----------------------------------------------------------
    def fresh_copy(self, **kwargs: Any) -> State:
        """A copy of this state with a new ID and timestamp (``update={...}`` changes fields)."""
        update = {"id": new_id(), "timestamp": clock.now(), **(kwargs.pop("update", None) or {})}
        return self.model_copy(update=update)

    def model_copy(self, *, update: dict[str, Any] | None = None) -> State:
        values = {
            "type": self.type, "name": self.name, "message": self.message,
            "timestamp": self.timestamp, "data": self.data,
            "state_details": StateDetails(self.state_details), "id": self.id,
        }  # fmt: skip
        values.update(update or {})
        return State(**values)

    copy = model_copy

    def __repr__(self) -> str:
        data = (
            None if isinstance(self.data, _NotPersisted) or self.data is NONE_RESULT else self.data
        )
        return f"{self.name}(message={self.message!r}, type={self.type.value}, result={_short_repr(data)})"

    def __str__(self) -> str:
        return f"{self.name}({self.message!r})" if self.message else f"{self.name}()"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        return self.id == other.id and self.type == other.type and self.name == other.name

    def __hash__(self) -> int:
        return hash(self.id)

    # -- serialization -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form of the state, as stored and sent over HTTP."""
        return {
            "id": self.id,
            "type": self.type.value,
            "name": self.name,
            "message": self.message,
            "timestamp": self.timestamp.isoformat(),
            "data": self.data if _is_jsonable_reference(self.data) else None,
            "state_details": jsonable(self.state_details),
        }

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> State:
        ts = value.get("timestamp")
        if isinstance(ts, str):
            ts = datetime.fromisoformat(ts)
        return cls(
            type=value["type"],
            name=value.get("name"),
            message=value.get("message"),
            timestamp=ts,
            data=value.get("data"),
            state_details=dict(value.get("state_details") or {}),
            id=value.get("id"),
        )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def validate(value: Any) -> State:
            if isinstance(value, State):
                return value
            if isinstance(value, dict):
                return cls.from_dict(_checked_state_dict(value))
            raise ValueError("must be an object with at least a type")

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda s: s.to_dict(), when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "title": "State",
            "properties": {
                # Text, as every other ID of the API: a recorder may send any ID of up to 36
                # characters (riverrun's own are UUIDv7), and the server stores it as sent.
                "id": {"type": "string"},
                "type": {"type": "string", "enum": [t.value for t in StateType]},
                "name": {"type": "string"},
                "message": {"type": ["string", "null"]},
                "timestamp": {"type": "string", "format": "date-time"},
                "state_details": {
                    "type": "object",
                    "properties": {
                        k: {"type": ["string", "null"], "minLength": 1}
                        for k in sorted(_UUID_FIELDS)
                    },
                },
            },
            "required": ["type"],
        }


class _NotPersisted:
    """Marker for a result that exists only in the process that produced it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<result not persisted>"


NOT_PERSISTED = _NotPersisted()


class _NoneResult:
    """A run's result that is ``None``: told apart from a state that carries no result at all."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "None"

    def __reduce__(self) -> str:
        return "NONE_RESULT"  # unpickles as this module's singleton


NONE_RESULT = _NoneResult()


def _is_jsonable_reference(data: Any) -> bool:
    return isinstance(data, dict) and bool(data.get("__riverrun_result__"))


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_state_collection(data: Any) -> bool:
    return (
        isinstance(data, (list, tuple, set))
        and bool(data)
        and all(isinstance(v, State) for v in data)
    )


def _exception_for(state: State, data: Any) -> BaseException:
    if isinstance(data, BaseException):
        return data
    if isinstance(data, State):
        return _exception_for(data, data.data)
    if _is_state_collection(data):
        for inner in data:
            if inner.type in (StateType.FAILED, StateType.CRASHED, StateType.CANCELLED):
                return _exception_for(inner, inner.data)
    message = state.message or f"Run ended in state {state.name!r}."
    if state.type is StateType.CRASHED:
        return CrashedRun(message)
    if state.type is StateType.CANCELLED:
        return CancelledRun(message)
    return FailedRun(message)


def _make(type_: StateType, default_name: str | None = None):  # type: ignore[no-untyped-def]
    def constructor(cls: type[State] = State, **kwargs: Any) -> State:
        if default_name and not kwargs.get("name"):
            kwargs["name"] = default_name
        return cls(type=type_, **kwargs)

    constructor.__name__ = default_name or _DEFAULT_NAMES[type_]
    constructor.__doc__ = f"Return a {constructor.__name__} state (type {type_.value})."
    return constructor


def Scheduled(
    cls: type[State] = State, scheduled_time: datetime | None = None, **kwargs: Any
) -> State:
    """Return a Scheduled state (type SCHEDULED) due at ``scheduled_time`` (default: now).

    Raises:
        ValueError: ``scheduled_time`` is given and ``state_details`` has one too.
    """
    details = StateDetails(kwargs.pop("state_details", None) or {})
    if scheduled_time is not None and details.get("scheduled_time"):
        raise ValueError("An extra scheduled_time was provided in state_details")
    # Prefect replaces a scheduled_time given only in state_details with now; riverrun keeps
    # it (docs/compatibility.md, D20).
    if scheduled_time is not None or not details.get("scheduled_time"):
        details["scheduled_time"] = scheduled_time or clock.now()
    return cls(type=StateType.SCHEDULED, state_details=details, **kwargs)


def _scheduled_named(name: str):  # type: ignore[no-untyped-def]
    def constructor(
        cls: type[State] = State, scheduled_time: datetime | None = None, **kwargs: Any
    ) -> State:
        return Scheduled(cls=cls, scheduled_time=scheduled_time, name=name, **kwargs)

    constructor.__name__ = name
    constructor.__doc__ = f"Return a {name} state (type SCHEDULED) due at ``scheduled_time``."
    return constructor


Late = _scheduled_named("Late")
AwaitingRetry = _scheduled_named("AwaitingRetry")
AwaitingConcurrencySlot = _scheduled_named("AwaitingConcurrencySlot")
Pending = _make(StateType.PENDING)
Running = _make(StateType.RUNNING)
Retrying = _make(StateType.RUNNING, "Retrying")
Completed = _make(StateType.COMPLETED)
Cached = _make(StateType.COMPLETED, "Cached")
Failed = _make(StateType.FAILED)
TimedOut = _make(StateType.FAILED, "TimedOut")
Crashed = _make(StateType.CRASHED)
Cancelling = _make(StateType.CANCELLING)
Cancelled = _make(StateType.CANCELLED)


def Paused(
    cls: type[State] = State,
    timeout_seconds: int | float | None = None,
    pause_expiration_time: datetime | None = None,
    reschedule: bool = False,
    pause_key: str | None = None,
    **kwargs: Any,
) -> State:
    """Return a Paused state (type PAUSED), resumable until ``pause_timeout`` if one is given."""
    from datetime import timedelta

    details = dict(kwargs.pop("state_details", None) or {})
    if details.get("pause_timeout"):
        raise ValueError("An extra pause timeout was provided in state_details")
    if pause_expiration_time is not None and timeout_seconds is not None:
        raise ValueError("Cannot supply both a pause_expiration_time and timeout_seconds")
    if pause_expiration_time is not None or timeout_seconds is not None:
        details["pause_timeout"] = pause_expiration_time or clock.now() + timedelta(
            seconds=timeout_seconds or 0
        )
    details["pause_reschedule"] = reschedule
    details["pause_key"] = pause_key
    return cls(type=StateType.PAUSED, state_details=details, **kwargs)


def Suspended(
    cls: type[State] = State,
    timeout_seconds: int | float | None = None,
    pause_expiration_time: datetime | None = None,
    pause_key: str | None = None,
    **kwargs: Any,
) -> State:
    """Return a Suspended state: Paused with ``pause_reschedule`` (the process exits)."""
    return Paused(
        cls=cls, name="Suspended", reschedule=True, timeout_seconds=timeout_seconds,
        pause_expiration_time=pause_expiration_time, pause_key=pause_key, **kwargs,
    )  # fmt: skip


def get_state_exception(state: State) -> BaseException:
    """Return the exception a failed, crashed or cancelled state carries."""
    return _exception_for(state, state.data)


async def aget_state_exception(state: State) -> BaseException:
    """``get_state_exception`` for async code (Prefect's coroutine form)."""
    return get_state_exception(state)


def _ends_badly(state: State) -> bool:
    return state.type in (StateType.FAILED, StateType.CRASHED, StateType.CANCELLED)


def raise_state_exception(state: State) -> None:
    """Raise the exception of a failed, crashed or cancelled state; do nothing for others."""
    if _ends_badly(state):
        raise get_state_exception(state)


async def araise_state_exception(state: State) -> None:
    """``raise_state_exception`` for async code."""
    raise_state_exception(state)


async def get_state_result(
    state: State, raise_on_failure: bool = True, retry_result_failure: bool = True
) -> Any:
    """Return a state's result, as ``state.result()`` does (a coroutine, as in Prefect 3).

    ``retry_result_failure`` is accepted for Prefect's signature: results are read once.
    """
    return state.result(raise_on_failure=raise_on_failure)


def is_state_iterable(obj: Any) -> bool:
    """True for a non-empty list, set or tuple of states only (not dicts or other iterables)."""
    return _is_state_collection(obj)


def format_exception(exc: BaseException, tb: TracebackType | None = None) -> str:
    """``"Type: message"``, or the whole traceback when ``tb`` is given, with riverrun's own
    exception types named without their module (as Prefect does with its own)."""
    exc_type = type(exc)
    if tb is not None:
        formatted = "".join(traceback.format_exception(exc_type, exc, tb))
    else:
        formatted = f"{exc_type.__name__}: {exc}"
    if exc_type.__module__.startswith("riverrun."):
        formatted = formatted.replace(f"{exc_type.__module__}.{exc_type.__name__}",
                                      exc_type.__name__)  # fmt: skip
    return formatted


_CRASH_MESSAGES: tuple[tuple[type[BaseException], str], ...] = (
    (KeyboardInterrupt, "Execution was aborted by an interrupt signal."),
    (SystemExit, "Execution was aborted by Python system exit call."),
)


async def exception_to_crashed_state(exc: BaseException, result_store: Any = None) -> State:
    """A Crashed state for an exception raised outside user code, with Prefect's messages.

    ``result_store`` is accepted for Prefect's signature; the exception is the state's data.
    """
    import asyncio  # deferred: ~10 ms that runs not needing this function should not pay

    if isinstance(exc, asyncio.CancelledError):
        message = "Execution was cancelled by the runtime environment."
    elif isinstance(exc, TerminationSignal):
        message = "Execution was aborted by a termination signal."
    else:
        message = next(
            (text for kind, text in _CRASH_MESSAGES if isinstance(exc, kind)),
            f"Execution was interrupted by an unexpected exception: {format_exception(exc)}",
        )
    return Crashed(message=message, data=exc)


async def exception_to_failed_state(
    exc: BaseException | None = None,
    result_store: Any = None,
    write_result: bool = False,
    **kwargs: Any,
) -> State:
    """A Failed state (not retriable) carrying ``exc``, or the exception being handled.

    ``result_store`` and ``write_result`` are accepted for Prefect's signature; the exception
    is the state's data.

    Raises:
        ValueError: no exception was passed and none is being handled.
    """
    if exc is None:
        exc = sys.exc_info()[1]
        if exc is None:
            raise ValueError("Exception was not passed and no active exception could be found.")
    message = kwargs.pop("message", "") or ""
    if message and not message.endswith(" "):
        message += " "
    state = Failed(data=exc, message=message + format_exception(exc), **kwargs)
    state.state_details["retriable"] = False
    return state


__all__ = [
    "AwaitingConcurrencySlot",
    "AwaitingRetry",
    "Cached",
    "Cancelled",
    "Cancelling",
    "Completed",
    "Crashed",
    "Failed",
    "Late",
    "Paused",
    "Pending",
    "Retrying",
    "Running",
    "Scheduled",
    "State",
    "StateDetails",
    "StateType",
    "Suspended",
    "TERMINAL_STATES",
    "TimedOut",
    "aget_state_exception",
    "araise_state_exception",
    "exception_to_crashed_state",
    "exception_to_failed_state",
    "format_exception",
    "get_state_exception",
    "get_state_result",
    "is_state_iterable",
    "raise_state_exception",
]


_STATE_TYPE_NAMES = frozenset(t.value for t in StateType)


def _checked_state_dict(value: dict[str, Any]) -> dict[str, Any]:
    """The state's shape checked before ``State.from_dict`` parses it, so a missing or wrong
    field is an error naming it rather than one from inside the parser."""
    kind = value.get("type")
    if not isinstance(kind, str) or kind.upper() not in _STATE_TYPE_NAMES:
        raise ValueError(f"type must be one of {', '.join(sorted(_STATE_TYPE_NAMES))}")
    for field in ("name", "message", "timestamp", "id"):
        if value.get(field) is not None and not isinstance(value[field], str):
            raise ValueError(f"{field} must be a string")
    details = value.get("state_details")
    if details is not None and not isinstance(details, dict):
        raise ValueError("state_details must be an object")
    # An empty ID names no run: kept, it came back in answers as an ID to call with.
    for field, given in (details or {}).items():
        if (
            field in _UUID_FIELDS
            and given is not None
            and not isinstance(given, uuid.UUID)
            and (not isinstance(given, str) or not given)
        ):
            raise ValueError(f"state_details.{field} must be an ID (a non-empty string) or null")
    if isinstance(value.get("timestamp"), str):
        try:
            datetime.fromisoformat(value["timestamp"])
        except ValueError:
            raise ValueError("timestamp must be an ISO 8601 date-time") from None
    return {**value, "type": kind.upper()}
