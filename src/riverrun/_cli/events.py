"""``riverrun events stream``: follow events as they are recorded, filtered by name or resource."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Optional

import typer

app = typer.Typer(help="Follow events.", no_args_is_help=True, add_completion=False)


@app.callback()
def _group() -> None:
    """Follow events: flow-run state changes, your own emit_event calls, automation outcomes."""


@app.command("stream")
def stream(
    event: list[str] = typer.Option(
        [], "--event", "-e", help="Event names; NAME* matches by prefix."
    ),
    resource: list[str] = typer.Option(
        [], "--resource-id", "-r", help="Resource IDs; ID* by prefix."
    ),
    since: Optional[str] = typer.Option(
        None, "--since", help="Start with events since (30m, 1h, ISO date)."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json (one JSON object a line)."),
    run_once: bool = typer.Option(False, "--run-once", help="Stop after the first event."),
    interval: float = typer.Option(0.5, "--interval", help="Seconds between looks for new events."),
) -> None:
    """Print events as they arrive (Ctrl-C stops).

    \b
    Examples:
      riverrun events stream
      riverrun events stream --event 'riverrun.flow-run.*' --since 1h --format json
    """
    from riverrun._cli._common import fail, parse_since, sync_client
    from riverrun.schemas.automations import EventFilter

    if fmt not in ("text", "json"):
        fail(f"--format must be text or json, not {fmt!r}.")
    cursor = parse_since(since) if since else datetime.now(timezone.utc)
    seen: set[str] = set()
    pause = threading.Event()
    with sync_client() as client:
        while True:
            flt = EventFilter(event_names=event or None, resource_ids=resource or None,
                              received_after=cursor)  # fmt: skip
            for found in client.read_events(filter=flt, limit=1000):
                if str(found.id) in seen:
                    continue
                seen.add(str(found.id))
                cursor = max(cursor, found.received)
                if fmt == "json":
                    typer.echo(json.dumps(found.model_dump(mode="json")))
                else:
                    typer.echo(f"{found.occurred.isoformat()}  {found.event}  {found.resource.id}")
                if run_once:
                    return
            pause.wait(interval)
