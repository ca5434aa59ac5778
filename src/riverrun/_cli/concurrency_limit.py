"""``riverrun concurrency-limit``: tag limits for task runs — create, inspect, ls, reset, delete."""

from __future__ import annotations

from typing import Any, Optional

import typer

app = typer.Typer(
    help="Manage task-level concurrency limits.", no_args_is_help=True, add_completion=False
)


@app.callback()
def _group() -> None:
    """Manage task-level concurrency limits: at most N running task runs with a tag."""


def _not_found(tag: str) -> Any:
    from riverrun._cli._common import fail

    fail(
        f"No concurrency limit found for the tag: {tag!r}; `riverrun concurrency-limit ls` lists them."
    )


@app.command("create")
def create(
    tag: str = typer.Argument(..., help="The tag the limit applies to."),
    concurrency_limit: int = typer.Argument(
        ..., help="How many task runs with the tag may run at once."
    ),
) -> None:
    """Create a concurrency limit against a tag.

    \b
    Examples:
      riverrun concurrency-limit create database 5
    """
    from pydantic import ValidationError

    from riverrun._cli._common import fail, sync_client

    with sync_client() as client:
        try:
            client.create_concurrency_limit(tag=tag, concurrency_limit=concurrency_limit)
        except ValidationError as exc:
            msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            fail(f"Invalid concurrency limit {concurrency_limit}: {msg}.")
    typer.echo(f"Created concurrency limit with properties:\n    tag - {tag!r}\n"
               f"    concurrency_limit - {concurrency_limit}\n\n"
               "Delete the concurrency limit:\n"
               f"    riverrun concurrency-limit delete {tag!r}\n\n"
               "Reset the concurrency limit:\n"
               f"    riverrun concurrency-limit reset {tag!r}")  # fmt: skip


@app.command("inspect")
def inspect(
    tag: str = typer.Argument(..., help="The tag."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Specify an output format. Currently supports: json"
    ),
) -> None:
    """View details about a concurrency limit; `active_slots` are the task runs holding one.

    \b
    Examples:
      riverrun concurrency-limit inspect database
      riverrun concurrency-limit inspect database -o json
    """
    from riverrun._cli._common import console, dump, fail, print_json, sync_client
    from riverrun.exceptions import ObjectNotFound

    if output is not None and output.lower() != "json":
        fail(f"Unsupported output format {output!r}: only 'json' is supported.")
    with sync_client() as client:
        try:
            found = client.read_concurrency_limit_by_tag(tag)
        except ObjectNotFound:
            _not_found(tag)
    if output:
        print_json(dump(found))
        return
    console().print(found)


@app.command("ls")
def ls(
    limit: int = typer.Option(15, "--limit", help="How many to list."),
    offset: int = typer.Option(0, "--offset", help="How many to skip."),
) -> None:
    """View all concurrency limits.

    \b
    Examples:
      riverrun concurrency-limit ls
    """
    from riverrun._cli._common import console, print_table, sync_client

    with sync_client() as client:
        limits = client.read_concurrency_limits(limit=limit, offset=offset)
    if not limits:
        console().print("No concurrency limits found.", style="bright_black")
        return
    from rich.table import Table

    table = Table(title="Concurrency Limits", box=None, header_style="bold", pad_edge=False)
    for column in ("Tag", "ID", "Concurrency Limit", "Active Task Run IDs"):
        table.add_column(column, no_wrap=column in ("Tag", "ID"))
    for x in sorted(limits, key=lambda x: x.tag):
        table.add_row(
            x.tag, str(x.id), str(x.concurrency_limit), ", ".join(map(str, x.active_slots))
        )
    print_table(table)


@app.command("reset")
def reset(tag: str = typer.Argument(..., help="The tag.")) -> None:
    """Resets the concurrency limit slots set on the specified tag.

    \b
    Examples:
      riverrun concurrency-limit reset database
    """
    from riverrun._cli._common import sync_client
    from riverrun.exceptions import ObjectNotFound

    with sync_client() as client:
        try:
            client.reset_concurrency_limit_by_tag(tag=tag)
        except ObjectNotFound:
            _not_found(tag)
    typer.echo(f"Reset concurrency limit set on the tag: {tag}")


@app.command("delete")
def delete(tag: str = typer.Argument(..., help="The tag.")) -> None:
    """Delete the concurrency limit set on the specified tag.

    \b
    Examples:
      riverrun concurrency-limit delete database
    """
    from riverrun._cli._common import sync_client
    from riverrun.exceptions import ObjectNotFound

    with sync_client() as client:
        try:
            client.delete_concurrency_limit_by_tag(tag=tag)
        except ObjectNotFound:
            _not_found(tag)
    typer.echo(f"Deleted concurrency limit set on the tag: {tag}")
