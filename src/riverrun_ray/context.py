"""``remote_options``: Ray ``@remote`` options (CPUs, GPUs, memory...) for task runs in a block."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_remote_options: ContextVar[dict[str, Any] | None] = ContextVar(
    "riverrun_ray_remote_options", default=None
)


def current_remote_options() -> dict[str, Any]:
    """The options of the enclosing ``remote_options`` blocks (empty outside any)."""
    return _remote_options.get() or {}


@contextlib.contextmanager
def remote_options(**new_remote_options: Any) -> Iterator[dict[str, Any]]:
    """Pass keyword arguments to Ray's ``.options(...)`` for task runs submitted in this block.

    Nested blocks merge, the inner value winning for a key present in both.

    Example:
        >>> with remote_options(num_cpus=4, num_gpus=1):
        ...     process.submit(42)
    """
    merged = {**current_remote_options(), **new_remote_options}
    token = _remote_options.set(merged)
    try:
        yield merged
    finally:
        _remote_options.reset(token)
