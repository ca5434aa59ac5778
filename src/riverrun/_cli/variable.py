"""``riverrun variable``: list, read, set and unset variables (Prefect's ``prefect variable``)."""

from __future__ import annotations

import json
from typing import Any

import typer

from riverrun._cli._output import OUTPUT_HELP, wants_json

app = typer.Typer(
    help="List, read, set and unset variables.", no_args_is_help=True, add_completion=False
)


@app.callback()
def _group() -> None:
    """List, read, set and unset variables."""


def _parse_value(value: str) -> Any:
    # As Prefect: a value that is JSON is stored as that JSON value, anything else as text.
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


@app.command("ls")
def ls(
    limit: int = typer.Option(
        100, "--limit", min=1, help="The maximum number of variables to return."
    ),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (same as -o json)."),
) -> None:
    """List variables.

    \b
    Examples:
      riverrun variable ls
      riverrun variable ls -o json
    """
    from riverrun._cli._common import (
        console,
        dump,
        format_time,
        print_json,
        print_table,
        sync_client,
    )

    with sync_client() as client:
        variables = client.read_variables(limit=limit)
    if wants_json(output, as_json):
        print_json([dump(v) for v in variables])
        return
    if not variables:
        console().print(
            "No variables yet: `riverrun variable set NAME VALUE` stores one.", style="bright_black"
        )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Name", no_wrap=True)
    table.add_column("Value")
    table.add_column("Created", no_wrap=True)
    table.add_column("Updated", no_wrap=True)
    for v in variables:
        table.add_row(
            Text(v.name), Text(json.dumps(v.value)), format_time(v.created), format_time(v.updated)
        )
    print_table(table)


@app.command("get")
def get(name: str = typer.Argument(..., help="The variable's name.")) -> None:
    """Get a variable's value (as JSON).

    \b
    Examples:
      riverrun variable get db_host
    """
    from riverrun._cli._common import fail, sync_client

    with sync_client() as client:
        variable = client.read_variable_by_name(name)
    if variable is None:
        fail(f"Variable {name!r} not found.")
    typer.echo(json.dumps(variable.value))


@app.command("inspect")
def inspect(
    name: str = typer.Argument(..., help="The variable's name."),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (same as -o json)."),
) -> None:
    """View details about a variable.

    \b
    Examples:
      riverrun variable inspect db_host
      riverrun variable inspect db_host -o json
    """
    from riverrun._cli._common import dump, fail, print_json, sync_client

    with sync_client() as client:
        variable = client.read_variable_by_name(name)
    if variable is None:
        fail(f"Variable {name!r} not found.")
    if wants_json(output, as_json):
        print_json(dump(variable))
        return
    from rich.pretty import Pretty

    from riverrun._cli._common import console

    console().print(Pretty(variable))


@app.command("set")
def set_(
    name: str = typer.Argument(..., help="The variable's name."),
    value: str = typer.Argument(..., help="The value: JSON (42, true, {...}) or any text."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Overwrite the variable if it already exists."
    ),
    tag: list[str] | None = typer.Option(
        None, "--tag", help="Tag to associate with the variable (repeatable)."
    ),
) -> None:
    """Set a variable. If the variable already exists, use --overwrite to update it.

    \b
    Examples:
      riverrun variable set db_host db.internal
      riverrun variable set retries 3 --overwrite --tag prod
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.schemas.actions import VariableCreate

    fields = {"name": name, "value": _parse_value(value), "tags": tag or []}
    with sync_client() as client:
        if client.read_variable_by_name(name) is not None:
            if not overwrite:
                fail(f"Variable {name!r} already exists. Use `--overwrite` to update it.")
            client.update_variable(VariableCreate(**fields))
        else:
            client.create_variable(VariableCreate(**fields))
    typer.echo(f"Set variable {name!r}.")


def _unset(name: str) -> None:
    from riverrun._cli._common import fail, sync_client
    from riverrun.exceptions import ObjectNotFound

    with sync_client() as client:
        try:
            client.delete_variable_by_name(name)
        except ObjectNotFound:
            fail(f"Variable {name!r} not found.")
    typer.echo(f"Unset variable {name!r}.")


@app.command("unset")
def unset(name: str = typer.Argument(..., help="The variable's name.")) -> None:
    """Unset a variable.

    \b
    Examples:
      riverrun variable unset db_host
    """
    _unset(name)


@app.command("delete")
def delete(name: str = typer.Argument(..., help="The variable's name.")) -> None:
    """Unset a variable (the same as `unset`).

    \b
    Examples:
      riverrun variable delete db_host
    """
    _unset(name)
