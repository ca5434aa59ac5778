"""Variables: named JSON values stored for flows to read, as in Prefect 3."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Optional

from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas.actions import VariableCreate, VariableUpdate
from riverrun.utilities.asyncutils import async_dispatch

_JSON = (str, int, float, bool, type(None), list, dict)
_NAME = re.compile(r"^[a-z0-9_-]+$")


class Variable:
    """A named JSON value: ``Variable.set("env", "pro")``, ``Variable.get("env")``.

    ``get``, ``set`` and ``unset`` are awaitable in async code (``await Variable.get("env")``)
    and plain calls in sync code, as in Prefect; ``aget``/``aset``/``aunset`` are always async.
    """

    name: str
    value: Any
    tags: list[str]

    def __init__(self, name: str, value: Any, tags: Optional[list[str]] = None) -> None:
        self.name = name
        self.value = value
        self.tags = list(tags or [])

    def __repr__(self) -> str:
        return f"Variable(name={self.name!r}, value={self.value!r}, tags={self.tags!r})"

    @staticmethod
    def _client() -> Any:
        from riverrun.client.orchestration import get_client

        return get_client(sync_client=True)

    @async_dispatch("aget")
    @classmethod
    def get(cls, name: str, default: Any = None) -> Any:
        """The value of variable ``name``, or ``default`` if there is none."""
        with cls._client() as client:
            variable = client.read_variable_by_name(name)
        return default if variable is None else variable.value

    @async_dispatch("aset")
    @classmethod
    def set(
        cls, name: str, value: Any, tags: Optional[list[str]] = None, overwrite: bool = False
    ) -> Variable:
        """Store ``value`` (JSON-compatible) under ``name``.

        Raises:
            ValueError: if the variable exists and ``overwrite`` is False.
        """
        if not _NAME.match(name):
            raise ValueError(
                f"Variable name {name!r} is not valid: variable names must only contain lowercase "
                "letters, numbers, and dashes or underscores (for example 'db_host')."
            )
        if not isinstance(value, _JSON):
            raise TypeError(
                f"Variable values must be JSON-compatible (str, number, bool, None, list, dict); "
                f"got {type(value).__name__}."
            )
        with cls._client() as client:
            existing = client.read_variable_by_name(name)
            if existing is not None and not overwrite:
                raise ObjectAlreadyExists(
                    f"Variable {name!r} already exists; pass overwrite=True to replace its value."
                )
            if existing is None:
                client.create_variable(VariableCreate(name=name, value=value, tags=tags or []))
            else:
                client.update_variable(VariableUpdate(value=value, tags=tags), name=name)
        return cls(name, value, tags)

    @async_dispatch("aunset")
    @classmethod
    def unset(cls, name: str) -> bool:
        """Delete variable ``name``; True if it existed."""
        with cls._client() as client:
            try:
                client.delete_variable_by_name(name)
            except ObjectNotFound:
                return False
        return True

    @classmethod
    async def aget(cls, name: str, default: Any = None) -> Any:
        """Async twin of ``get``; ``await Variable.get(...)`` in async code calls it."""
        return await asyncio.to_thread(cls.get, name, default, _sync=True)

    @classmethod
    async def aset(
        cls, name: str, value: Any, tags: Optional[list[str]] = None, overwrite: bool = False
    ) -> Variable:
        """Async twin of ``set``."""
        return await asyncio.to_thread(cls.set, name, value, tags, overwrite, _sync=True)

    @classmethod
    async def aunset(cls, name: str) -> bool:
        """Async twin of ``unset``."""
        return await asyncio.to_thread(cls.unset, name, _sync=True)


__all__ = ["Variable"]
