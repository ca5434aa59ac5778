"""What every command shares: output for people and for scripts, errors, parsing of options."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NoReturn, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from riverrun._api.store_api import StoreAPI
    from riverrun._store.sqlite_reads import SqliteReads
    from riverrun.schemas.filters import FlowRunFilterState
    from riverrun.states import StateType


def console() -> Console:
    """A rich console on stdout (rich is imported only when something is printed)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def print_table(table: Any) -> None:
    """Print a table that never cuts a cell: in a narrow terminal the wrapping columns wrap
    (at spaces), and if even that does not fit, the lines run past the terminal's edge.

    Squeezed into a narrow terminal, rich would cut IDs and names, which are what people
    copy from the table (``block inspect secret/db-password`` needs all of it). Columns
    holding identifiers are ``no_wrap``; a long line that the terminal wraps keeps every
    character.
    """
    from rich.measure import Measurement

    out = console()
    wide = out.options.update_width(100_000)
    for column in table.columns:
        if column.no_wrap:
            # rich measures a no_wrap column's minimum as its longest word; it needs all.
            cells = [column.header, *column.cells]
            column.min_width = max(Measurement.get(out, wide, cell).maximum for cell in cells)
        elif column.overflow == "ellipsis":
            column.overflow = "fold"  # a word longer than its column breaks, never vanishes
    # The minimum: no_wrap columns whole, the others wrapped down to their longest word.
    needed = Measurement.get(out, wide, table).minimum
    if needed > out.width:
        out.width = needed
    out.print(table)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``Error: message`` on stderr as one line and exit with ``code``."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def note(message: str) -> None:
    """A remark for people, on stderr so that it never mixes with data on stdout."""
    typer.echo(message, err=True)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON on stdout, without rich (which would wrap long lines)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def dump(model: Any) -> Any:
    """A pydantic object as plain JSON-compatible data."""
    return model.model_dump(mode="json")


@contextmanager
def sync_client() -> Iterator[Any]:
    """The synchronous client, opened and closed around the block.

    On the embedded SQLite file its reads go through ``SqliteReads`` (stdlib ``sqlite3``):
    a read command then answers before SQLAlchemy could even be imported; anything else the
    command does goes to the full store as usual.
    """
    from riverrun.client.orchestration import SyncRiverrunClient

    reads = _embedded_reads()
    # SqliteReads answers every StoreAPI method (those it does not translate, through the
    # full store), but by __getattr__, which a Protocol check cannot see.
    client = SyncRiverrunClient(backend=None if reads is None else cast("StoreAPI", reads))
    try:
        with client as opened:
            yield opened
    finally:
        if reads is not None:
            reads.close()


def _embedded_reads() -> SqliteReads | None:
    """A ``SqliteReads`` on the embedded file the settings name, or None (a server, or
    PostgreSQL, or a file the full store must first create or migrate)."""
    from riverrun._store.dialect import is_sqlite, sqlite_path
    from riverrun._store.sqlite_reads import SqliteReads
    from riverrun.client._transport import backend_for
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    if settings.api_url:
        return None
    url = str(settings.database_url or "")
    if url and not is_sqlite(url):
        return None
    try:
        path = sqlite_path(url) if url else settings.database_path.expanduser().resolve()
    except ValueError:
        return None
    return SqliteReads.open_if_current(path, backend_for(settings))


# -- time -------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``30m``, ``1h``, ``2d``, ``1w`` ago, or an ISO date/datetime (naive means local time).

    Raises:
        typer.BadParameter: neither form.
    """
    now = now or datetime.now(timezone.utc)
    match = _RELATIVE.match(text)
    if match:
        amount, unit = float(match.group(1)), match.group(2).lower()
        return now - timedelta(seconds=amount * _UNITS[unit])
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither a duration (30m, 1h, 2d, 1w) nor an ISO date "
            "(2024-05-01 or 2024-05-01T08:00:00)."
        ) from None
    # A person typing a date means their own clock's date.
    return moment if moment.tzinfo else moment.astimezone()


def format_duration(seconds: float | None) -> str:
    """``0.8s``, ``12s``, ``3m 05s``, ``2h 01m``."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def run_duration(run: Any) -> float | None:
    """How long a run ran: end - start, or now - start while running."""
    total = getattr(run, "total_run_time", None)
    if run.start_time is None:
        return total.total_seconds() if total else None
    end = run.end_time or datetime.now(timezone.utc)
    return max((end - run.start_time).total_seconds(), 0.0)


def format_time(moment: datetime | None) -> str:
    """A timestamp in local time, to the second."""
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


# -- states -----------------------------------------------------------------------------

STATE_NAMES = (
    "Scheduled",
    "Late",
    "AwaitingRetry",
    "Pending",
    "Running",
    "Retrying",
    "Completed",
    "Cached",
    "Failed",
    "TimedOut",
    "Crashed",
    "Cancelling",
    "Cancelled",
    "Paused",
    "Suspended",
)

_STATE_STYLES = {
    "COMPLETED": "green",
    "FAILED": "red",
    "CRASHED": "bold red",
    "CANCELLED": "bright_black",
    "CANCELLING": "bright_black",
    "RUNNING": "blue",
    "PENDING": "bright_black",
    "SCHEDULED": "yellow",
    "PAUSED": "yellow",
}


def parse_states(values: list[str]) -> tuple[list[StateType], list[str]]:
    """Split ``--state`` values into state types and state names, case-insensitively.

    A value naming a type (``failed``) matches every state of that type (``TimedOut``
    too); any other known name (``Cached``, ``Late``) matches that name only.

    Raises:
        typer.BadParameter: an unknown value, with the valid ones.
    """
    from riverrun.states import StateType

    types: list[StateType] = []
    names: list[str] = []
    for value in values:
        key = value.strip()
        if key.upper() in StateType.__members__:
            types.append(StateType[key.upper()])
            continue
        name = next((n for n in STATE_NAMES if n.lower() == key.lower()), None)
        if name is None:
            valid = ", ".join(
                dict.fromkeys([*STATE_NAMES, *(t.title() for t in StateType.__members__)])
            )
            raise typer.BadParameter(f"Unknown state {value!r}; valid states: {valid}.")
        names.append(name)
    return types, names


def state_filter(values: list[str]) -> FlowRunFilterState | None:
    """A flow run state filter matching any of ``values`` (types or names)."""
    if not values:
        return None  # before the import: the filter models cost ~0.07 s to define
    from riverrun.schemas.filters import (
        FlowRunFilterState,
        FlowRunFilterStateName,
        FlowRunFilterStateType,
    )

    types, names = parse_states(values)
    return FlowRunFilterState(
        type=FlowRunFilterStateType(any_=types) if types else None,
        name=FlowRunFilterStateName(any_=names) if names else None,
        operator="or_",
    )


def state_text(run: Any) -> tuple[str, str]:
    """(state name, rich style) of a run."""
    state = getattr(run, "state", None)
    name = getattr(run, "state_name", None) or (state.name if state else None) or "Unknown"
    state_type = getattr(run, "state_type", None) or (state.type if state else None)
    return name, _STATE_STYLES.get(str(state_type), "")


def is_final(run: Any) -> bool:
    """Whether a run reached a final state (Completed, Failed, Crashed, Cancelled)."""
    from riverrun.states import TERMINAL_STATES

    state_type = getattr(run, "state_type", None)
    if state_type is None and getattr(run, "state", None) is not None:
        state_type = run.state.type
    return state_type in TERMINAL_STATES


def not_found(run_id: str) -> NoReturn:
    """Exit with the standard message for an unknown flow run ID."""
    fail(f"No flow run with id {run_id!r}; `riverrun flow-run ls` lists them.")


def read_flow_run_or_fail(client: Any, run_id: str) -> Any:
    """The flow run ``run_id``, or exit with a clear message if there is none."""
    from riverrun.exceptions import ObjectNotFound, RiverrunException

    try:
        run = client.read_flow_run(run_id)
    except ObjectNotFound:
        not_found(run_id)
    except RiverrunException:
        raise
    except ValueError:  # not an ID at all
        not_found(run_id)
    if run is None:
        not_found(run_id)
    return run
