"""Annotations that change how the engine treats an argument: ``unmapped``, ``allow_failure``,
``quote``, ``opaque``; and ``freeze`` for deployment parameters."""

from __future__ import annotations

import warnings
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class BaseAnnotation(Generic[T]):
    """Wraps a value to tell the engine how to treat it."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def unwrap(self) -> T:
        return self.value

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.value == other.value  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class unmapped(BaseAnnotation[T]):
    """Pass the same value to every call of ``task.map`` instead of iterating over it."""

    def __getitem__(self, _: Any) -> T:
        return self.value


class allow_failure(BaseAnnotation[T]):
    """Let a task run even if this upstream future failed; it receives the exception."""


class quote(BaseAnnotation[T]):
    """Pass the value through untouched: no future resolution inside it."""

    def unquote(self) -> T:
        """The value inside."""
        return self.value


class Quote(quote[T]):
    """Prefect's old spelling of ``quote`` (deprecated there too)."""

    def __init__(self, value: T) -> None:
        warnings.warn("Use of `Quote` is deprecated. Use `quote` instead.", DeprecationWarning,
                      stacklevel=2)  # fmt: skip
        super().__init__(value)


class opaque(BaseAnnotation[T]):
    """Resolve the value if it is a future or a state, but never look inside what it holds.

    For a task argument whose value is large (a big dict, a DataFrame): without it the
    engine walks the value looking for futures to wait for.
    """


class NotSet:
    """A sentinel telling "not given" apart from ``None``."""


class freeze(BaseAnnotation[T]):
    """A deployment parameter the UI shows as fixed: runs of the deployment cannot change it.

    Raises:
        ValueError: the value is not JSON serializable.
    """

    def __init__(self, value: T) -> None:
        from pydantic_core import to_json  # deferred: freeze is rare, pydantic is not light

        try:
            to_json(value)
        except Exception:  # noqa: BLE001 - any failure means "not JSON"
            raise ValueError("Value must be JSON serializable") from None
        super().__init__(value)

    def unfreeze(self) -> T:
        """The value inside."""
        return self.value


__all__ = ["BaseAnnotation", "NotSet", "Quote", "allow_failure", "freeze", "opaque", "quote",
           "unmapped"]  # fmt: skip
