"""``riverrun login``: point this machine at a riverrun server (``riverrun logout`` undoes it)."""

from __future__ import annotations

import typer

from riverrun._cli._common import fail

app = typer.Typer(add_completion=False)


@app.command()
def login(
    url: str = typer.Option(..., "--url", help="The server's API URL, e.g. http://127.0.0.1:4200/api."),
    key: str = typer.Option(None, "--key", "-k", help="An API key (`riverrun server api-key create`)."),
) -> None:
    """Check the key against the server, then save RIVERRUN_API_URL and RIVERRUN_API_KEY
    in the active profile."""
    from riverrun.client._http import check_login
    from riverrun.settings import update_profile

    url = url.rstrip("/")
    if not url.startswith(("http://", "https://")):
        fail(f"{url!r} is not an http(s) URL; e.g. http://127.0.0.1:4200/api.")
    answer = check_login(url, key)
    values = {"RIVERRUN_API_URL": url}
    if key:
        values["RIVERRUN_API_KEY"] = key
    profile, path = update_profile(values, unset=[] if key else ["RIVERRUN_API_KEY"])
    typer.echo(f"Logged in to riverrun {answer.get('riverrun')} at {url} "
               f"(profile {profile!r} in {path}).")  # fmt: skip
