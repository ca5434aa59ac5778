"""``riverrun flow-run``: list, inspect, follow and delete flow runs."""

from __future__ import annotations

import time
from typing import Any

import typer

from riverrun._cli import _runs_options
from riverrun._cli._output import OUTPUT_HELP, wants_json

app = typer.Typer(
    help="List, inspect, follow and delete flow runs.",
    no_args_is_help=True,
    add_completion=False,
)

_JSON = typer.Option(False, "--json", help="Print JSON for scripts (same as -o json).")
_OUTPUT = typer.Option(None, "--output", "-o", help=OUTPUT_HELP)


@app.command("ls")
def ls(
    flow: str | None = typer.Option(
        None,
        "--flow",
        help="Only runs of flows whose name contains this text (vtasks also matches vtasks.backup).",
    ),
    flow_name: list[str] = typer.Option(
        [],
        "--flow-name",
        help="Only runs of the flow with exactly this name (repeatable), as Prefect's --flow-name.",
    ),
    name: str | None = typer.Option(
        None,
        "--name",
        "-n",
        help="Only runs whose run name (e.g. spry-koala) contains this text; for flow names use --flow.",
    ),
    tag: list[str] = typer.Option(
        [], "--tag", "-t", help="Only runs with this tag (repeatable; all must match)."
    ),
    state: list[str] = typer.Option(
        [],
        "--state",
        "-s",
        help="Only runs in this state name or type, e.g. Failed, Cached (repeatable).",
    ),
    state_type: list[str] = typer.Option(
        [], "--state-type", help="Only runs of this state type, e.g. COMPLETED (repeatable)."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only runs started since: 30m, 1h, 2d, 1w, or an ISO date."
    ),
    limit: int = typer.Option(20, "--limit", "-l", min=1, help="At most this many runs."),
    tree: bool = typer.Option(
        False, "--tree", help="Show each run with its subflow runs and task runs nested under it."
    ),
    output: str | None = _OUTPUT,
    as_json: bool = _JSON,
) -> None:
    """List flow runs, newest first.

    \b
    Examples:
      riverrun flow-run ls --flow vtasks --state Failed --since 1d
      riverrun flow-run ls --name spry-koala --json
      riverrun flow-run ls --tree --limit 5
    """
    from riverrun._cli import _runs
    from riverrun._cli._common import parse_since, print_json, state_filter, sync_client

    as_json = wants_json(output, as_json)
    since_time = parse_since(since) if since else None
    states = state_filter([*state, *(t.upper() for t in state_type)])
    with sync_client() as client:
        runs = _runs.query_flow_runs(
            client,
            flow=flow,
            flow_names=flow_name,
            name=name,
            tags=tag,
            state=states,
            since=since_time,
            limit=limit,
            # A tree starts at top-level runs, unless a name asks for some subflow's runs.
            top_level=tree and not (flow or flow_name or name),
        )
        _runs.fill_flow_names(client, runs)
        if tree:
            forest = _runs.build_forest(client, runs)
            if as_json:
                print_json([node.to_json() for node in forest])
            else:
                _runs.print_forest(forest)
            return
    if as_json:
        from riverrun._cli._common import dump

        print_json([dump(run) for run in runs])
        return
    _print_table(runs)


def _print_table(runs: list[Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    from riverrun._cli._common import (
        console,
        format_duration,
        format_time,
        print_table,
        run_duration,
        state_text,
    )

    if not runs:
        console().print("No flow runs match.", style="bright_black")
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True, style="bright_black")
    table.add_column("Flow", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("Started", no_wrap=True)
    table.add_column("Duration", justify="right", no_wrap=True)
    table.add_column("Tags")
    for run in runs:
        state_name, style = state_text(run)
        table.add_row(
            run.id,
            Text(run.flow_name or ""),
            Text(run.name),
            Text(state_name, style=style),
            format_time(run.start_time),
            format_duration(run_duration(run)),
            Text(", ".join(run.tags)),
        )
    print_table(table)


@app.command()
def inspect(
    flow_run_id: str = typer.Argument(..., metavar="ID", help="The flow run's ID."),
    output: str | None = _OUTPUT,
    as_json: bool = _JSON,
) -> None:
    """Show every field of a flow run and its state history.

    \b
    Examples:
      riverrun flow-run inspect 01a2...
      riverrun flow-run inspect 01a2... --json
    """
    from riverrun._cli import _runs
    from riverrun._cli._common import (
        console,
        dump,
        format_duration,
        print_json,
        read_flow_run_or_fail,
        run_duration,
        state_text,
        sync_client,
    )

    as_json = wants_json(output, as_json)
    with sync_client() as client:
        run = read_flow_run_or_fail(client, flow_run_id)
        _runs.fill_flow_names(client, [run])
        history = client.read_flow_run_states(run.id)
    states = [entry for entry in map(_runs.state_to_json, history) if entry is not None]
    data = dump(run)
    data.pop("state", None)
    if as_json:
        print_json({**data, "state": _runs.state_to_json(run.state), "state_history": states})
        return

    from rich.table import Table
    from rich.text import Text

    out = console()
    state_name, style = state_text(run)
    title = Text.assemble(
        (run.flow_name or "", "bold"), "  (", run.name, ", ", (state_name, style), ")"
    )
    out.print(title)
    if run.state is not None and run.state.message:
        out.print(Text(run.state.message, style=style))
    fields = Table(box=None, show_header=False, pad_edge=False)
    fields.add_column(style="bright_black", no_wrap=True)
    fields.add_column(overflow="fold")
    for key in sorted(data):
        fields.add_row(key, Text(_human(getattr(run, key, data[key]), data[key])))
    fields.add_row("duration", format_duration(run_duration(run)))
    out.print(fields)

    history_table = Table(
        title="State history", title_justify="left", box=None, header_style="bold"
    )
    history_table.add_column("Time", no_wrap=True)
    history_table.add_column("State", no_wrap=True)
    history_table.add_column("Type", no_wrap=True, style="bright_black")
    history_table.add_column("Message", overflow="fold")
    for entry in states:
        history_table.add_row(
            _local(entry["timestamp"]), entry["name"], entry["type"], Text(entry["message"] or "")
        )
    out.print()
    out.print(history_table)


def _human(value: Any, plain: Any) -> str:
    """A field's value for people: local times, short durations, JSON for collections."""
    import json
    from datetime import datetime, timedelta

    from riverrun._cli._common import format_duration

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, timedelta):
        return format_duration(value.total_seconds())
    if isinstance(plain, (dict, list)):
        return json.dumps(plain, default=str) if plain else ""
    return str(plain)


def _local(iso: str | None) -> str:
    from datetime import datetime

    if not iso:
        return ""
    return _human(datetime.fromisoformat(iso.replace("Z", "+00:00")), iso)


@app.command()
def logs(
    flow_run_id: str = typer.Argument(..., metavar="ID", help="The flow run's ID."),
    follow: bool = typer.Option(
        False,
        "--follow",
        "-f",
        help="Keep printing new logs until the run finishes (Ctrl-C stops).",
    ),
    timeout: float = typer.Option(
        3600.0, "--timeout", min=0, help="With --follow, stop waiting after this many seconds."
    ),
    poll_interval: float = typer.Option(
        0.5, "--poll-interval", min=0.05, help="With --follow, seconds between checks.", hidden=True
    ),
    head: bool = _runs_options.HEAD,
    num_logs: int | None = _runs_options.NUM_LOGS,
    reverse: bool = _runs_options.REVERSE,
    tail_: bool = _runs_options.TAIL,  # "tail" is the LogTail below
    output: str | None = _OUTPUT,
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per log line, for scripts (same as -o json)."
    ),
) -> None:
    """Print a flow run's logs, oldest first; with --follow, until the run is final.

    \b
    Examples:
      riverrun flow-run logs 01a2...
      riverrun flow-run logs 01a2... --tail -n 5
      riverrun flow-run logs 01a2... --follow
    """
    from riverrun._cli import _runs
    from riverrun._cli._common import fail, is_final, note, read_flow_run_or_fail, sync_client

    wants_json(output)  # refuses a format other than json
    if head and tail_:
        fail("Please provide either a `head` or `tail` option but not both.")
    selecting = head or tail_ or reverse or num_logs is not None or output is not None
    if selecting and follow:
        fail("--follow prints logs as they come: it cannot be combined with --head, --tail, "
             "--num-logs, --reverse or --output.")  # fmt: skip
    with sync_client() as client:
        run = read_flow_run_or_fail(client, flow_run_id)
        if selecting:
            _runs.print_selected_logs(
                client, _runs.flow_run_log_filter(run.id), output, as_json,
                head=head, tail=tail_, num_logs=num_logs, reverse=reverse,
            )  # fmt: skip
            return
        tail = _runs.LogTail(client, run.id, _runs.LogPrinter(as_json=as_json))
        if not follow:
            tail.poll()
            return
        deadline = time.monotonic() + timeout
        # Ctrl-C may come at any moment once the first lines are out, so the first poll is
        # inside the handler too.
        try:
            tail.poll()
            while not is_final(run):
                if time.monotonic() >= deadline:
                    fail(
                        f"Stopped following after {timeout:g}s; flow run {run.id} is still "
                        f"{run.state_name or 'running'}. Run the command again to keep following.",
                    )
                time.sleep(poll_interval)
                tail.poll()
                run = client.read_flow_run(run.id)
            # Logs written just before the final state may land in the same batch.
            tail.poll()
        except KeyboardInterrupt:
            note(f"Stopped following flow run {run.id}.")
            raise typer.Exit(130) from None


@app.command()
def delete(
    flow_run_id: str = typer.Argument(..., metavar="ID", help="The flow run's ID."),
) -> None:
    """Delete a flow run with its task runs, states and logs.

    \b
    Examples:
      riverrun flow-run delete 01a2...
    """
    from riverrun._cli._common import not_found, read_flow_run_or_fail, sync_client
    from riverrun.exceptions import ObjectNotFound

    with sync_client() as client:
        run = read_flow_run_or_fail(client, flow_run_id)
        try:
            client.delete_flow_run(run.id)
        except ObjectNotFound:
            not_found(flow_run_id)
    typer.echo(f"Deleted flow run {run.name!r} ({run.id}).")


@app.command()
def cancel(
    flow_run_id: str = typer.Argument(..., metavar="ID", help="The flow run's ID."),
) -> None:
    """Cancel a flow run by ID.

    A run that has not started (Scheduled, Paused) is Cancelled at once; a running one becomes
    Cancelling and its process stops it within about two seconds, running its
    on_cancellation hooks (killed after RIVERRUN_RUNNER_CANCELLATION_GRACE_SECONDS if it
    will not stop).

    \b
    Examples:
      riverrun flow-run cancel 01a2...
    """
    from riverrun._cli._common import fail, read_flow_run_or_fail, sync_client
    from riverrun.states import Cancelling

    with sync_client() as client:
        run = read_flow_run_or_fail(client, flow_run_id)
        result = client.set_flow_run_state(run.id, Cancelling())
    if result.status != "ACCEPT":
        fail(f"Flow run '{run.id}' was unable to be cancelled. Reason: '{result.reason}'")
    typer.echo(f"Flow run '{run.id}' was successfully scheduled for cancellation.")


# retry and watch live in their own module (the commands that change or follow a run).
from riverrun._cli import flow_run_actions as _actions  # noqa: E402

_actions.register(app)
