"""``riverrun flow-run retry`` and ``watch`` (Prefect's commands of the same names).

Registered on the ``flow-run`` group by ``register(app)``, so ``_cli/flow_run.py`` keeps its
listing and reading commands and this module the ones that change or follow a run.
"""

from __future__ import annotations

import time
from typing import Any

import typer

_TERMINAL = ("COMPLETED", "FAILED", "CANCELLED", "CRASHED")


def _find_run(client: Any, id_or_name: str) -> Any:
    """The flow run with this ID, or the one flow run with this name."""
    from riverrun._cli._common import fail, not_found
    from riverrun.exceptions import ObjectNotFound
    from riverrun.schemas.filters import FlowRunFilter, FlowRunFilterName

    try:
        run = client.read_flow_run(id_or_name)
        if run is not None:
            return run
    except (ObjectNotFound, ValueError):
        pass
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[id_or_name])), limit=2
    )
    if not runs:
        not_found(id_or_name)
    if len(runs) > 1:
        fail(
            f"Several flow runs are named {id_or_name!r}; use the flow run's ID (`riverrun flow-run ls` lists them)."
        )
    return runs[0]


def retry(
    id_or_name: str = typer.Argument(..., metavar="ID-OR-NAME", help="The flow run's ID or name."),
    entrypoint: str | None = typer.Option(
        None,
        "--entrypoint",
        "-e",
        help="path/to/file.py:flow_function_name of the flow; needed when the run has no deployment.",
    ),
) -> None:
    """Retry a failed or completed flow run.

    A run of a deployment is scheduled again and its worker (or serve process) picks it up.
    A run without a deployment needs --entrypoint: the flow runs here, as that same run.

    \b
    Examples:
      riverrun flow-run retry 01a2...
      riverrun flow-run retry nimble-fox --entrypoint ./flows/etl.py:etl
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.states import Scheduled

    with sync_client() as client:
        run = _find_run(client, id_or_name)
        state_type = str(run.state.type) if run.state is not None else "unknown"
        if state_type not in _TERMINAL:
            fail(
                f"Flow run '{run.id}' is in state '{state_type}' and cannot be retried. Only flow runs "
                "in terminal states (COMPLETED, FAILED, CANCELLED, CRASHED) can be retried."
            )
        if run.deployment_id is None and not entrypoint:
            fail(
                f"Flow run '{run.id}' does not have an associated deployment. Please provide an "
                f"--entrypoint to the flow code. Example: riverrun flow-run retry {run.id} "
                "--entrypoint ./flows/my_flow.py:my_flow"
            )
        flow = None
        if run.deployment_id is None:
            from riverrun.deployments.loading import load_flow_from_entrypoint

            try:
                flow = load_flow_from_entrypoint(str(entrypoint), use_placeholder_flow=False)
            except Exception as exc:  # noqa: BLE001 - any import failure is the user's to see
                fail(f"Failed to load flow from entrypoint '{entrypoint}': {exc}")
        message = "Retried via CLI" if flow is None else "Retried via CLI (local execution)"
        result = client.set_flow_run_state(run.id, Scheduled(message=message), force=True)
        if result.status in ("ABORT", "REJECT"):
            fail(f"Flow run '{run.id}' could not be retried. Reason: '{result.reason}'")
    if flow is None:
        typer.echo(
            f"Flow run '{run.id}' has been scheduled for retry. A worker will pick it up shortly."
        )
        return
    _run_here(flow, run)


def _run_here(flow: Any, run: Any) -> None:
    import asyncio

    from riverrun._cli._common import fail
    from riverrun._engine.adopt import AdoptedRun, adopt

    typer.echo(f"Executing flow run '{run.id}' locally...")
    adopt(AdoptedRun(run.id, run.name, list(run.tags), None))
    try:
        outcome = flow(**(run.parameters or {}), return_state=True)
    except TypeError as exc:
        fail(
            f"Failed to use parameters from previous attempt ({exc}). Please ensure the flow "
            "signature has not changed since the last run."
        )
    state = asyncio.run(outcome) if asyncio.iscoroutine(outcome) else outcome
    if state.is_completed():
        typer.echo(f"Flow run '{run.id}' completed successfully.")
        return
    fail(f"Flow run '{run.id}' finished with state: {state.type}")


def watch(
    flow_run_id: str = typer.Argument(..., metavar="ID", help="The flow run's ID."),
    timeout: int | None = typer.Option(None, "--timeout", min=1, help="Timeout in seconds."),
    poll_interval: float = typer.Option(
        0.5, "--poll-interval", min=0.05, help="Seconds between checks.", hidden=True
    ),
) -> None:
    """Watch a flow run until it reaches a terminal state, printing each state it enters.

    Exits 0 when the run completes, 1 when it ends in any other state or the timeout passes.

    \b
    Examples:
      riverrun flow-run watch 01a2...
      riverrun flow-run watch 01a2... --timeout 600
    """
    from riverrun._cli._common import fail, is_final, note, read_flow_run_or_fail, sync_client

    with sync_client() as client:
        run = read_flow_run_or_fail(client, flow_run_id)
        if is_final(run):
            if run.state.is_completed():
                typer.echo(f"Flow run already finished in {run.state.name!r}.")
                return
            fail(f"Flow run already finished in state {run.state.name!r}.")
        deadline = None if timeout is None else time.monotonic() + timeout
        last = None
        try:
            while True:
                state = run.state
                if state is not None and (state.id, state.name) != last:
                    last = (state.id, state.name)
                    moment = (
                        state.timestamp.astimezone().strftime("%H:%M:%S") if state.timestamp else ""
                    )
                    typer.echo(f"{moment} | Flow run {run.name!r} entered state {state.name!r}")
                if is_final(run):
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    fail(
                        f"Flow run {run.id} did not finish within {timeout}s; it is {state.name if state else 'unknown'}."
                    )
                time.sleep(poll_interval)
                run = client.read_flow_run(run.id)
        except KeyboardInterrupt:
            note(f"Stopped watching flow run {run.id}.")
            raise typer.Exit(130) from None
    if run.state.is_completed():
        typer.echo(f"Flow run finished successfully in {run.state.name!r}.")
        return
    fail(f"Flow run finished in state {run.state.name!r}.")


def register(app: typer.Typer) -> None:
    """Add ``retry`` and ``watch`` to the ``flow-run`` group."""
    app.command("retry")(retry)
    app.command("watch")(watch)
