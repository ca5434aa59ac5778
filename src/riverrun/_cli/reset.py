"""``riverrun reset``: back to a clean slate in one command.

The settings (the profiles file) are always cleared. The database and the results are
deleted only with ``--yes`` or when a person answers yes at the prompt: run history is
not something to lose by accident, and a script without a terminal cannot answer.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer

app = typer.Typer(add_completion=False)


@app.command()
def reset(
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Also delete the run database and stored results, without asking."
    ),
) -> None:
    """Clear the settings; with confirmation, also delete the run database and results."""
    from riverrun._cli._common import note
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
    targets = [p for p in _database_files(database) if p.exists()]
    # Results elsewhere were put there by the user; riverrun deletes only inside its home.
    storage_inside_home = _is_inside(storage, home)
    if storage.exists() and storage_inside_home:
        targets.append(storage)
    if storage.exists() and not storage_inside_home:
        note(f"Results stored outside {home} are kept: {storage}. Delete them by hand if needed.")
    if not targets:
        typer.echo("No run database or results to delete.")
        return

    listing = ", ".join(str(p) for p in targets)
    if not yes:
        if not _can_ask():
            note(
                f"Kept the run database and results ({listing}): deleting them needs "
                "confirmation. Run `riverrun reset --yes` to delete them too."
            )
            return
        if not typer.confirm(f"Delete the run database and results ({listing})?", default=False):
            typer.echo("Kept the run database and results.")
            return
    for path in targets:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    typer.echo(f"Deleted {listing}.")


def _can_ask() -> bool:
    """Whether a person is there to answer a prompt."""
    return sys.stdin.isatty()


def _database_files(database: Path) -> list[Path]:
    # SQLite in WAL mode keeps recent writes in the -wal file: deleting only the .db would
    # leave a half database behind.
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def _is_inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True
