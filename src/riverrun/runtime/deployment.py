"""The deployment of the current flow run: ``id``, ``name``, ``parameters``, ``version``, ``flow_run_id``.

As Prefect's ``prefect.runtime.deployment``:

- ``id``: the deployment the run was created from; a subflow of a deployment's run (in the
  same process) sees its root run's deployment.
- ``parameters``: the parameters of that run as stored (the deployment's defaults merged with
  the trigger's, as JSON values); in a flow run of no deployment, the run's own parameters.
- ``name``, ``version``: the deployment's.
- ``flow_run_id``: the current flow run's ID, in any flow run.

Outside a flow run every attribute is None (``parameters`` is ``{}``).
"""

from __future__ import annotations

from typing import Any

from riverrun.context import FlowRunContext

__all__ = ["flow_run_id", "id", "name", "parameters", "version"]  # noqa: F822

_deployments: dict[str, Any] = {}
_runs: dict[str, Any] = {}


def stored_run(run_id: str) -> Any:
    """The stored flow run (read once per process: what runtime reads of it never changes)."""
    if run_id not in _runs:
        from riverrun.client.orchestration import get_client

        if len(_runs) >= 1_000:  # a long-lived process runs many flows: a bound on memory
            _runs.clear()

        with get_client(sync_client=True) as client:
            _runs[run_id] = client.read_flow_run(run_id)
    return _runs[run_id]


def _deployment_run() -> tuple[str | None, str | None]:
    """(the deployment's ID, the ID of its run this code is part of), or Nones."""
    ctx = FlowRunContext.get()
    if ctx is None:
        return None, None
    info = ctx.info
    if getattr(info, "deployment_id", None):
        return str(info.deployment_id), info.id
    root = getattr(info, "root_flow_run_id", None)
    if root and root != info.id:
        deployment_id = stored_run(root).deployment_id
        if deployment_id is not None:
            return str(deployment_id), root
    return None, None


def _deployment(deployment_id: str) -> Any:
    if deployment_id not in _deployments:
        from riverrun.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            _deployments[deployment_id] = client.read_deployment(deployment_id)
    return _deployments[deployment_id]


def __getattr__(attribute: str) -> Any:
    if attribute not in __all__:
        raise AttributeError(
            f"riverrun.runtime.deployment has no attribute {attribute!r}; known: {__all__}"
        )
    ctx = FlowRunContext.get()
    if attribute == "flow_run_id":
        return ctx.info.id if ctx is not None else None
    deployment_id, run_id = _deployment_run()
    if attribute == "id":
        return deployment_id
    if attribute == "parameters":
        if ctx is None:
            return {}
        return dict(stored_run(run_id or ctx.info.id).parameters or {})
    if deployment_id is None:
        return None
    return getattr(_deployment(deployment_id), attribute)
