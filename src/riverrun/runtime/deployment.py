"""The deployment that started the current flow run: ``id``, ``name``, ``parameters``...

Runs started by calling a flow have no deployment: every attribute is None and
``parameters`` is ``{}``, as in Prefect.
"""

from __future__ import annotations

from typing import Any

# Every name is resolved by the module __getattr__ below.
__all__ = ["flow_run_id", "id", "name", "parameters", "version"]  # noqa: F822


def __getattr__(attribute: str) -> Any:
    from riverrun.context import FlowRunContext

    ctx = FlowRunContext.get()
    if attribute == "id":
        return getattr(ctx.info, "deployment_id", None) if ctx else None
    if attribute == "flow_run_id":
        return ctx.info.id if ctx and getattr(ctx.info, "deployment_id", None) else None
    if attribute == "parameters":
        return {}
    if attribute in ("name", "version"):
        return None
    raise AttributeError(f"riverrun.runtime.deployment has no attribute {attribute!r}; known: {__all__}")
