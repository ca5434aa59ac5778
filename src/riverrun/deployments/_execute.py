"""Run one stored flow run of a deployment in this process: ``python -m riverrun.deployments._execute ID``.

``serve()`` and process workers run ``execute`` in a fork of their fork server
(``_launch.py``), which has imported riverrun already; this module as a program is the cold
start, where forking is not possible. The flow is loaded from the deployment's entrypoint
and run as the stored run (its ID, name, tags, parameters), so states, logs and results are
recorded as for any flow. A flow that cannot be loaded fails the run with the reason
(a worker asks for ``Crashed`` instead, as Prefect's workers do, with the error in the logs).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any


def execute(flow_run_id: str, on_load_error: str = "fail") -> int:
    """Run the flow run; 0 when it completed, 1 otherwise.

    ``on_load_error``: ``fail`` (serve: the run ends Failed) or ``crash`` (a worker: the run
    ends Crashed, and the error is also one of the run's logs).
    """
    from riverrun._engine.adopt import AdoptedRun, adopt
    from riverrun._engine.watch import confirm_handed_lease
    from riverrun.client.orchestration import get_client
    from riverrun.deployments.loading import load_flow_from_entrypoint
    from riverrun.states import Crashed, Failed

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
        if on_load_error == "crash":
            _log_error(run.id, message)
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
        else:
            client.set_flow_run_state(run.id, Failed(message=message), force=True)
        print(message, file=sys.stderr)
        return 1
    lost = confirm_handed_lease(client, run.id)
    if lost is not None:  # frozen before the run started, and it was run by another since
        print(lost, file=sys.stderr)
        return 1
    pending = run.state_type is not None and run.state_type.value == "PENDING"
    adopt(AdoptedRun(run.id, run.name, list(run.tags), deployment.id, pending))
    result = flow(**run.parameters, return_state=True)
    state = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return 0 if state.is_completed() else 1


def _log_error(flow_run_id: str, message: str) -> None:
    """Record ``message`` as an ERROR log line of the run (the engine never started it)."""
    import logging

    from riverrun._internal.clock import now_us
    from riverrun._internal.ids import new_id
    from riverrun._recording.recorder import get_recorder

    event = {"kind": "log", "id": new_id(), "flow_run_id": flow_run_id, "task_run_id": None,
             "name": "riverrun.flow_runs.worker", "level": logging.ERROR, "message": message,
             "timestamp": now_us()}  # fmt: skip
    recorder = get_recorder()
    recorder.record(event)  # type: ignore[arg-type]
    recorder.flush()


if __name__ == "__main__":
    sys.exit(execute(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "fail"))
