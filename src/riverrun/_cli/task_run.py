"""``riverrun task-run``: list and inspect task runs, print their logs (Prefect's ``prefect task-run``)."""

from __future__ import annotations

from typing import Any, NoReturn

import typer

from riverrun._cli import _runs_options
from riverrun._cli._output import OUTPUT_HELP, wants_json

app = typer.Typer(
    help="List and inspect task runs; show their logs.", no_args_is_help=True, add_completion=False
)

_JSON_HELP = "Print JSON for scripts (same as -o json)."


@app.callback()
def _group() -> None:
    """List and inspect task runs; show their logs."""


def _not_found(task_run_id: str, what: str = "Task run") -> NoReturn:
    from riverrun._cli._common import fail

    fail(f"{what} {task_run_id!r} not found! `riverrun task-run ls` lists them.")


def _read_task_run_or_fail(client: Any, task_run_id: str, what: str = "Task run") -> Any:
    from riverrun.exceptions import ObjectNotFound

    try:
        run = client.read_task_run(task_run_id)
    except (ObjectNotFound, ValueError):  # ValueError: not an ID at all
        _not_found(task_run_id, what)
    if run is None:
        _not_found(task_run_id, what)
    return run


@app.command("ls")
def ls(
    task_run_name: list[str] | None = typer.Option(
        None, "--task-run-name", help="Name of the task (repeatable)."
    ),
    limit: int = typer.Option(15, "--limit", min=1, help="Maximum number of task runs to list."),
    state: list[str] | None = typer.Option(
        None, "--state", help="Name of the task run's state (repeatable)."
    ),
    state_type: list[str] | None = typer.Option(
        None,
        "--state-type",
        help="Type of the task run's state (repeatable): COMPLETED, FAILED, ...",
    ),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """View recent task runs, newest first.

    \b
    Examples:
      riverrun task-run ls --limit 5
      riverrun task-run ls --state-type FAILED -o json
    """
    from riverrun._cli._common import (
        dump,
        format_duration,
        format_time,
        parse_states,
        print_json,
        print_table,
        run_duration,
        state_text,
        sync_client,
    )
    from riverrun.schemas.filters import (
        TaskRunFilter,
        TaskRunFilterName,
        TaskRunFilterState,
        TaskRunFilterStateName,
        TaskRunFilterStateType,
    )
    from riverrun.schemas.sorting import TaskRunSort

    types, names = parse_states([*(state or []), *(state_type or [])])
    state_filter = None
    if types or names:
        state_filter = TaskRunFilterState(
            type=TaskRunFilterStateType(any_=types) if types else None,
            name=TaskRunFilterStateName(any_=names) if names else None,
            operator="or_",
        )
    name_filter = TaskRunFilterName(any_=task_run_name) if task_run_name else None
    task_run_filter = TaskRunFilter(name=name_filter, state=state_filter)
    with sync_client() as client:
        runs = client.read_task_runs(
            task_run_filter=task_run_filter, sort=TaskRunSort.EXPECTED_START_TIME_DESC, limit=limit
        )
    if wants_json(output, as_json):
        print_json([dump(r) for r in runs])
        return
    if not runs:
        typer.echo("No task runs found.")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True, style="bright_black")
    table.add_column("Task", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("Start", no_wrap=True)
    table.add_column("Duration", no_wrap=True, justify="right")
    for run in runs:
        name, style = state_text(run)
        table.add_row(
            run.id,
            Text(getattr(run, "task_key", "") or ""),
            Text(run.name),
            Text(name, style=style),
            format_time(run.start_time),
            format_duration(run_duration(run)),
        )
    print_table(table)


@app.command("inspect")
def inspect(
    task_run_id: str = typer.Argument(..., metavar="ID", help="The task run's ID."),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """View details about a task run, with its state history.

    \b
    Examples:
      riverrun task-run inspect 01a2...
      riverrun task-run inspect 01a2... -o json
    """
    from riverrun._cli import _runs
    from riverrun._cli._common import console, dump, print_json, sync_client

    with sync_client() as client:
        run = _read_task_run_or_fail(client, task_run_id)
        history = client.read_task_run_states(run.id)
    data = dump(run)
    data["state"] = _runs.state_to_json(run.state)
    if wants_json(output, as_json):
        print_json({**data, "state_history": [_runs.state_to_json(s) for s in history]})
        return
    from rich.pretty import Pretty

    console().print(Pretty(data))
    for entry in history:
        console().print(f"  {entry.timestamp.astimezone():%Y-%m-%d %H:%M:%S}  {entry.name}")


@app.command("logs")
def logs(
    task_run_id: str = typer.Argument(..., metavar="ID", help="The task run's ID."),
    head: bool = _runs_options.HEAD,
    num_logs: int | None = _runs_options.NUM_LOGS,
    reverse: bool = _runs_options.REVERSE,
    tail: bool = _runs_options.TAIL,
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per log line, for scripts."
    ),
) -> None:
    """View logs for a task run, oldest first.

    \b
    Examples:
      riverrun task-run logs 01a2...
      riverrun task-run logs 01a2... --tail -n 5
    """
    from riverrun._cli import _runs
    from riverrun._cli._common import fail, sync_client
    from riverrun.schemas.filters import LogFilter, LogFilterTaskRunId

    wants_json(output)  # refuses a format other than json
    if head and tail:
        fail("Please provide either a `head` or `tail` option but not both.")
    with sync_client() as client:
        run = _read_task_run_or_fail(client, task_run_id, what="task run")
        log_filter = LogFilter(task_run_id=LogFilterTaskRunId(any_=[run.id]))
        _runs.print_selected_logs(
            client, log_filter, output, as_json,
            head=head, tail=tail, num_logs=num_logs, reverse=reverse,
        )  # fmt: skip
