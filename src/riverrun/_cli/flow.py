"""``riverrun flow``: the flows that have runs recorded."""

from __future__ import annotations

import typer

from riverrun._cli._output import OUTPUT_HELP, wants_json

app = typer.Typer(help="List flows.", no_args_is_help=True, add_completion=False)


@app.callback()
def _group() -> None:
    """List flows."""


@app.command("ls")
def ls(
    name: str | None = typer.Option(
        None, "--name", "-n", help="Only flows whose name contains this text."
    ),
    limit: int = typer.Option(100, "--limit", "-l", min=1, help="At most this many flows."),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List flows by name.

    \b
    Examples:
      riverrun flow ls
      riverrun flow ls --name vtasks --json
    """
    as_json = wants_json(output, as_json)
    from riverrun._cli._common import (
        console,
        dump,
        format_time,
        print_json,
        print_table,
        sync_client,
    )
    from riverrun.schemas.sorting import FlowSort

    flow_filter = None
    if name:  # the filter models cost ~0.07 s to define; a plain list needs none
        from riverrun.schemas.filters import FlowFilter, FlowFilterName

        flow_filter = FlowFilter(name=FlowFilterName(like_=name))
    with sync_client() as client:
        flows = client.read_flows(flow_filter=flow_filter, sort=FlowSort.NAME_ASC, limit=limit)
    if as_json:
        print_json([dump(flow) for flow in flows])
        return
    out = console()
    if not flows:
        out.print("No flows match." if name else "No flows yet: run one.", style="bright_black")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("Name", no_wrap=True)
    table.add_column("ID", no_wrap=True, style="bright_black")
    table.add_column("Created", no_wrap=True)
    table.add_column("Tags")
    for flow in flows:
        table.add_row(
            Text(flow.name), flow.id, format_time(flow.created), Text(", ".join(flow.tags))
        )
    print_table(table)
