"""``riverrun login``: point this machine at a riverrun server (``riverrun logout`` undoes it)."""

from __future__ import annotations

import typer

from riverrun._cli._common import fail

app = typer.Typer(add_completion=False)


@app.command()
def login(
    url: str = typer.Option(
        ..., "--url", help="The server's API URL, e.g. http://127.0.0.1:4200/api."
    ),
    key: str = typer.Option(
        None, "--key", "-k", help="An API key (`riverrun server api-key create`)."
    ),
) -> None:
    """Check that the server answers (and, if it has auth on, accepts the key), then save
    RIVERRUN_API_URL and RIVERRUN_API_KEY in the active profile.

    A server with auth off accepts any key; login then says so instead of calling the key
    good.

    \b
    Examples:
      riverrun login --url http://127.0.0.1:4200/api --key rr_...
      riverrun login --url http://127.0.0.1:4200/api   # a server with auth off
    """
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
    auth = answer.get("auth")
    if auth == "on":
        checked = "; the server checked the key" if key else ""
    elif auth == "off":
        checked = ("; note: this server has auth off (RIVERRUN_SERVER_AUTH is not set where it "
                   "runs), so it accepts any key or none: the key was not checked")  # fmt: skip
    else:
        checked = "; this server does not say whether it checks keys (an older riverrun)"
    typer.echo(f"Logged in to riverrun {answer.get('riverrun')} at {url} "
               f"(profile {profile!r} in {path}){checked}.")  # fmt: skip
