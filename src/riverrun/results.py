"""Persisted results: files under ``$RIVERRUN_HOME/storage``, one per result key.

A file is Prefect's result record, so tools that read Prefect's result files read ours: one
JSON document ``{"metadata": {"storage_key", "expiration", "serializer", "prefect_version",
"storage_block_id"}, "result": "<serialized value>"}``, the value serialized as Prefect's
``PickleSerializer`` (base64 cloudpickle) or ``JSONSerializer`` (JSON text) writes it. An
expired entry is recognised from the metadata without unpickling. Files in riverrun's
earlier format (a JSON header line, then the raw payload) are still read. Writes are atomic
(temp file + rename) so a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from riverrun._internal import clock
from riverrun.exceptions import ConfigurationError, MissingResult, SerializationError

REFERENCE_MARK = "__riverrun_result__"
SERIALIZERS = ("pickle", "json")
# The Prefect release whose result-record format the files follow (its readers check it).
RECORD_FORMAT_VERSION = "3.9.1"
# The serializer metadata Prefect writes for its default serializers.
_SERIALIZER_METADATA: dict[str, dict[str, Any]] = {
    "pickle": {"type": "pickle", "picklelib": "cloudpickle", "picklelib_version": None},
    "json": {
        "type": "json", "jsonlib": "json",
        "object_encoder": "prefect.serializers.prefect_json_object_encoder",
        "object_decoder": "prefect.serializers.prefect_json_object_decoder",
        "dumps_kwargs": {}, "loads_kwargs": {},
    },
}  # fmt: skip


def storage_path() -> Path:
    from riverrun.settings import get_current_settings

    return get_current_settings().storage_path


def storage_directory(result_storage: Any) -> Path | None:
    """The directory a task's or store's ``result_storage`` names, None for the default.

    ``result_storage`` is a directory (``str`` / ``Path``), a file system block with a
    ``basepath`` (``riverrun.filesystems.LocalFileSystem``), or None.
    """
    if result_storage is None:
        return None
    if hasattr(result_storage, "basepath"):
        return Path(result_storage.basepath or ".").expanduser().resolve()
    if isinstance(result_storage, (str, os.PathLike)):
        return Path(result_storage).expanduser()
    raise ConfigurationError(
        f"result_storage {result_storage!r} is not a storage location; pass a directory path or "
        "a file system block such as riverrun.filesystems.LocalFileSystem(basepath=...)."
    )


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
    key: str,
    value: Any,
    serializer: str = "pickle",
    expiration: datetime | None = None,
    directory: Path | None = None,
) -> dict[str, Any]:
    """Persist ``value`` under ``key`` (in ``directory``, default the storage path) as a
    Prefect result record; return the reference stored with the state."""
    payload = _serialize(value, serializer)
    directory = directory or storage_path()
    path = directory / _safe(key)
    # Prefect's serializers base64-encode pickles; JSON is stored as its text.
    text = base64.encodebytes(payload).decode() if serializer == "pickle" else payload.decode()
    record = {
        "metadata": {
            "storage_key": str(path),
            "expiration": expiration.isoformat() if expiration else None,
            "serializer": _SERIALIZER_METADATA[serializer],
            "prefect_version": RECORD_FORMAT_VERSION,
            "storage_block_id": None,
        },
        "result": text,
    }
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(record, separators=(",", ":")).encode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    reference: dict[str, Any] = {REFERENCE_MARK: True, "storage_key": key, "serializer": serializer}
    if directory != storage_path():
        reference["directory"] = str(directory)
    return reference


def _parse_record(raw: bytes) -> tuple[str, int | None, bytes]:
    """``(serializer type, expiration in µs or None, payload bytes)`` of a stored file."""
    newline = raw.find(b"\n")
    if raw.startswith(b'{"metadata"') or newline < 0:
        record = json.loads(raw)
        metadata = record["metadata"]
        kind = metadata["serializer"]["type"]
        expiration = metadata.get("expiration")
        expires_us = clock.to_us(datetime.fromisoformat(expiration)) if expiration else None
        text: str = record["result"]
        payload = base64.decodebytes(text.encode()) if kind == "pickle" else text.encode()
        return kind, expires_us, payload
    # riverrun's earlier format: a JSON header line, then the raw payload.
    header = json.loads(raw[:newline])
    return header.get("serializer", "pickle"), header.get("expiration"), raw[newline + 1 :]


def read_result(
    key: str, *, honour_expiration: bool = True, directory: Path | None = None
) -> tuple[bool, Any]:
    """Return ``(True, value)`` for a stored, unexpired result, else ``(False, None)``."""
    path = (directory or storage_path()) / _safe(key)
    try:
        raw = path.read_bytes()
    except OSError:
        return False, None
    try:
        kind, expires_us, payload = _parse_record(raw)
        if honour_expiration and expires_us is not None and expires_us < clock.now_us():
            return False, None
        return True, _deserialize(payload, kind)
    except Exception:  # noqa: BLE001 - a damaged cache entry is a miss, not a failure
        return False, None


def load_result_reference(reference: dict[str, Any]) -> Any:
    """Load the value a state's stored result reference points to."""
    stored_in = reference.get("directory")
    directory = Path(stored_in) if stored_in else storage_path()
    found, value = read_result(
        reference["storage_key"], honour_expiration=False, directory=directory
    )
    if not found:
        raise MissingResult(
            f"The persisted result {reference['storage_key']!r} is not in {directory}; it "
            "may have been deleted or written under another RIVERRUN_HOME."
        )
    return value


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)


class ResultRecord:
    """A stored result read back: ``result`` (the value) and ``metadata`` (its storage key...)."""

    __slots__ = ("result", "metadata")

    def __init__(self, result: Any, metadata: dict[str, Any]) -> None:
        self.result = result
        self.metadata = metadata

    def __repr__(self) -> str:
        return f"ResultRecord(result={self.result!r}, metadata={self.metadata!r})"


class ResultStore:
    """Reads and writes results by key, as Prefect's ``ResultStore``.

    Args:
        result_storage: where results live: a directory (``str`` / ``Path``), an object with a
            ``basepath`` (a local file system block), or None for ``$RIVERRUN_HOME/storage``.
        lock_manager: a ``riverrun.locking`` manager; needed for SERIALIZABLE transactions.
        serializer: ``"pickle"`` (default) or ``"json"``.
        cache_result_in_memory: kept for Prefect's signature; results are read from disk.

    Example:
        >>> store = ResultStore()
        >>> store.write("answer", 42)
        >>> store.read("answer").result
        42
    """

    result_storage: Any
    metadata_storage: Any
    lock_manager: Any
    cache_result_in_memory: bool
    serializer: str
    storage_key_fn: Any
    cache: dict[str, ResultRecord]
    result_storage_block_id: Any = None

    def __init__(
        self,
        result_storage: Any = None,
        metadata_storage: Any = None,
        lock_manager: Any = None,
        cache_result_in_memory: bool = True,
        serializer: str = "pickle",
        storage_key_fn: Any = None,
    ) -> None:
        self.result_storage = result_storage
        self.metadata_storage = metadata_storage
        self.lock_manager = lock_manager
        self.cache_result_in_memory = cache_result_in_memory
        self.serializer = getattr(serializer, "type", serializer)
        self.storage_key_fn = storage_key_fn or DEFAULT_STORAGE_KEY_FN
        self.cache: dict[str, ResultRecord] = {}

    @property
    def directory(self) -> Path:
        """The directory results are read from and written to."""
        return storage_directory(self.result_storage) or storage_path()

    def exists(self, key: str) -> bool:
        """Whether an unexpired result is stored under ``key``."""
        found, _ = read_result(key, directory=self.directory)
        return found

    def read(self, key: str, holder: str | None = None) -> ResultRecord:
        """The record stored under ``key``; raises ``MissingResult`` when there is none.

        With a lock manager, waits while another holder has ``key`` locked.
        """
        if self.lock_manager is not None and not self.is_lock_holder(key, holder):
            self.wait_for_lock(key)
        found, value = read_result(key, honour_expiration=False, directory=self.directory)
        if not found:
            raise MissingResult(f"No result is stored under key {key!r} in {self.directory}.")
        return ResultRecord(value, {"storage_key": key, "serializer": self.serializer})

    def write(
        self, key: str, obj: Any, expiration: datetime | None = None, holder: str | None = None
    ) -> None:
        """Store ``obj`` under ``key``; raises ``RuntimeError`` if another holder has it locked."""
        if (
            self.lock_manager is not None
            and self.is_locked(key)
            and not self.is_lock_holder(key, holder)
        ):
            raise RuntimeError(
                f"Cannot write to result record with key {key} because it is locked by another holder."
            )
        write_result(key, obj, self.serializer, expiration, directory=self.directory)

    def supports_isolation_level(self, level: Any) -> bool:
        """READ_COMMITTED always; SERIALIZABLE only with a lock manager."""
        name = getattr(level, "name", str(level))
        return name == "READ_COMMITTED" or (
            name == "SERIALIZABLE" and self.lock_manager is not None
        )

    @staticmethod
    def generate_default_holder() -> str:
        """The default lock holder: this host, process and thread, as Prefect names it."""
        import socket
        import threading

        thread = threading.current_thread()
        return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{thread.name}"

    def _holder(self, holder: str | None) -> str:
        return holder or self.generate_default_holder()

    def create_result_record(
        self, obj: Any, key: str | None = None, expiration: datetime | None = None
    ) -> ResultRecord:
        """A record of ``obj`` under ``key`` (default: ``storage_key_fn()``), not yet written."""
        key = key or self.storage_key_fn()
        metadata = {"storage_key": key, "expiration": expiration, "serializer": self.serializer}
        return ResultRecord(obj, metadata)

    def persist_result_record(self, result_record: ResultRecord, holder: str | None = None) -> None:
        """Write a record made by ``create_result_record``."""
        meta = result_record.metadata
        self.write(meta["storage_key"], result_record.result, meta.get("expiration"), holder)

    # The async twins, as Prefect's ResultStore has them (the file I/O runs on a thread).
    async def aexists(self, key: str) -> bool:
        return await asyncio.to_thread(self.exists, key)

    async def aread(self, key: str, holder: str | None = None) -> ResultRecord:
        return await asyncio.to_thread(self.read, key, holder)

    async def awrite(
        self, key: str, obj: Any, expiration: datetime | None = None, holder: str | None = None
    ) -> None:
        await asyncio.to_thread(self.write, key, obj, expiration, holder)

    async def apersist_result_record(
        self, result_record: ResultRecord, holder: str | None = None
    ) -> None:
        await asyncio.to_thread(self.persist_result_record, result_record, holder)

    async def aacquire_lock(
        self, key: str, holder: str | None = None, timeout: float | None = None
    ) -> bool:
        return await asyncio.to_thread(self.acquire_lock, key, holder, timeout)

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        return await asyncio.to_thread(self.wait_for_lock, key, timeout)

    def acquire_lock(
        self, key: str, holder: str | None = None, timeout: float | None = None
    ) -> bool:
        """Lock ``key`` for ``holder`` (default: this process and thread)."""
        if self.lock_manager is None:
            raise ConfigurationError(
                "Result store is not configured with a lock manager. Please set a lock manager "
                "when creating the result store to enable locking."
            )
        return bool(self.lock_manager.acquire_lock(key, self._holder(holder), timeout))

    def release_lock(self, key: str, holder: str | None = None) -> None:
        """Release ``holder``'s lock on ``key``."""
        if self.lock_manager is None:
            raise ConfigurationError("Result store is not configured with a lock manager.")
        self.lock_manager.release_lock(key, self._holder(holder))

    def is_locked(self, key: str) -> bool:
        """Whether ``key`` is locked by anyone."""
        return self.lock_manager is not None and bool(self.lock_manager.is_locked(key))

    def is_lock_holder(self, key: str, holder: str | None = None) -> bool:
        """Whether ``holder`` (default: this process and thread) holds the lock on ``key``."""
        return self.lock_manager is not None and bool(
            self.lock_manager.is_lock_holder(key, self._holder(holder))
        )

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is unlocked; False if still locked after ``timeout`` seconds."""
        return self.lock_manager is None or bool(self.lock_manager.wait_for_lock(key, timeout))


def get_result_store() -> ResultStore:
    """The result store of the current run (``$RIVERRUN_HOME/storage``)."""
    return ResultStore()


def DEFAULT_STORAGE_KEY_FN() -> str:  # noqa: N802 - Prefect's name
    """A new random storage key."""
    return uuid.uuid4().hex


def get_default_result_serializer() -> str:
    """The serializer results use unless a task or flow says otherwise (a setting)."""
    from riverrun.settings import get_current_settings

    return str(get_current_settings().results_default_serializer)


def get_default_persist_setting() -> bool:
    """Whether results are persisted by default (``RIVERRUN_RESULTS_PERSIST_BY_DEFAULT``)."""
    from riverrun.settings import get_current_settings

    return bool(get_current_settings().results_persist_by_default)


get_default_persist_setting_for_tasks = get_default_persist_setting


def resolve_serializer(serializer: Any) -> Any:
    """A ``riverrun.serializers.Serializer`` for a serializer or its type name (``"json"``)."""
    from riverrun.serializers import Serializer

    if isinstance(serializer, Serializer):
        return serializer
    if isinstance(serializer, str):
        return Serializer(type=serializer)
    raise TypeError(
        f"Result serializer {serializer!r} is not a serializer; pass a type name such as "
        "'pickle' or 'json', or a riverrun.serializers.Serializer."
    )
