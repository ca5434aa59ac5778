"""The current flow run: ``id``, ``name``, ``tags``, ``parameters``, ``flow_name``...

Outside a flow run every attribute is None (``parameters`` is ``{}``, ``tags`` ``[]``,
``run_count`` 0), as in Prefect. IDs are strings, as Prefect's runtime gives them.
"""

from __future__ import annotations

from typing import Any

from riverrun.context import FlowRunContext, TaskRunContext

# Every name is resolved by the module __getattr__ below.
__all__ = [  # noqa: F822
    "api_url", "flow_name", "flow_version", "id", "name", "parameters", "parent_deployment_id",
    "parent_flow_run_id", "root_flow_run_id", "run_count", "scheduled_start_time", "tags",
    "ui_url",
]  # fmt: skip


def _info() -> Any:
    ctx = FlowRunContext.get()
    return ctx.info if ctx is not None else None


def __getattr__(attribute: str) -> Any:
    info = _info()
    if attribute == "id":
        if info is None:
            task_ctx = TaskRunContext.get()
            return task_ctx.info.flow_run_id if task_ctx else None
        return info.id
    if attribute == "name":
        return info.name if info else None
    if attribute == "tags":
        return list(info.tags) if info else []
    if attribute == "parameters":
        return dict(info.parameters) if info else {}
    if attribute == "flow_name":
        return info.flow_name if info else None
    if attribute == "flow_version":
        return info.flow_version if info else None
    if attribute == "run_count":
        return info.run_count if info else 0
    if attribute == "parent_flow_run_id":
        return info.parent_flow_run_id if info else None
    if attribute == "root_flow_run_id":
        return info.root_flow_run_id if info else None
    if attribute == "parent_deployment_id":
        # Prefect's: the deployment of the parent flow run, if it has one.
        if info is None or info.parent_flow_run_id is None:
            return None
        from riverrun.runtime.deployment import stored_run

        parent = stored_run(info.parent_flow_run_id).deployment_id
        return str(parent) if parent is not None else None
    if attribute == "scheduled_start_time":
        from riverrun._internal import clock

        if info is None:
            return clock.now()
        if getattr(info, "deployment_id", None):
            # A deployment's run was scheduled for a time (Prefect: its expected start time);
            # its process may start later.
            from riverrun.runtime.deployment import stored_run

            expected = stored_run(info.id).expected_start_time
            if expected is not None:
                return expected
        return clock.from_us(info.created)
    if attribute == "api_url":
        from riverrun.settings import get_current_settings

        return get_current_settings().api_url or None
    if attribute == "ui_url":
        return None
    raise AttributeError(
        f"riverrun.runtime.flow_run has no attribute {attribute!r}; known: {__all__}"
    )
