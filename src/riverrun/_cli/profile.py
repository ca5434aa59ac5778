"""``riverrun profile``: named sets of settings in ``$RIVERRUN_HOME/profiles.toml`` (Prefect's
``prefect profile``)."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from riverrun._cli._output import OUTPUT_HELP, wants_json

app = typer.Typer(
    help="Create, switch and inspect settings profiles.", no_args_is_help=True, add_completion=False
)

# riverrun's base profiles (Prefect's are ephemeral/local/test/cloud): the embedded store, and
# a server on this machine.
DEFAULT_PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "local": {"RIVERRUN_API_URL": "http://127.0.0.1:4200/api"},
}


@app.callback()
def _group() -> None:
    """Create, switch and inspect settings profiles."""


def _load() -> tuple[dict[str, Any], Any]:
    from riverrun.settings import home_path, read_profiles

    path = home_path() / "profiles.toml"
    return read_profiles(path), path


def _save(data: dict[str, Any], path: Any) -> None:
    from riverrun.settings import write_profiles

    write_profiles(path, data)


def _require(data: dict[str, Any], name: str) -> dict[str, Any]:
    from riverrun._cli._common import fail

    if name not in data["profiles"]:
        fail(f"Profile {name!r} not found. `riverrun profile ls` lists them.")
    profile: dict[str, Any] = data["profiles"][name]
    return profile


@app.command("ls")
def ls(output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP)) -> None:
    """List profile names; the active one is marked with *.

    \b
    Examples:
      riverrun profile ls
      riverrun profile ls -o json
    """
    from riverrun._cli._common import print_json
    from riverrun.settings import active_profile_name

    data, _ = _load()
    active = active_profile_name(data)
    if wants_json(output):
        print_json([{"name": name, "active": name == active} for name in data["profiles"]])
        return
    typer.echo("Available Profiles:")
    for name in data["profiles"]:
        typer.echo(f"  * {name}" if name == active else f"    {name}")
    typer.echo("  (* active profile)")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="The new profile's name."),
    from_name: str | None = typer.Option(None, "--from", help="Copy an existing profile."),
) -> None:
    """Create a new profile (empty, or a copy of another with --from).

    \b
    Examples:
      riverrun profile create staging
      riverrun profile create staging --from local
    """
    from riverrun._cli._common import fail

    data, path = _load()
    if name in data["profiles"] and (path.exists() or name != "default"):
        fail(f"Profile {name!r} already exists. To create a new profile, remove the existing "
             f"profile first: riverrun profile delete {name!r}")  # fmt: skip
    settings = dict(_require(data, from_name)) if from_name else {}
    data["profiles"][name] = settings
    _save(data, path)
    typer.echo(
        f"Created profile with properties:\n    name - {name!r}\n    from name - {from_name or None}\n"
    )
    typer.echo(
        f"Use created profile for future, subsequent commands:\n    riverrun profile use {name!r}\n"
    )
    typer.echo(
        f"Use created profile temporarily for a single command:\n    RIVERRUN_PROFILE={name} riverrun config view"
    )


@app.command("use")
def use(name: str = typer.Argument(..., help="The profile to make active.")) -> None:
    """Set the given profile to active, and say whether its server answers.

    \b
    Examples:
      riverrun profile use local
    """
    from riverrun._cli._common import fail, note

    data, path = _load()
    settings = _require(data, name)
    data["active"] = name
    _save(data, path)
    if os.environ.get("RIVERRUN_PROFILE") not in (None, name):
        note(
            f"Note: RIVERRUN_PROFILE={os.environ['RIVERRUN_PROFILE']} in the environment takes precedence."
        )
    url = os.environ.get("RIVERRUN_API_URL") or settings.get("RIVERRUN_API_URL")
    if not url:
        typer.echo(
            f"No riverrun server specified using profile {name!r} - runs are recorded in the embedded store."
        )
        return
    from riverrun.client._http import check_login

    try:
        check_login(
            str(url), os.environ.get("RIVERRUN_API_KEY") or settings.get("RIVERRUN_API_KEY")
        )
    except Exception as exc:  # noqa: BLE001 - any failure to connect is reported, not raised
        fail(f"Error connecting to riverrun server using profile {name!r}: {exc}")
    typer.echo(f"Connected to riverrun server using profile {name!r}")


@app.command("delete")
def delete(name: str = typer.Argument(..., help="The profile to delete.")) -> None:
    """Delete the given profile (not the active one).

    \b
    Examples:
      riverrun profile delete staging
    """
    from riverrun._cli._common import fail
    from riverrun.settings import active_profile_name

    data, path = _load()
    _require(data, name)
    if active_profile_name(data) == name:
        fail(
            f"Profile {name!r} is the active profile. You must switch profiles before it can be deleted."
        )
    if sys.stdin.isatty() and not typer.confirm(
        f"Are you sure you want to delete profile with name {name!r}?", default=False
    ):
        fail("Deletion aborted.")
    del data["profiles"][name]
    _save(data, path)
    typer.echo(f"Removed profile {name!r}.")


@app.command("rename")
def rename(
    name: str = typer.Argument(..., help="The profile's current name."),
    new_name: str = typer.Argument(..., help="Its new name."),
) -> None:
    """Change the name of a profile.

    \b
    Examples:
      riverrun profile rename staging stage
    """
    from riverrun._cli._common import fail, note

    data, path = _load()
    settings = _require(data, name)
    if new_name in data["profiles"]:
        fail(f"Profile {new_name!r} already exists.")
    data["profiles"][new_name] = settings
    del data["profiles"][name]
    if data.get("active") == name:
        data["active"] = new_name
    if os.environ.get("RIVERRUN_PROFILE") == name:
        note(f"You have set your current profile to {name!r} with the RIVERRUN_PROFILE environment "
             f"variable. You must update this variable to {new_name!r} to continue using the profile.")  # fmt: skip
    _save(data, path)
    typer.echo(f"Renamed profile {name!r} to {new_name!r}.")


@app.command("inspect")
def inspect(
    name: str | None = typer.Argument(None, help="Name of profile to inspect; defaults to active."),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
) -> None:
    """Display settings from a given profile; defaults to active.

    \b
    Examples:
      riverrun profile inspect
      riverrun profile inspect local -o json
    """
    from riverrun._cli._common import print_json
    from riverrun.settings import ENV_VARS, active_profile_name, display_value

    data, _ = _load()
    name = name or active_profile_name(data)
    settings = _require(data, name)
    if wants_json(output):
        print_json(
            {k: display_value(ENV_VARS[k], v) if k in ENV_VARS else v for k, v in settings.items()}
        )
        return
    if not settings:
        typer.echo(f"Profile {name!r} is empty.")
        return
    for key, value in settings.items():
        shown = display_value(ENV_VARS[key], value) if key in ENV_VARS else value
        typer.echo(f"{key}='{shown}'")


@app.command("populate-defaults")
def populate_defaults() -> None:
    """Add riverrun's base profiles (default: embedded store; local: a server on this machine),
    keeping existing profiles as they are.

    \b
    Examples:
      riverrun profile populate-defaults
    """
    data, path = _load()
    added = [
        n
        for n in DEFAULT_PROFILES
        if n not in data["profiles"] or (n == "default" and not path.exists())
    ]
    for name in added:
        data["profiles"][name] = dict(DEFAULT_PROFILES[name])
    if path.exists() and added:
        backup = path.with_suffix(".toml.bak")
        backup.write_bytes(path.read_bytes())
        typer.echo(f"Profiles backed up to {backup}")
    _save(data, path)
    typer.echo(f"Profiles updated in {path}")
    for name in added:
        typer.echo(f"  - added {name!r}")
    typer.echo("Available profiles:")
    for name in data["profiles"]:
        typer.echo(f"  - {name}")
