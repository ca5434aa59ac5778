"""The one JSON encoder: every value that can appear in an event, in one form everywhere.

The embedded store, the remote sink (the body POSTed to ``/api/events``) and the spool all
write JSON with ``dumps``; the engine makes parameters and artifact data JSON-able with
``jsonable``, and ``json.loads(dumps(x)) == jsonable(x)`` for every ``x``. Values beyond
JSON's own take the form pydantic's JSON mode gives them, so the server's models (and the
client's) read them back as the same values:

=====================  ==================================================================
datetime, date, time   ISO 8601 text; a UTC offset of zero is written ``Z``
timedelta              ISO 8601 duration (``PT1.5S``, ``-PT23H59M57S``, ``P1Y35DT5H``)
UUID, Decimal, Path    their text
Enum                   its value (itself encoded)
set, frozenset, tuple  a list
bytes, bytearray       UTF-8 text (bytes that are not UTF-8 keep a ``\\xNN`` escape)
pydantic model         ``model_dump(mode="json")``
dataclass instance     an object of its fields
=====================  ==================================================================

Anything else becomes its ``repr`` (cut at 1,000 characters), and NaN and the infinities
are written as Python's ``json`` writes them: encoding never fails, so a value nobody
foresaw can never cost a batch of events. Dictionary keys become text as ``json`` makes
them (``None`` is ``"null"``, ``True`` is ``"true"``); other keys are encoded as values
first. This module imports nothing beyond the standard library: the engine's hot path
uses it, and pydantic costs ~40 ms to import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import pathlib
import uuid
from collections.abc import Callable
from typing import Any, Union, overload

JSONValue = Union[None, bool, int, float, str, list["JSONValue"], dict[str, "JSONValue"]]

_REPR_LIMIT = 1000
_NATIVE_SCALARS = (str, int, float, bool, type(None))


def _zulu(text: str) -> str:
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _datetime(value: dt.datetime) -> str:
    return _zulu(value.isoformat())


def _time(value: dt.time) -> str:
    return _zulu(value.isoformat())


def _date(value: dt.date) -> str:
    return value.isoformat()


def _duration(value: dt.timedelta) -> str:
    """ISO 8601 duration, as pydantic writes it (a year is 365 days)."""
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if micros < 0 else ""
    seconds, micros = divmod(abs(micros), 1_000_000)
    days, seconds = divmod(seconds, 86_400)
    years, days = divmod(days, 365)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    text = sign + "P"
    if years:
        text += f"{years}Y"
    if days:
        text += f"{days}D"
    if hours or minutes or seconds or micros or not (years or days):
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if seconds or micros or not (hours or minutes):
            text += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S"
    return text


def _bytes(value: bytes | bytearray | memoryview) -> str:
    return bytes(value).decode("utf-8", "backslashreplace")


def _enum(value: enum.Enum) -> Any:
    return value.value


def _set(value: set[Any] | frozenset[Any]) -> list[Any]:
    return list(value)


def _text(value: Any) -> str:
    return str(value)


def _model(value: Any) -> Any:
    try:
        return value.model_dump(mode="json")
    except Exception:  # noqa: BLE001 - a field pydantic cannot write: let this encoder try
        return value.model_dump()


def _dataclass(value: Any) -> dict[str, Any]:
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not cost the batch
        text = f"<{type(value).__qualname__} object>"
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


# Checked in order: subclasses before their bases (datetime is a date).
_ENCODERS: tuple[tuple[type[Any] | tuple[type[Any], ...], Callable[[Any], Any]], ...] = (
    (dt.datetime, _datetime),
    (dt.date, _date),
    (dt.time, _time),
    (dt.timedelta, _duration),
    (enum.Enum, _enum),
    (uuid.UUID, _text),
    (decimal.Decimal, _text),
    (pathlib.PurePath, _text),
    ((bytes, bytearray, memoryview), _bytes),
    ((set, frozenset), _set),
)
_by_type: dict[type[Any], Callable[[Any], Any]] = {}


def _encoder_for(cls: type[Any]) -> Callable[[Any], Any]:
    for base, encode in _ENCODERS:
        if issubclass(cls, base):
            return encode
    if hasattr(cls, "__pydantic_fields__") and hasattr(cls, "model_dump"):
        return _model
    if dataclasses.is_dataclass(cls):
        return _dataclass
    return _repr


def encode_value(value: Any) -> Any:
    """One step: a value JSON has no form for, as a value it has (possibly still nested).

    The ``default`` of the JSON encoder; ``jsonable`` applies it all the way down.
    """
    cls = type(value)
    encode = _by_type.get(cls)
    if encode is None:
        encode = _by_type[cls] = _encoder_for(cls)
    return encode(value)


_encode = json.JSONEncoder(default=encode_value, ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """``value`` as JSON text; never raises."""
    try:
        return _encode(value)
    except (TypeError, ValueError, RecursionError):
        # Keys json cannot write (a date, a tuple) or a container holding itself.
        return _encode(jsonable(value))


_CONSTANT_KEYS: dict[Any, str] = {None: "null", True: "true", False: "false"}


def _key(key: Any) -> str:
    """A key as ``json`` writes it (``None`` is ``"null"``, ``1.5`` is ``"1.5"``)."""
    if isinstance(key, str):
        return str.__str__(key)
    if key is None or isinstance(key, bool):
        return _CONSTANT_KEYS[key]
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        if key != key:
            return "NaN"
        if key in (float("inf"), float("-inf")):
            return "Infinity" if key > 0 else "-Infinity"
        return float.__repr__(key)
    encoded = jsonable(key)
    return encoded if isinstance(encoded, str) else dumps(encoded)


@overload
def jsonable(value: dict[Any, Any], _seen: frozenset[int] = ...) -> dict[str, JSONValue]: ...
@overload
def jsonable(value: Any, _seen: frozenset[int] = ...) -> JSONValue: ...


def jsonable(value: Any, _seen: frozenset[int] = frozenset()) -> JSONValue:
    """A copy of ``value`` made only of JSON's own types, as ``dumps`` would write it."""
    if isinstance(value, _NATIVE_SCALARS):
        if value.__class__ in _NATIVE_SCALARS or not isinstance(value, enum.Enum):
            return value  # type: ignore[no-any-return]
    if isinstance(value, (dict, list, tuple)):
        if id(value) in _seen:
            return f"<circular reference to a {type(value).__name__}>"
        seen = _seen | {id(value)}
        if isinstance(value, dict):
            return {_key(k): jsonable(v, seen) for k, v in value.items()}
        return [jsonable(v, seen) for v in value]
    return jsonable(encode_value(value), _seen)
