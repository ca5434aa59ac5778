"""``riverrun deployment``: list, inspect, run, pause, resume, delete deployments; schedules; backfill."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import typer

app = typer.Typer(help="Run, inspect and schedule deployments.", no_args_is_help=True,
                  add_completion=False)  # fmt: skip
schedule_app = typer.Typer(help="List, add, pause, resume and delete a deployment's schedules.",
                           no_args_is_help=True, add_completion=False)  # fmt: skip
app.add_typer(schedule_app, name="schedule")

_WATCH_INTERVAL_S = 0.5  # --watch's default poll: a run read is a fraction of a millisecond
_JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
_NAME = typer.Argument(
    ..., metavar="FLOW/DEPLOYMENT", help="The deployment, as 'flow-name/deployment-name'."
)


@app.callback()
def _group() -> None:
    """Run, inspect and schedule deployments."""


def _deployment(client: Any, name: str) -> Any:
    from riverrun._cli._common import fail
    from riverrun.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(name)
    except (ObjectNotFound, ValueError) as exc:
        fail(str(exc))


def parse_value(text: str) -> Any:
    """A ``--param`` value: JSON when it parses (numbers, lists, true), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_params(pairs: list[str], blob: str | None) -> dict[str, Any]:
    """``--params '{...}'`` overlaid with each ``--param key=value``."""
    from riverrun._cli._common import fail

    out: dict[str, Any] = {}
    if blob:
        try:
            loaded = json.loads(blob)
        except ValueError as exc:
            fail(f'--params is not JSON ({exc}); write it as \'{{"key": "value"}}\'.')
        if not isinstance(loaded, dict):
            fail('--params must be a JSON object, such as \'{"env": "pro"}\'.')
        out.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fail(f"--param {pair!r} must be key=value, such as --param env=pro.")
        out[key] = parse_value(value)
    return out


_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
          "hour": 3600, "d": 86400, "day": 86400}  # fmt: skip


def parse_start_in(text: str) -> timedelta:
    """``"90s"``, ``"5m"``, ``"2 hours"``, ``"in 1 day"`` as a duration."""
    from riverrun._cli._common import fail

    match = re.fullmatch(r"\s*(?:in\s+)?(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*", text.lower())
    if not match or match.group(2) not in _UNITS:
        fail(f"--start-in {text!r} is not a duration; write e.g. 90s, 5m, 2h, '3 days'.")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 time (naive means UTC)."""
    from riverrun._cli._common import fail

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option} {text!r} is not an ISO 8601 time such as 2025-01-31T09:00:00+01:00.")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@app.command("ls")
def ls(
    flow_name: str | None = typer.Option(
        None, "--flow", "-f", help="Only deployments of this flow."
    ),
    as_json: bool = _JSON,
) -> None:
    """List deployments with their schedules.

    \b
    Examples:
      riverrun deployment ls
      riverrun deployment ls --flow sf_export --json
    """
    from riverrun._cli._common import console, dump, print_json, print_table, sync_client
    from riverrun.schemas.filters import FlowFilter, FlowFilterName

    flow_filter = FlowFilter(name=FlowFilterName(any_=[flow_name])) if flow_name else None
    with sync_client() as client:
        deployments = client.read_deployments(flow_filter=flow_filter)
        names = {f.id: f.name for f in client.read_flows()}
    if as_json:
        print_json([{**dump(d), "flow_name": names.get(d.flow_id)} for d in deployments])
        return
    if not deployments:
        console().print("No deployments yet: `riverrun deploy` or flow.serve() makes one.",
                        style="bright_black")  # fmt: skip
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("Name", "ID", "Schedules", "Paused", "Work pool"):
        table.add_column(column)
    for d in deployments:
        table.add_row(Text(f"{names.get(d.flow_id, '?')}/{d.name}"), d.id, Text(_schedules_text(d)),
                      "yes" if d.paused else "", Text(d.work_pool_name or ""))  # fmt: skip
    print_table(table)


def _schedule_text(schedule: Any) -> str:
    inner = schedule.schedule
    what = getattr(inner, "cron", None) or getattr(inner, "rrule", None)
    if what is None:
        what = f"every {inner.interval}"
    zone = getattr(inner, "timezone", None)
    return f"{what}{f' ({zone})' if zone and zone != 'UTC' else ''}{'' if schedule.active else ' [paused]'}"


def _schedules_text(deployment: Any) -> str:
    return "; ".join(_schedule_text(s) for s in deployment.schedules)


@app.command()
def inspect(name: str = _NAME, as_json: bool = _JSON) -> None:
    """Show a deployment: entrypoint, parameters and their schema, schedules, policies.

    \b
    Examples:
      riverrun deployment inspect 'sf_export/nightly'
    """
    from riverrun._cli._common import dump, print_json, sync_client

    with sync_client() as client:
        deployment = _deployment(client, name)
    data = dump(deployment)
    if as_json:
        print_json(data)
        return
    from riverrun._cli._common import console

    out = console()
    out.print(f"[bold]{name}[/bold]  {deployment.id}")
    for key in ("entrypoint", "path", "work_pool_name", "work_queue_name", "version", "paused",
                "catchup", "catchup_window", "overlap", "concurrency_limit", "tags", "parameters"):  # fmt: skip
        out.print(f"  {key}: {data.get(key)}", markup=False)
    out.print("  schedules:")
    for schedule in deployment.schedules:
        out.print(f"    {schedule.id}  {_schedule_text(schedule)}", markup=False)
    out.print("  parameter schema:")
    schema = deployment.parameter_openapi_schema or {}
    required = set(schema.get("required", []))
    for pname, prop in schema.get("properties", {}).items():
        out.print(
            f"    {pname}{' (required)' if pname in required else ''}: {json.dumps(prop)}",
            markup=False,
        )


@app.command()
def run(
    name: str = _NAME,
    param: list[str] = typer.Option(
        [], "--param", "-p", help="A parameter, key=value (repeatable)."
    ),
    params: str | None = typer.Option(None, "--params", help="Parameters as a JSON object."),
    start_in: str | None = typer.Option(
        None, "--start-in", help="Start after this long: 90s, 5m, 2h."
    ),
    start_at: str | None = typer.Option(None, "--start-at", help="Start at this ISO 8601 time."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="A tag for the run (repeatable)."),
    watch: bool = typer.Option(
        False, "--watch", help="Wait for the run to finish; exit 1 unless it completes."
    ),
    watch_interval: float | None = typer.Option(
        None,
        "--watch-interval",
        min=0.05,
        help=f"With --watch: seconds between reads of the run (default {_WATCH_INTERVAL_S}).",
    ),  # fmt: skip
    watch_timeout: float | None = typer.Option(
        None,
        "--watch-timeout",
        min=0,
        help="With --watch: stop waiting after this many seconds and exit 1 (the run goes on).",
    ),  # fmt: skip
    as_json: bool = _JSON,
) -> None:
    """Create a run of a deployment (parameters checked against its schema now).

    With ``--watch`` it prints each state the run enters and exits 0 once the run is
    Completed, 1 once it ends in any other state or when ``--watch-timeout`` passes first.

    \b
    Examples:
      riverrun deployment run 'sf_export/nightly' --param env=snd --watch
      riverrun deployment run 'sf_export/nightly' --watch --watch-timeout 600
      riverrun deployment run 'sf_export/nightly' --params '{"env": "pro"}' --start-in 5m
    """
    from riverrun._cli._common import dump, fail, print_json, sync_client
    from riverrun.exceptions import ParameterTypeError
    from riverrun.states import Scheduled

    if start_in and start_at:
        fail("Give --start-in or --start-at, not both.")
    when = None
    if start_in:
        when = datetime.now(timezone.utc) + parse_start_in(start_in)
    elif start_at:
        when = parse_time(start_at, "--start-at")
    values = parse_params(param, params)
    with sync_client() as client:
        deployment = _deployment(client, name)
        state = Scheduled(state_details={"scheduled_time": when}) if when else None
        try:
            flow_run = client.create_flow_run_from_deployment(deployment.id, parameters=values,
                                                              state=state, tags=tag or None)  # fmt: skip
        except ParameterTypeError as exc:
            fail(str(exc))
        if not as_json:
            typer.echo(
                f"Created flow run {flow_run.name!r} ({flow_run.id}), {flow_run.state_name}."
            )
        if watch:
            flow_run = _watch(client, flow_run, watch_interval or _WATCH_INTERVAL_S,
                              watch_timeout, show=not as_json)  # fmt: skip
    if as_json:
        print_json(dump(flow_run))
    if not watch:
        return
    # Prefect's closing lines and exit codes.
    if flow_run.state_type is not None and flow_run.state_type.value == "COMPLETED":
        if not as_json:
            typer.echo(f"Flow run finished successfully in {flow_run.state_name!r}.")
        return
    fail(f"Flow run finished in state {flow_run.state_name!r}.")


def _watch(client: Any, flow_run: Any, interval: float, timeout: float | None, show: bool) -> Any:
    """Read the run every ``interval`` seconds until it ends, printing each state it enters.

    Exits 1 with Prefect's message when ``timeout`` passes first.
    """
    import time

    from riverrun._cli._common import fail, is_final

    deadline = None if timeout is None else time.monotonic() + timeout
    seen = None
    while True:
        if show and flow_run.state_name != seen:
            seen = flow_run.state_name
            typer.echo(f"Flow run {flow_run.name!r} is {seen}.")
        if is_final(flow_run):
            return flow_run
        if deadline is not None and time.monotonic() >= deadline:
            fail(f"Flow run with ID {flow_run.id} exceeded watch timeout of {_seconds(timeout)} "
                 f"seconds. The run goes on: `riverrun flow-run watch {flow_run.id}` follows it, "
                 "`riverrun flow-run cancel` stops it.")  # fmt: skip
        pause = (
            interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic()))
        )
        time.sleep(pause)
        flow_run = client.read_flow_run(flow_run.id)


def _seconds(value: float | None) -> str:
    return f"{value:g}" if value is not None else "?"


def _by_name(action: str) -> Any:
    def command(name: str = _NAME) -> None:
        from riverrun._cli._common import sync_client

        with sync_client() as client:
            deployment = _deployment(client, name)
            getattr(client, f"{action}_deployment")(deployment.id)
        typer.echo(f"{action.capitalize()}d deployment {name!r}." if action != "pause"
                   else f"Paused deployment {name!r}.")  # fmt: skip

    command.__doc__ = {"pause": "Stop scheduling a deployment (its future scheduled runs are removed).",
                       "resume": "Schedule a deployment again.",
                       "delete": "Delete a deployment and its runs that have not started."}[action] + (
        f"\n\n\b\nExamples:\n  riverrun deployment {action} 'sf_export/nightly'\n")  # fmt: skip
    return command


app.command("pause")(_by_name("pause"))
app.command("resume")(_by_name("resume"))
app.command("delete")(_by_name("delete"))


# -- schedules -------------------------------------------------------------------------------------
@schedule_app.command("ls")
def schedule_ls(name: str = _NAME, as_json: bool = _JSON) -> None:
    """List a deployment's schedules.

    \b
    Examples:
      riverrun deployment schedule ls 'sf_export/nightly'
    """
    from riverrun._cli._common import dump, print_json, sync_client

    with sync_client() as client:
        deployment = _deployment(client, name)
    if as_json:
        print_json([dump(s) for s in deployment.schedules])
        return
    for schedule in deployment.schedules:
        typer.echo(f"{schedule.id}  {_schedule_text(schedule)}")


@schedule_app.command("create")
def schedule_create(
    name: str = _NAME,
    cron: str | None = typer.Option(None, "--cron", help="A cron string, e.g. '0 2 * * *'."),
    interval: float | None = typer.Option(None, "--interval", help="Every this many seconds."),
    rrule: str | None = typer.Option(None, "--rrule", help="An RFC 5545 rule."),
    tz: str | None = typer.Option(None, "--timezone", help="An IANA timezone, e.g. Europe/Paris."),
    inactive: bool = typer.Option(False, "--inactive", help="Create it paused."),
) -> None:
    """Add a schedule to a deployment.

    \b
    Examples:
      riverrun deployment schedule create 'sf_export/nightly' --cron '0 2 * * *' --timezone Europe/Paris
      riverrun deployment schedule create 'sf_export/nightly' --interval 3600
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.schemas.schedules import construct_schedule

    try:
        schedule = construct_schedule(interval=interval, cron=cron, rrule=rrule, timezone=tz)
    except ValueError as exc:
        fail(str(exc).splitlines()[0] if "validation error" not in str(exc) else str(exc))
    with sync_client() as client:
        deployment = _deployment(client, name)
        [created] = client.create_deployment_schedules(deployment.id, [(schedule, not inactive)])
    typer.echo(f"Added schedule {created.id} to {name!r}.")


def _schedule_switch(active: bool) -> Any:
    def command(
        name: str = _NAME, schedule_id: str = typer.Argument(..., metavar="SCHEDULE_ID")
    ) -> None:
        from riverrun._cli._common import fail, sync_client
        from riverrun.exceptions import ObjectNotFound

        with sync_client() as client:
            deployment = _deployment(client, name)
            try:
                client.update_deployment_schedule(deployment.id, schedule_id, active=active)
            except ObjectNotFound as exc:
                fail(str(exc))
        typer.echo(f"{'Resumed' if active else 'Paused'} schedule {schedule_id}.")

    action = "resume" if active else "pause"
    command.__doc__ = (
        ("Resume a schedule." if active else "Pause a schedule (its future runs are removed).")
        + f"\n\n\b\nExamples:\n  riverrun deployment schedule {action} 'sf_export/nightly' SCHEDULE_ID\n"
    )
    return command


schedule_app.command("pause")(_schedule_switch(False))
schedule_app.command("resume")(_schedule_switch(True))


@schedule_app.command("delete")
def schedule_delete(
    name: str = _NAME, schedule_id: str = typer.Argument(..., metavar="SCHEDULE_ID")
) -> None:
    """Delete a schedule and its future runs.

    \b
    Examples:
      riverrun deployment schedule delete 'sf_export/nightly' SCHEDULE_ID
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.exceptions import ObjectNotFound

    with sync_client() as client:
        deployment = _deployment(client, name)
        try:
            client.delete_deployment_schedule(deployment.id, schedule_id)
        except ObjectNotFound as exc:
            fail(str(exc))
    typer.echo(f"Deleted schedule {schedule_id}.")


# -- backfill ----------------------------------------------------------------------------------------
@app.command()
def backfill(
    name: str = _NAME,
    start: str = typer.Option(..., "--start", help="First schedule time (ISO 8601, inclusive)."),
    end: str = typer.Option(..., "--end", help="Last schedule time (ISO 8601, inclusive)."),
    reprocess: str = typer.Option(
        "none", "--reprocess", help="Times that already ran: none|failed|completed."
    ),
    max_active: int | None = typer.Option(
        None,
        "--max-active",
        min=1,
        help="Unfinished runs at once, at most (without --wait: create only that many).",
    ),
    reverse: bool = typer.Option(False, "--reverse", help="Newest times first."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the times; create nothing."),
    wait: bool = typer.Option(
        False, "--wait", help="Create runs as earlier ones finish and show progress until all have."
    ),
) -> None:
    """One run per schedule time in [start, end], as Airflow's backfill (never a duplicate).

    A time that already has a run is skipped, unless ``--reprocess failed`` (its run failed
    or crashed) or ``--reprocess completed`` (any finished run); a time whose run is still
    scheduled or running is never duplicated.

    With ``--wait`` it creates the runs as earlier ones finish (at most ``--max-active``
    unfinished), shows how many have finished, and exits 1 if any did not complete. The runs
    run where the deployment is served (``serve()``, or a worker of its pool).

    \b
    Examples:
      riverrun deployment backfill 'sf_export/nightly' --start 2026-11-01 --end 2026-11-30 --dry-run
      riverrun deployment backfill 'sf_export/nightly' --start 2026-11-01 --end 2026-11-30 --reprocess failed
      riverrun deployment backfill 'sf_export/nightly' --start 2026-11-01 --end 2026-11-30 --max-active 2 --wait
    """
    from riverrun._cli._common import fail, sync_client
    from riverrun.deployments.backfill import plan_backfill

    if reprocess not in ("none", "failed", "completed"):
        fail(f"--reprocess {reprocess!r}: use none, failed or completed.")
    first, last = parse_time(start, "--start"), parse_time(end, "--end")
    if last < first:
        fail("--end is before --start.")
    with sync_client() as client:
        deployment = _deployment(client, name)
        if not deployment.schedules:
            fail(
                f"{name!r} has no schedule to backfill; add one with `riverrun deployment schedule create`."
            )
        plan = plan_backfill(client, deployment, first, last, reprocess)
        times = sorted(plan.create, reverse=reverse)
        left_out = 0
        if max_active is not None and not wait:
            times, left_out = times[:max_active], max(0, len(times) - max_active)
        for when, reason in plan.skipped:
            typer.echo(f"skip   {when.isoformat()}  ({reason})")
        for when in times:
            typer.echo(f"{'would create' if dry_run else 'create'} {when.isoformat()}")
        if dry_run:
            return
        if wait:
            _backfill_and_wait(client, plan, times, max_active, len(plan.skipped))
            return
        from rich.progress import track

        for when in track(times, description="Creating runs", transient=True):
            plan.create_run(client, when)
    typer.echo(f"Created {len(times)} run(s); skipped {len(plan.skipped)}.")
    if left_out:
        typer.echo(f"{left_out} later time(s) not created (--max-active {max_active}): run the "
                   "same command again once these finish, or add --wait.")  # fmt: skip


def _backfill_and_wait(
    client: Any, plan: Any, times: list[Any], max_active: int | None, skipped: int
) -> None:
    """Create runs as room frees up and show progress until every one has finished."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from riverrun._cli._common import fail
    from riverrun.deployments.backfill import run_backfill

    typer.echo(f"Waiting for {len(times)} run(s) to finish; they run where the deployment is "
               "served (serve() or a worker of its pool).")  # fmt: skip
    columns = (TextColumn("Backfill"), BarColumn(), MofNCompleteColumn(),
               TextColumn("finished, {task.fields[created]} created, {task.fields[bad]} not completed"))  # fmt: skip
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("backfill", total=len(times), created=0, bad=0)

        def show(p: Any) -> None:
            bar.update(task, completed=p.finished, created=p.created, bad=len(p.not_completed))

        progress = run_backfill(client, plan, times, max_active=max_active, on_progress=show)
    typer.echo(f"{progress.finished} of {progress.total} run(s) finished; skipped {skipped}.")
    if progress.not_completed:
        names = ", ".join(f"{r.name} ({r.state_name})" for r in progress.not_completed[:10])
        fail(f"{len(progress.not_completed)} run(s) did not complete: {names}. Rerun them with "
             "--reprocess failed.")  # fmt: skip
