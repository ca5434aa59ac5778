"""The current task run: ``id``, ``name``, ``tags``, ``parameters``, ``task_name``, ``run_count``.

Outside a task run every attribute is None (``parameters`` is ``{}``).
"""

from __future__ import annotations

from typing import Any

from riverrun.context import TaskRunContext

# Every name is resolved by the module __getattr__ below.
__all__ = [  # noqa: F822
    "api_url",
    "id",
    "name",
    "parameters",
    "run_count",
    "tags",
    "task_name",
    "ui_url",
]


def __getattr__(attribute: str) -> Any:
    ctx = TaskRunContext.get()
    info = ctx.info if ctx is not None else None
    if attribute == "id":
        return info.id if info else None
    if attribute == "name":
        return info.name if info else None
    if attribute == "tags":
        return list(info.tags) if info else []
    if attribute == "parameters":
        return dict(ctx.parameters) if ctx else {}
    if attribute == "task_name":
        return ctx.task.name if ctx else None
    if attribute == "run_count":
        return info.run_count if info else 0
    if attribute == "api_url":
        from riverrun.settings import get_current_settings

        return get_current_settings().api_url or None
    if attribute == "ui_url":
        return None
    raise AttributeError(
        f"riverrun.runtime.task_run has no attribute {attribute!r}; known: {__all__}"
    )
