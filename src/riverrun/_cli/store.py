"""``riverrun store``: check the embedded store's file, give its free space back."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    add_completion=False, help="Check or compact the embedded store.", no_args_is_help=True
)


def _database_path() -> Path:
    from riverrun._cli._common import fail
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    path: Path = settings.database_path
    if not path.exists():
        fail(f"There is no embedded store at {path} yet (nothing was recorded into it).")
    return path


@app.command()
def check() -> None:
    """Run SQLite's integrity check on the embedded store and say what to do.

    \b
    Examples:
      riverrun store check
    """
    from riverrun._cli._common import fail
    from riverrun._store.integrity import advice, integrity_check

    path = _database_path()
    report = integrity_check(path)
    if report.ok:
        typer.echo(f"The store {path} is sound (integrity_check: ok).")
        return
    shown = "\n".join(f"  {line}" for line in report.problems)
    typer.echo(f"SQLite's integrity check found {path} malformed:\n{shown}", err=True)
    fail(f"The store {path} is malformed; riverrun writes no new runs into it until it is "
         f"replaced. {advice(path)}")  # fmt: skip


@app.command()
def vacuum() -> None:
    """Rebuild the embedded store's file so that the space of deleted runs is given back.

    \b
    Examples:
      riverrun store vacuum
    """
    from riverrun._cli._common import fail
    from riverrun._store.embedded import embedded_writer
    from riverrun.exceptions import StoreError
    from riverrun.settings import get_current_settings

    path = _database_path()
    try:
        before, after = embedded_writer(
            path, get_current_settings().store_busy_timeout_seconds
        ).vacuum()
    except StoreError as exc:
        fail(str(exc))
    typer.echo(f"Vacuumed {path}: {_mib(before)} -> {_mib(after)}.")


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"
