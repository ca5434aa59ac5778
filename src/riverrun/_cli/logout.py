"""``riverrun logout``: stop pointing this machine at a riverrun server."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False)


@app.command()
def logout() -> None:
    """Remove RIVERRUN_API_URL and RIVERRUN_API_KEY from the active profile.

    \b
    Examples:
      riverrun logout
    """
    from riverrun.settings import update_profile

    profile, path = update_profile(unset=["RIVERRUN_API_URL", "RIVERRUN_API_KEY"])
    typer.echo(f"Logged out: profile {profile!r} in {path} now uses the embedded store.")
