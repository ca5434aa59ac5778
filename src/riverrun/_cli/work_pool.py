"""``riverrun work-pool``: create, list, inspect, pause, resume, delete pools; their limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Manage work pools.", no_args_is_help=True, add_completion=False)

_NAME = typer.Argument(..., help="The name of the work pool.")
_OUTPUT = typer.Option(
    None, "--output", "-o", help="Specify an output format. Currently supports: json"
)


@app.callback()
def _group() -> None:
    """Manage work pools."""


def _update(name: str, done: str, **fields: Any) -> None:
    from riverrun._cli._common import console, fail, sync_client
    from riverrun.exceptions import ObjectNotFound
    from riverrun.schemas.actions import WorkPoolUpdate

    try:
        with sync_client() as client:
            client.update_work_pool(name, WorkPoolUpdate(**fields))
    except (ObjectNotFound, ValueError) as exc:
        fail(str(exc))
    console().print(done)


@app.command()
def create(
    name: str = _NAME,
    type_: str = typer.Option("process", "--type", "-t", help="The type of work pool to create."),
    paused: bool = typer.Option(
        False,
        "--paused/--no-paused",
        help="Whether or not to create the work pool in a paused state.",
    ),
    concurrency_limit: int = typer.Option(
        None, "--concurrency-limit", "-l", help="At most this many runs of the pool at once."
    ),
    base_job_template: Path = typer.Option(
        None,
        "--base-job-template",
        help="The path to a JSON file containing the base job template to use.",
    ),
    overwrite: bool = typer.Option(
        False,
        "--overwrite/--no-overwrite",
        help="Whether or not to overwrite an existing work pool with the same name.",
    ),
    set_as_default: bool = typer.Option(
        False,
        "--set-as-default/--no-set-as-default",
        help="Use the created work pool as the local default for deployment.",
    ),
) -> None:
    """Create a new work pool or update an existing one.

    \b
    Examples:
      riverrun work-pool create laptop --type process
      riverrun work-pool create gpu --type process --concurrency-limit 2 --paused
    """
    from riverrun._cli._common import console, fail, sync_client
    from riverrun.exceptions import ObjectAlreadyExists
    from riverrun.schemas.actions import WorkPoolCreate

    if type_ != "process":
        fail(f"Unknown work pool type {type_!r}: riverrun's workers run type 'process'.")
    template: dict[str, Any] = {}
    if base_job_template is not None:
        try:
            template = json.loads(base_job_template.read_text())
        except (OSError, ValueError) as exc:
            fail(
                f"--base-job-template {str(base_job_template)!r} is not a readable JSON file: {exc}"
            )
    try:
        spec = WorkPoolCreate(name=name, type=type_, is_paused=paused,
                              concurrency_limit=concurrency_limit, base_job_template=template)  # fmt: skip
        with sync_client() as client:
            client.create_work_pool(spec, overwrite=overwrite)
    except (ObjectAlreadyExists, ValueError) as exc:
        fail(str(exc))
    console().print(
        f"Created work pool {name!r}!" if not overwrite else f"Updated work pool {name!r}."
    )
    if set_as_default:
        from riverrun.settings import update_profile

        update_profile(set_values={"RIVERRUN_DEFAULT_WORK_POOL_NAME": name})
        console().print(f"Set {name!r} as default work pool for profile.")
    console().print(f"Start a worker to pick up its runs: riverrun worker start --pool {name!r}",
                    style="bright_black")  # fmt: skip


@app.command()
def ls(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show additional information about work pools."
    ),
    output: str = _OUTPUT,
) -> None:
    """List work pools.

    \b
    Examples:
      riverrun work-pool ls
      riverrun work-pool ls --output json
    """
    from riverrun._cli._common import console, dump, print_json, print_table, sync_client

    with sync_client() as client:
        pools = client.read_work_pools()
    if output == "json":
        print_json([dump(p) for p in pools])
        return
    if not pools:
        console().print("No work pools yet: `riverrun work-pool create NAME --type process`.",
                        style="bright_black")  # fmt: skip
        return
    from rich.table import Table

    table = Table(title="Work Pools", box=None, header_style="bold", pad_edge=False)
    for column in ("Name", "Type", "ID", "Concurrency Limit", "Status") + (
        ("Active Slots",) if verbose else ()
    ):
        table.add_column(column)
    for p in pools:
        row = [p.name, p.type, p.id, "None" if p.concurrency_limit is None else str(p.concurrency_limit),
               p.status.value if p.status else ""]  # fmt: skip
        table.add_row(*row, *([str(p.active_slots)] if verbose else []))
    print_table(table)


@app.command()
def inspect(name: str = _NAME, output: str = _OUTPUT) -> None:
    """Inspect a work pool: its settings, queues and workers.

    \b
    Examples:
      riverrun work-pool inspect laptop
      riverrun work-pool inspect laptop --output json
    """
    from riverrun._cli._common import console, dump, fail, print_json, sync_client
    from riverrun.exceptions import ObjectNotFound

    try:
        with sync_client() as client:
            pool = client.read_work_pool(name)
            queues = client.read_work_queues(work_pool_name=name)
            workers = client.read_workers_for_work_pool(name)
    except ObjectNotFound as exc:
        fail(str(exc))
    if output == "json":
        print_json({**dump(pool), "work_queues": [dump(q) for q in queues],
                    "workers": [dump(w) for w in workers]})  # fmt: skip
        return
    c = console()
    c.print(
        f"[bold]{pool.name}[/bold]  type {pool.type}  status {pool.status.value if pool.status else ''}"
    )
    c.print(f"  id {pool.id}  paused {pool.is_paused}  concurrency limit {pool.concurrency_limit}"
            f"  active slots {pool.active_slots}")  # fmt: skip
    c.print("  queues:")
    for q in queues:
        c.print(f"    {q.name}  priority {q.priority}  status {q.status.value if q.status else ''}"
                f"  limit {q.concurrency_limit}")  # fmt: skip
    c.print("  workers:" if workers else "  workers: none")
    for w in workers:
        beat = (
            w.last_heartbeat_time.isoformat(timespec="seconds")
            if w.last_heartbeat_time
            else "never"
        )
        c.print(f"    {w.name}  {w.status.value}  last heartbeat {beat}")


@app.command()
def pause(name: str = _NAME) -> None:
    """Pause a work pool: its workers claim nothing until it is resumed.

    \b
    Examples:
      riverrun work-pool pause laptop
    """
    _update(name, f"Paused work pool {name!r}", is_paused=True)


@app.command()
def resume(name: str = _NAME) -> None:
    """Resume a work pool.

    \b
    Examples:
      riverrun work-pool resume laptop
    """
    _update(name, f"Resumed work pool {name!r}", is_paused=False)


@app.command()
def delete(name: str = _NAME) -> None:
    """Delete a work pool with its queues and workers.

    \b
    Examples:
      riverrun work-pool delete laptop
    """
    from riverrun._cli._common import console, fail, sync_client
    from riverrun.exceptions import ObjectNotFound

    try:
        with sync_client() as client:
            client.delete_work_pool(name)
    except ObjectNotFound as exc:
        fail(str(exc))
    console().print(f"Deleted work pool {name!r}")


@app.command("set-concurrency-limit")
def set_concurrency_limit(
    name: str = _NAME,
    concurrency_limit: int = typer.Argument(
        ..., help="The new concurrency limit for the work pool."
    ),
) -> None:
    """Set the concurrency limit for a work pool (at least 1).

    \b
    Examples:
      riverrun work-pool set-concurrency-limit laptop 4
    """
    _update(name, f"Set concurrency limit for work pool {name!r} to {concurrency_limit}",
            concurrency_limit=concurrency_limit)  # fmt: skip


@app.command("clear-concurrency-limit")
def clear_concurrency_limit(name: str = _NAME) -> None:
    """Clear the concurrency limit for a work pool.

    \b
    Examples:
      riverrun work-pool clear-concurrency-limit laptop
    """
    _update(name, f"Cleared concurrency limit for work pool {name!r}", concurrency_limit=None)
