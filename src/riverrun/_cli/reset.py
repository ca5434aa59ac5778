"""``riverrun reset``: back to a clean slate in one command.

The settings (the profiles file) are always cleared. The run history (flow runs, task runs,
their logs and artifacts) and the stored results are deleted only with ``--yes`` or when a
person answers yes at the prompt, after being told how many of each: run history is not
something to lose by accident, and a script without a terminal cannot answer. Blocks
(secrets, webhooks), variables, deployments and API keys were made by hand and stay, unless
``--include-blocks`` asks to delete the whole database file.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import typer

app = typer.Typer(add_completion=False)


@app.command()
def reset(
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Delete the run history and stored results without asking."
    ),
    include_blocks: bool = typer.Option(
        False,
        "--include-blocks",
        help="Also delete blocks, variables, deployments and API keys: the whole database file.",
    ),
) -> None:
    """Clear the settings; after listing what goes and asking, delete the run history and
    stored results. Blocks, variables, deployments and API keys stay unless --include-blocks.

    \b
    Examples:
      riverrun reset                          # clear settings; list the rest and ask
      riverrun reset --yes                    # also delete runs and results, keep blocks
      riverrun reset --yes --include-blocks   # delete the whole database too
    """
    from riverrun._cli._common import fail, note
    from riverrun.exceptions import ConfigurationError
    from riverrun.settings import get_current_settings, home_path

    home = home_path()
    try:
        storage = get_current_settings().storage_path
    except ConfigurationError:
        # The profiles file being unreadable is a reason to reset, not to refuse.
        storage = home / "storage"

    profiles = home / "profiles.toml"
    if profiles.exists():
        profiles.unlink()
        typer.echo(f"Cleared the settings ({profiles}).")
    else:
        typer.echo("No settings to clear.")

    database = home / "riverrun.db"
    counts = _counts(database) if database.exists() else None
    if database.exists() and counts is None and not include_blocks:
        fail(f"{database} is not a riverrun database that can be read, so its runs cannot be "
             "told from its blocks. `riverrun reset --yes --include-blocks` deletes it whole.")  # fmt: skip
    # Results elsewhere were put there by the user; riverrun deletes only inside its home.
    results = storage if storage.exists() and _is_inside(storage, home) else None
    if storage.exists() and results is None:
        note(f"Results stored outside {home} are kept: {storage}. Delete them by hand if needed.")

    from riverrun._store.reset import CONFIGURATION, RUN_HISTORY

    history = {label: counts.get(label, 0) for label, _ in RUN_HISTORY} if counts else {}
    kept = {label: counts.get(label, 0) for label, _ in CONFIGURATION} if counts else {}
    goes: list[str] = []
    if database.exists() and (include_blocks or any(history.values())):
        what = _listing({**history, **kept} if include_blocks else history)
        goes.append(f"the whole database {database} ({what})" if include_blocks
                    else f"{what} from {database}")  # fmt: skip
    if results is not None:
        goes.append(f"stored results in {results} ({_file_count(results)} files)")
    if not goes:
        typer.echo("No run history or results to delete.")
        return

    typer.echo("This deletes:")
    for line in goes:
        typer.echo(f"  - {line}")
    if any(kept.values()) and not include_blocks:
        typer.echo(
            f"It keeps {_listing(kept, skip_zero=True)} (--include-blocks deletes them too)."
        )
    if not yes:
        if not _can_ask():
            note("Nothing more was deleted: that needs confirmation. Run `riverrun reset --yes` "
                 "to delete it.")  # fmt: skip
            return
        if not typer.confirm("Delete?", default=False):
            typer.echo("Kept the run history and results.")
            return
    if database.exists():
        if include_blocks:
            for path in _database_files(database):
                path.unlink(missing_ok=True)
        else:
            _delete_history(database)
    if results is not None:
        shutil.rmtree(results)
    typer.echo("Deleted.")


def _counts(database: Path) -> dict[str, int] | None:
    """What the database holds, or None if it is not a readable riverrun database."""
    from riverrun._store.dialect import sqlite_url
    from riverrun._store.reset import stored_counts
    from riverrun._store.service import open_store

    try:
        return stored_counts(open_store(sqlite_url(database)))
    except Exception:  # noqa: BLE001 - any failure means "cannot tell runs from blocks"
        return None


def _delete_history(database: Path) -> None:
    from riverrun._store.dialect import sqlite_url
    from riverrun._store.reset import delete_run_history
    from riverrun._store.service import open_store

    delete_run_history(open_store(sqlite_url(database)))
    # Give the deleted pages back to the file system: the run history is most of the file.
    conn = sqlite3.connect(database)
    try:
        conn.execute("VACUUM")
    finally:
        conn.close()


def _listing(counts: dict[str, int], skip_zero: bool = False) -> str:
    def named(label: str, n: int) -> str:
        return f"{n:,} {label[:-1] if n == 1 else label}"

    return ", ".join(named(label, n) for label, n in counts.items() if n or not skip_zero)


def _file_count(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def _can_ask() -> bool:
    """Whether a person is there to answer a prompt."""
    return sys.stdin.isatty()


def _database_files(database: Path) -> list[Path]:
    # SQLite in WAL mode keeps recent writes in the -wal file: deleting only the .db would
    # leave a half database behind. ".upkeep" is the day's retention mark (_store.retention).
    return [database] + [database.with_name(database.name + suffix)
                         for suffix in ("-wal", "-shm", ".upkeep")]  # fmt: skip


def _is_inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True
