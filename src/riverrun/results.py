"""Persisted results: files under ``$RIVERRUN_HOME/storage``, one per result key.

A file holds one JSON header line (serializer, expiration, created) and then the payload,
so a cached value survives a new process and an expired one is recognised without
unpickling it. Writes are atomic (temp file + rename) so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from riverrun._internal import clock
from riverrun.exceptions import MissingResult, SerializationError

REFERENCE_MARK = "__riverrun_result__"
SERIALIZERS = ("pickle", "json")


def storage_path() -> Path:
    from riverrun.settings import get_current_settings

    return get_current_settings().storage_path


def _serialize(value: Any, serializer: str) -> bytes:
    if serializer == "json":
        try:
            return json.dumps(value).encode()
        except (TypeError, ValueError) as exc:
            raise SerializationError(
                f"The result cannot be serialized as JSON ({exc}). Return JSON-compatible "
                "values, or use result_serializer='pickle'."
            ) from None
    if serializer == "pickle":
        import cloudpickle

        try:
            return cloudpickle.dumps(value)
        except Exception as exc:  # noqa: BLE001 - pickling can raise anything
            raise SerializationError(
                f"The result of type {type(value).__name__} cannot be pickled ({exc}). "
                "Return a picklable value, or set persist_result=False."
            ) from None
    raise SerializationError(f"Unknown result serializer {serializer!r}; use one of {SERIALIZERS}.")


def _deserialize(payload: bytes, serializer: str) -> Any:
    if serializer == "json":
        return json.loads(payload)
    import cloudpickle

    return cloudpickle.loads(payload)


def write_result(
    key: str, value: Any, serializer: str = "pickle", expiration: datetime | None = None
) -> dict[str, Any]:
    """Persist ``value`` under ``key``; return the reference stored with the state."""
    payload = _serialize(value, serializer)
    header = {
        "serializer": serializer,
        "expiration": clock.to_us(expiration) if expiration else None,
        "created": clock.now_us(),
    }
    directory = storage_path()
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(header).encode() + b"\n")
            fh.write(payload)
        os.replace(tmp, directory / _safe(key))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {REFERENCE_MARK: True, "storage_key": key, "serializer": serializer}


def read_result(key: str, *, honour_expiration: bool = True) -> tuple[bool, Any]:
    """Return ``(True, value)`` for a stored, unexpired result, else ``(False, None)``."""
    path = storage_path() / _safe(key)
    try:
        raw = path.read_bytes()
    except OSError:
        return False, None
    newline = raw.find(b"\n")
    try:
        header = json.loads(raw[:newline])
        if honour_expiration and header.get("expiration") and header["expiration"] < clock.now_us():
            return False, None
        return True, _deserialize(raw[newline + 1 :], header.get("serializer", "pickle"))
    except Exception:  # noqa: BLE001 - a damaged cache entry is a miss, not a failure
        return False, None


def load_result_reference(reference: dict[str, Any]) -> Any:
    """Load the value a state's stored result reference points to."""
    found, value = read_result(reference["storage_key"], honour_expiration=False)
    if not found:
        raise MissingResult(
            f"The persisted result {reference['storage_key']!r} is not in {storage_path()}; it "
            "may have been deleted or written under another RIVERRUN_HOME."
        )
    return value


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
