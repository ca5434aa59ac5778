"""``riverrun global-concurrency-limit``: create, ls, inspect, update, enable, disable, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn, Optional

import typer

app = typer.Typer(
    help="Manage global concurrency limits.", no_args_is_help=True, add_completion=False
)


@app.callback()
def _group() -> None:
    """Manage global concurrency limits: named slots that `concurrency()` and `rate_limit()` take."""


def _invalid(exc: Exception) -> NoReturn:
    from pydantic import ValidationError

    from riverrun._cli._common import fail

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"Invalid {where}: {str(first['msg']).removeprefix('Value error, ')}.")
    fail(str(exc))


def _read(client: Any, name: str) -> Any:
    from riverrun._cli._common import fail
    from riverrun.exceptions import ObjectNotFound

    try:
        return client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        fail(
            f"Global concurrency limit {name!r} not found; `riverrun global-concurrency-limit ls` lists them."
        )


def _check_output(output: Optional[str]) -> None:
    from riverrun._cli._common import fail

    if output is not None and output.lower() != "json":
        fail(f"Unsupported output format {output!r}: only 'json' is supported.")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="The limit's name."),
    limit: int = typer.Option(
        ..., "--limit", "-l", help="The limit of the global concurrency limit."
    ),
    disable: bool = typer.Option(
        False, "--disable/--no-disable", help="Create an inactive global concurrency limit."
    ),
    active_slots: int = typer.Option(0, "--active-slots", help="The number of active slots."),
    slot_decay_per_second: float = typer.Option(
        0.0, "--slot-decay-per-second", help="The slot decay per second."
    ),
) -> None:
    """Create a global concurrency limit.

    \b
    Examples:
      riverrun global-concurrency-limit create database --limit 5
      riverrun global-concurrency-limit create github-api --limit 10 --slot-decay-per-second 1
    """
    from pydantic import ValidationError

    from riverrun._cli._common import fail, sync_client
    from riverrun.exceptions import ObjectAlreadyExists
    from riverrun.schemas.actions import GlobalConcurrencyLimitCreate

    try:
        body = GlobalConcurrencyLimitCreate(name=name, limit=limit, active=not disable,
                                            active_slots=active_slots,
                                            slot_decay_per_second=slot_decay_per_second)  # fmt: skip
    except ValidationError as exc:
        _invalid(exc)
    with sync_client() as client:
        try:
            limit_id = client.create_global_concurrency_limit(body)
        except ObjectAlreadyExists:
            fail(f"Global concurrency limit {name!r} already exists. Please try creating with a "
                 f"different name, or change it with `riverrun gcl update {name} --limit N`.")  # fmt: skip
    typer.echo(f"Created global concurrency limit with name {name!r} and ID '{limit_id}'. Run "
               f"`riverrun gcl inspect {name}` to view details.")  # fmt: skip


@app.command("ls")
def ls(
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Specify an output format. Currently supports: json"
    ),
) -> None:
    """List all global concurrency limits.

    \b
    Examples:
      riverrun global-concurrency-limit ls
      riverrun global-concurrency-limit ls -o json
    """
    from riverrun._cli._common import console, dump, print_json, print_table, sync_client

    _check_output(output)
    with sync_client() as client:
        limits = client.read_global_concurrency_limits(limit=10_000)
    if output:
        print_json([dump(x) for x in limits])
        return
    if not limits:
        console().print("No global concurrency limits found.", style="bright_black")
        return
    from rich.table import Table

    table = Table(title="Global Concurrency Limits", box=None, header_style="bold", pad_edge=False)
    for column in ("ID", "Name", "Active", "Limit", "Active Slots", "Slot Decay Per Second"):
        table.add_column(column, no_wrap=column in ("ID", "Name"))
    for x in limits:
        table.add_row(str(x.id), x.name, str(x.active), str(x.limit), str(x.active_slots),
                      str(x.slot_decay_per_second))  # fmt: skip
    print_table(table)


@app.command("inspect")
def inspect(
    name: str = typer.Argument(..., help="The limit's name."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Specify an output format. Currently supports: json"
    ),
    file_path: Optional[Path] = typer.Option(
        None,
        "--file",
        "-f",
        help="Path to .json file to write the global concurrency limit output to.",
    ),
) -> None:
    """Inspect a global concurrency limit.

    \b
    Examples:
      riverrun global-concurrency-limit inspect database
      riverrun global-concurrency-limit inspect database -o json -f database.json
    """
    import json

    from riverrun._cli._common import console, dump, fail, print_json, sync_client

    _check_output(output)
    if file_path is not None and not output:
        fail("The --file/-f option requires --output json.")
    with sync_client() as client:
        found = _read(client, name)
    data = dump(found)
    if file_path is not None:
        file_path.write_text(json.dumps(data, indent=4) + "\n")
        typer.echo(f"Global concurrency limit {name!r} written to {file_path}")
    elif output:
        print_json(data)
    else:
        console().print(found)


@app.command("update")
def update(
    name: str = typer.Argument(..., help="The limit's name."),
    enable: Optional[bool] = typer.Option(
        None, "--enable/--no-enable", help="Enable the global concurrency limit."
    ),
    disable: Optional[bool] = typer.Option(
        None, "--disable/--no-disable", help="Disable the global concurrency limit."
    ),
    limit: Optional[int] = typer.Option(
        None, "--limit", "-l", help="The limit of the global concurrency limit."
    ),
    active_slots: Optional[int] = typer.Option(
        None, "--active-slots", help="The number of active slots (0 frees them all)."
    ),
    slot_decay_per_second: Optional[float] = typer.Option(
        None, "--slot-decay-per-second", help="The slot decay per second."
    ),
) -> None:
    """Update a global concurrency limit.

    \b
    Examples:
      riverrun global-concurrency-limit update database --limit 10
      riverrun global-concurrency-limit update database --active-slots 0
    """
    from pydantic import ValidationError

    from riverrun._cli._common import fail
    from riverrun.schemas.actions import GlobalConcurrencyLimitUpdate

    if enable and disable:
        fail("Cannot enable and disable a global concurrency limit at the same time.")
    active = True if enable else (False if disable else None)
    if all(v is None for v in (active, limit, active_slots, slot_decay_per_second)):
        fail("No update arguments provided: give --limit, --active-slots, "
             "--slot-decay-per-second, --enable or --disable.")  # fmt: skip
    try:
        body = GlobalConcurrencyLimitUpdate(limit=limit, active=active, active_slots=active_slots,
                                            slot_decay_per_second=slot_decay_per_second)  # fmt: skip
    except ValidationError as exc:
        _invalid(exc)
    _update(name, body)
    typer.echo(f"Updated global concurrency limit with name {name!r}.")


def _update(name: str, body: Any) -> None:
    from riverrun._cli._common import fail, sync_client
    from riverrun.exceptions import ObjectNotFound

    with sync_client() as client:
        try:
            client.update_global_concurrency_limit(name, body)
        except ObjectNotFound:
            fail(
                f"Global concurrency limit {name!r} not found; `riverrun global-concurrency-limit ls` lists them."
            )


@app.command("enable")
def enable(name: str = typer.Argument(..., help="The limit's name.")) -> None:
    """Enable a global concurrency limit.

    \b
    Examples:
      riverrun global-concurrency-limit enable database
    """
    from riverrun.schemas.actions import GlobalConcurrencyLimitUpdate

    _update(name, GlobalConcurrencyLimitUpdate(active=True))
    typer.echo(f"Enabled global concurrency limit with name {name!r}.")


@app.command("disable")
def disable(name: str = typer.Argument(..., help="The limit's name.")) -> None:
    """Disable a global concurrency limit.

    \b
    Examples:
      riverrun global-concurrency-limit disable database
    """
    from riverrun.schemas.actions import GlobalConcurrencyLimitUpdate

    _update(name, GlobalConcurrencyLimitUpdate(active=False))
    typer.echo(f"Disabled global concurrency limit with name {name!r}.")


@app.command("delete")
def delete(name: str = typer.Argument(..., help="The limit's name.")) -> None:
    """Delete a global concurrency limit.

    \b
    Examples:
      riverrun global-concurrency-limit delete database
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.exceptions import ObjectNotFound

    with sync_client() as client:
        try:
            client.delete_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            fail(
                f"Global concurrency limit {name!r} not found; `riverrun global-concurrency-limit ls` lists them."
            )
    typer.echo(f"Deleted global concurrency limit with name {name!r}.")
