"""The deployment of the current flow run: ``id``, ``name``, ``parameters``, ``version``, ``flow_run_id``.

Outside a run of a deployment every attribute is None (``parameters`` is ``{}``), as in Prefect.
"""

from __future__ import annotations

from typing import Any

from riverrun.context import FlowRunContext

__all__ = ["flow_run_id", "id", "name", "parameters", "version"]  # noqa: F822

_cache: dict[str, Any] = {}


def _deployment() -> Any:
    ctx = FlowRunContext.get()
    deployment_id = getattr(ctx.info, "deployment_id", None) if ctx is not None else None
    if deployment_id is None:
        return None
    if deployment_id not in _cache:
        from riverrun.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            _cache[deployment_id] = client.read_deployment(deployment_id)
    return _cache[deployment_id]


def __getattr__(attribute: str) -> Any:
    if attribute not in __all__:
        raise AttributeError(
            f"riverrun.runtime.deployment has no attribute {attribute!r}; known: {__all__}"
        )
    if attribute == "flow_run_id":  # as Prefect: None for a run not started from a deployment
        ctx = FlowRunContext.get()
        return ctx.info.id if ctx is not None and getattr(ctx.info, "deployment_id", None) else None
    deployment = _deployment()
    if attribute == "parameters":
        return dict(deployment.parameters) if deployment is not None else {}
    return getattr(deployment, attribute) if deployment is not None else None
