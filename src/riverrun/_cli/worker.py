"""``riverrun worker start``: a process worker that claims and runs a work pool's flow runs."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Start and interact with workers.", no_args_is_help=True, add_completion=False
)


@app.callback()
def _group() -> None:
    """Start and interact with workers."""


@app.command()
def start(
    pool: str = typer.Option(
        None, "--pool", "-p", help="The work pool the started worker should poll."
    ),
    work_queues: list[str] = typer.Option(
        None, "--work-queue", "-q", help="Work queue names to pull from (repeatable)."
    ),
    name: str = typer.Option(None, "--name", "-n", help="The name to give to the started worker."),
    worker_type: str = typer.Option("process", "--type", "-t", help="The type of worker to start."),
    limit: int = typer.Option(None, "--limit", "-l", help="Maximum concurrent flow runs."),
    run_once: bool = typer.Option(
        False, "--run-once/--no-run-once", help="Only run worker polling once."
    ),
    with_healthcheck: bool = typer.Option(
        False, "--with-healthcheck/--no-with-healthcheck", help="Start a healthcheck server."
    ),
    create_pool_if_not_found: bool = typer.Option(
        True,
        "--create-pool-if-not-found/--no-create-pool-if-not-found",
        help="Create the work pool if it does not exist.",
    ),
    prefetch_seconds: int = typer.Option(
        None, "--prefetch-seconds", help="Accepted for Prefect's sake; runs are claimed when due."
    ),
) -> None:
    """Start a worker process to poll a work pool for flow runs.

    \b
    Examples:
      riverrun worker start --pool laptop
      riverrun worker start --pool laptop --work-queue urgent --limit 4 --name w1
      riverrun worker start --pool laptop --run-once --no-create-pool-if-not-found
    """
    from riverrun._cli._common import fail
    from riverrun.exceptions import ObjectNotFound
    from riverrun.workers import ProcessWorker, WorkerError

    if not pool:
        from riverrun.settings import get_current_settings

        pool = get_current_settings().default_work_pool_name
        if not pool:
            fail(
                "Name the work pool to poll: --pool NAME (or set RIVERRUN_DEFAULT_WORK_POOL_NAME)."
            )
    if worker_type != "process":
        fail(f"Unknown worker type {worker_type!r}: riverrun has the 'process' worker.")
    try:
        worker = ProcessWorker(
            pool, work_queues=work_queues or None, name=name, limit=limit,
            create_pool_if_not_found=create_pool_if_not_found,
        )  # fmt: skip
        worker.run(run_once=run_once, with_healthcheck=with_healthcheck, printer=_echo)
    except (WorkerError, ObjectNotFound) as exc:
        fail(str(exc))


def _echo(*parts: object) -> None:
    typer.echo(" ".join(str(p) for p in parts))
