"""``riverrun work-queue``: create, list, inspect, pause, resume, delete queues; their limits."""

from __future__ import annotations

from typing import Any

import typer

app = typer.Typer(help="Manage work queues.", no_args_is_help=True, add_completion=False)

_NAME = typer.Argument(..., help="The name or ID of the work queue.")
_POOL = typer.Option(
    None, "--pool", "-p", help="The name of the work pool that the work queue belongs to."
)
_OUTPUT = typer.Option(
    None, "--output", "-o", help="Specify an output format. Currently supports: json"
)


@app.callback()
def _group() -> None:
    """Manage work queues."""


def _queue(client: Any, name: str, pool: str | None) -> Any:
    """A queue by ID, or by name in ``pool`` (default: the default pool)."""
    import uuid

    from riverrun._cli._common import fail
    from riverrun.exceptions import ObjectNotFound

    try:
        uuid.UUID(name)
        is_id = True
    except ValueError:
        is_id = False
    try:
        if is_id:
            return client.read_work_queue(name)
        return client.read_work_queue_by_name(name, work_pool_name=pool)
    except (ObjectNotFound, ValueError) as exc:
        fail(str(exc))


def _update(name: str, pool: str | None, done: str, **fields: Any) -> None:
    from riverrun._cli._common import console, fail, sync_client

    with sync_client() as client:
        queue = _queue(client, name, pool)
        try:
            client.update_work_queue(queue.id, **fields)
        except ValueError as exc:
            fail(str(exc))
    console().print(done.format(name=queue.name, pool=queue.work_pool_name))


@app.command()
def create(
    name: str = typer.Argument(..., help="The unique name to assign this work queue"),
    limit: int = typer.Option(
        None, "--limit", "-l", help="The concurrency limit to set on the queue."
    ),
    pool: str = typer.Option(
        None, "--pool", "-p", help="The name of the work pool to create the work queue in."
    ),
    priority: int = typer.Option(
        None, "--priority", "-q", help="The associated priority for the created work queue"
    ),
) -> None:
    """Create a work queue.

    \b
    Examples:
      riverrun work-queue create urgent --pool laptop --priority 1
      riverrun work-queue create backfill --pool laptop --limit 2
    """
    from riverrun._cli._common import console, fail, sync_client
    from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound

    try:
        with sync_client() as client:
            queue = client.create_work_queue(name, concurrency_limit=limit, priority=priority,
                                             work_pool_name=pool)  # fmt: skip
    except (ObjectAlreadyExists, ObjectNotFound, ValueError) as exc:
        fail(str(exc))
    console().print(f"Created work queue {queue.name!r} in work pool {queue.work_pool_name!r} "
                    f"(priority {queue.priority}, id {queue.id}).")  # fmt: skip


@app.command()
def ls(pool: str = _POOL, output: str = _OUTPUT) -> None:
    """View all work queues (of one pool with --pool).

    \b
    Examples:
      riverrun work-queue ls
      riverrun work-queue ls --pool laptop --output json
    """
    from riverrun._cli._common import console, dump, fail, print_json, print_table, sync_client
    from riverrun.exceptions import ObjectNotFound

    try:
        with sync_client() as client:
            queues = client.read_work_queues(work_pool_name=pool)
    except ObjectNotFound as exc:
        fail(str(exc))
    if output == "json":
        print_json([dump(q) for q in queues])
        return
    if not queues:
        console().print("No work queues yet: a work pool brings its 'default' queue.",
                        style="bright_black")  # fmt: skip
        return
    from rich.table import Table

    table = Table(title="Work Queues", box=None, header_style="bold", pad_edge=False)
    for column in ("Name", "Pool", "ID", "Priority", "Concurrency Limit", "Status"):
        table.add_column(column)
    for q in queues:
        table.add_row(q.name, q.work_pool_name or "", q.id, str(q.priority),
                      "None" if q.concurrency_limit is None else str(q.concurrency_limit),
                      q.status.value if q.status else "")  # fmt: skip
    print_table(table)


@app.command()
def inspect(name: str = _NAME, pool: str = _POOL, output: str = _OUTPUT) -> None:
    """Inspect a work queue by ID or name.

    \b
    Examples:
      riverrun work-queue inspect default --pool laptop
    """
    from riverrun._cli._common import console, dump, print_json, sync_client

    with sync_client() as client:
        queue = _queue(client, name, pool)
    if output == "json":
        print_json(dump(queue))
        return
    console().print_json(data=dump(queue))


@app.command()
def pause(name: str = _NAME, pool: str = _POOL) -> None:
    """Pause a work queue: its runs are not claimed until it is resumed.

    \b
    Examples:
      riverrun work-queue pause backfill --pool laptop
    """
    _update(name, pool, "Work queue {name!r} in work pool {pool!r} paused", is_paused=True)


@app.command()
def resume(name: str = _NAME, pool: str = _POOL) -> None:
    """Resume a paused work queue.

    \b
    Examples:
      riverrun work-queue resume backfill --pool laptop
    """
    _update(name, pool, "Work queue {name!r} in work pool {pool!r} resumed", is_paused=False)


@app.command()
def delete(name: str = _NAME, pool: str = _POOL) -> None:
    """Delete a work queue by ID or name (not a pool's default queue).

    \b
    Examples:
      riverrun work-queue delete backfill --pool laptop
    """
    from riverrun._cli._common import console, fail, sync_client

    with sync_client() as client:
        queue = _queue(client, name, pool)
        try:
            client.delete_work_queue_by_id(queue.id)
        except ValueError as exc:
            fail(str(exc))
    console().print(f"Deleted work queue {queue.name!r}")


@app.command("set-concurrency-limit")
def set_concurrency_limit(
    name: str = _NAME,
    limit: int = typer.Argument(..., help="The concurrency limit to set on the queue."),
    pool: str = _POOL,
) -> None:
    """Set a concurrency limit on a work queue (at least 1).

    \b
    Examples:
      riverrun work-queue set-concurrency-limit backfill 2 --pool laptop
    """
    _update(name, pool, f"Concurrency limit of {limit} set on work queue {{name!r}}",
            concurrency_limit=limit)  # fmt: skip


@app.command("clear-concurrency-limit")
def clear_concurrency_limit(name: str = _NAME, pool: str = _POOL) -> None:
    """Clear any concurrency limits from a work queue.

    \b
    Examples:
      riverrun work-queue clear-concurrency-limit backfill --pool laptop
    """
    _update(name, pool, "Concurrency limits removed on work queue {name!r}", concurrency_limit=None)
