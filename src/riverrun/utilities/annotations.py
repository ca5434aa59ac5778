"""Annotations that change how the engine treats an argument: ``unmapped``, ``allow_failure``."""

from __future__ import annotations

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


__all__ = ["BaseAnnotation", "allow_failure", "quote", "unmapped"]
