"""Prefect's import path for the shared vocabulary: ``riverrun.client.schemas.*`` is
``riverrun.schemas.*`` (the same module objects, so ``isinstance`` and pickling agree).

The package itself re-exports what Prefect's ``prefect.client.schemas`` does (``FlowRun``,
``State``, ``BlockDocument``...), resolved on first use so importing it stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from riverrun.schemas import *  # noqa: F403

_REEXPORTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "BlockDocument",
            "BlockSchema",
            "BlockType",
            "BlockTypeUpdate",
            "DEFAULT_BLOCK_SCHEMA_VERSION",
        ),
        "riverrun.schemas.blocks",
    ),
    **dict.fromkeys(
        ("FlowRun", "FlowRunPolicy", "OrchestrationResult", "TaskRun", "TaskRunPolicy"),
        "riverrun.schemas.objects",
    ),
    **dict.fromkeys(("State", "StateDetails", "StateType"), "riverrun.states"),
    "StateCreate": "riverrun.schemas.actions",
}


def __getattr__(name: str) -> Any:
    module = _REEXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
