"""Run one stored flow run of a deployment in this process: ``python -m riverrun.deployments._execute ID``.

``serve()`` starts one of these per run. The flow is loaded from the deployment's entrypoint
and run as the stored run (its ID, name, tags, parameters), so states, logs and results are
recorded as for any flow. A flow that cannot be loaded fails the run with the reason.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any


def execute(flow_run_id: str) -> int:
    """Run the flow run; 0 when it completed, 1 otherwise."""
    from riverrun._engine.adopt import AdoptedRun, adopt
    from riverrun.client.orchestration import get_client
    from riverrun.deployments.loading import load_flow_from_entrypoint
    from riverrun.states import Failed

    client = get_client(sync_client=True)
    run = client.read_flow_run(flow_run_id)
    if run.deployment_id is None:
        print(f"Flow run {flow_run_id} has no deployment; nothing to execute.", file=sys.stderr)
        return 2
    deployment = client.read_deployment(run.deployment_id)
    try:
        if not deployment.entrypoint:
            raise ValueError(f"Deployment {deployment.name!r} has no entrypoint.")
        flow: Any = load_flow_from_entrypoint(
            deployment.entrypoint, base=Path(deployment.path) if deployment.path else None
        )
    except Exception as exc:  # noqa: BLE001 - any import failure fails the run with its reason
        message = (
            f"Could not load the flow from {deployment.entrypoint!r}: {type(exc).__name__}: {exc}"
        )
        client.set_flow_run_state(run.id, Failed(message=message), force=True)
        print(message, file=sys.stderr)
        return 1
    adopt(AdoptedRun(run.id, run.name, list(run.tags), deployment.id))
    result = flow(**run.parameters, return_state=True)
    state = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return 0 if state.is_completed() else 1


if __name__ == "__main__":
    sys.exit(execute(sys.argv[1]))
