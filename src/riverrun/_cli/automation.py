"""``riverrun automation``: create (from YAML or JSON), list, inspect, pause, resume, delete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

if TYPE_CHECKING:
    from riverrun.schemas.automations import AutomationRecord

app = typer.Typer(
    help="Create, list and change automations.", no_args_is_help=True, add_completion=False
)


@app.callback()
def _group() -> None:
    """Create, list and change automations: a trigger over events, and actions."""


def _find(client: Any, name: Optional[str], automation_id: Optional[str]) -> list[AutomationRecord]:
    from riverrun._cli._common import fail

    if (name is None) == (automation_id is None):
        fail(
            "Give an automation's NAME or --id ID (one of them); `riverrun automation ls` lists them."
        )
    if automation_id is not None:
        found = client.read_automation(automation_id=automation_id)
        if found is None:
            fail(f"No automation with id {automation_id!r}; `riverrun automation ls` lists them.")
        return [found]
    named = client.read_automations_by_name(name=name)
    if not named:
        fail(f"No automation named {name!r}; `riverrun automation ls` lists them.")
    return list(named)


def _definitions(path: Path) -> list[dict[str, Any]]:
    """The automations in a YAML or JSON file: one, a list, or a list under ``automations``."""
    from riverrun._cli._common import fail

    try:
        text = path.read_text()
    except OSError as exc:
        fail(f"Cannot read {path}: {exc.strerror}.")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"{path} is not valid JSON: {exc}.")
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            fail(f"{path} is not valid YAML: {exc}.")
    if isinstance(data, dict) and "automations" in data:
        data = data["automations"]
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        fail(
            f"{path} must hold an automation (a mapping), a list of them, or `automations:` with a list."
        )
    return items


@app.command("create")
def create(
    from_file: Path = typer.Option(
        ..., "--from-file", "-f", help="YAML or JSON file of automations."
    ),
) -> None:
    """Create the automations described in a YAML or JSON file.

    \b
    Examples:
      riverrun automation create -f pro-failures.yaml
    """
    import warnings

    from pydantic import ValidationError

    from riverrun._cli._common import fail, note
    from riverrun.automations import Automation

    for index, item in enumerate(_definitions(from_file)):
        try:
            automation = Automation.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            fail(
                f"{from_file}: automation {index} ({item.get('name', '?')}): {where}: {first['msg']}."
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                automation.create()
            except ValueError as exc:
                fail(f"{from_file}: automation {automation.name!r}: {exc}")
        for warning in caught:
            note(f"Warning: {warning.message}")
        typer.echo(f"Created automation {automation.name!r} with id {automation.id}")


@app.command("ls")
def ls(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """List automations.

    \b
    Examples:
      riverrun automation ls
      riverrun automation ls --json
    """
    from riverrun._cli._common import console, dump, print_json, sync_client

    with sync_client() as client:
        automations = client.read_automations()
    if as_json:
        print_json([dump(a) for a in automations])
        return
    out = console()
    if not automations:
        out.print(
            "No automations yet: `riverrun automation create -f FILE` adds some.",
            style="bright_black",
        )
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("Name", "Trigger", "Actions", "Enabled", "ID"):
        table.add_column(column)
    for a in automations:
        trigger = a.trigger
        summary = trigger.type
        if trigger.type == "event":
            summary = f"{trigger.posture.value}: {', '.join(sorted(trigger.expect)) or 'any event'}"
        table.add_row(a.name, summary, ", ".join(x.type for x in a.actions + a.actions_on_trigger),
                      "yes" if a.enabled else "no", str(a.id))  # fmt: skip
    out.print(table)


@app.command("inspect")
def inspect(
    name: Optional[str] = typer.Argument(None, help="The automation's name."),
    automation_id: Optional[str] = typer.Option(None, "--id", help="The automation's ID."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Show automations by name or ID, with their trigger and actions.

    \b
    Examples:
      riverrun automation inspect 'pro failures'
    """
    from riverrun._cli._common import dump, print_json, sync_client

    with sync_client() as client:
        found = _find(client, name, automation_id)
    if as_json:
        print_json([dump(a) for a in found])
        return
    import yaml

    for automation in found:
        typer.echo(yaml.safe_dump(dump(automation), sort_keys=False).rstrip())


def _toggle(name: Optional[str], automation_id: Optional[str], operation: str, done: str) -> None:
    from riverrun._cli._common import sync_client

    with sync_client() as client:
        for automation in _find(client, name, automation_id):
            getattr(client, operation)(automation_id=automation.id)
            typer.echo(f"{done} automation {automation.name!r} ({automation.id})")


@app.command("pause")
def pause(
    name: Optional[str] = typer.Argument(None, help="The automation's name."),
    automation_id: Optional[str] = typer.Option(None, "--id", help="The automation's ID."),
) -> None:
    """Pause (disable) an automation.

    \b
    Examples:
      riverrun automation pause 'pro failures'
    """
    _toggle(name, automation_id, "pause_automation", "Paused")


@app.command("resume")
def resume(
    name: Optional[str] = typer.Argument(None, help="The automation's name."),
    automation_id: Optional[str] = typer.Option(None, "--id", help="The automation's ID."),
) -> None:
    """Resume (enable) an automation.

    \b
    Examples:
      riverrun automation resume 'pro failures'
    """
    _toggle(name, automation_id, "resume_automation", "Resumed")


@app.command("delete")
def delete(
    name: Optional[str] = typer.Argument(None, help="The automation's name."),
    automation_id: Optional[str] = typer.Option(None, "--id", help="The automation's ID."),
) -> None:
    """Delete an automation.

    \b
    Examples:
      riverrun automation delete 'pro failures'
    """
    _toggle(name, automation_id, "delete_automation", "Deleted")
