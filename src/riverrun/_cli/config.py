"""``riverrun config``: see every setting and where it came from; change the active profile."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional

import typer

from riverrun._cli._output import OUTPUT_HELP, wants_json

if TYPE_CHECKING:
    from riverrun.settings import SettingDefinition

app = typer.Typer(
    help="View and change settings (environment over the active profile over defaults).",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def view(
    show_sources: Optional[bool] = typer.Option(
        None,
        "--show-sources/--hide-sources",
        help="Say where each value came from (default: hidden in the table, shown with -o json).",
    ),
    show_defaults: Optional[bool] = typer.Option(
        None,
        "--show-defaults/--hide-defaults",
        help="Include settings at their defaults (default: shown in the table, not with -o json).",
    ),
    show_secrets: bool = typer.Option(
        False, "--show-secrets/--hide-secrets", help="Show secret values unmasked."
    ),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Show every setting with its value; secrets are masked.

    \b
    Examples:
      riverrun config view --show-sources
      riverrun config view --json
      riverrun config view -o json --show-defaults
    """
    from riverrun._cli._common import console, print_json, print_table
    from riverrun.settings import ENV_VARS, display_value, get_current_settings

    settings = get_current_settings()

    def shown(name: str, value: Any) -> str:
        return (
            str(value)
            if show_secrets and value is not None
            else display_value(ENV_VARS[name], value)
        )

    if wants_json(output):
        # Prefect's form: the settings not at their defaults, each with its source.
        print_json({"profile": settings.profile_name, "settings": [
            {"name": name, "value": shown(name, value),
             **({"source": _prefect_source(source)} if show_sources is not False else {})}
            for name, value, source in settings.items()
            if show_defaults or source != "default"
        ]})  # fmt: skip
        return
    show_sources = bool(show_sources)
    if as_json:
        print_json(
            {
                "profile": settings.profile_name,
                "profiles_path": str(settings.profiles_path),
                "settings": {
                    name: {
                        "value": _json_value(ENV_VARS[name], value),
                        "source": source,
                    }
                    for name, value, source in settings.items()
                },
            }
        )
        return
    rows = [
        (env_var, shown(env_var, value), source)
        for env_var, value, source in settings.items()
        if show_defaults is not False or source != "default"
    ]
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("Setting")
    table.add_column("Value", overflow="fold")
    if show_sources:
        table.add_column("Source", style="bright_black")
    for name, value, source in rows:
        style = "bright_black" if source == "default" else ""
        cells = [name, value if value != "" else "(unset)"]
        if show_sources:
            cells.append(source)
        table.add_row(*cells, style=style)
    console().print(f"Profile: {settings.profile_name}  ({settings.profiles_path})")
    print_table(table)


def _prefect_source(source: str) -> str:
    """riverrun's source of a value ("profile 'dev'") as Prefect names it ("profile")."""
    if source == "default":
        return "defaults"
    return "profile" if source.startswith("profile") else source


def _json_value(definition: SettingDefinition, value: Any) -> Any:
    from riverrun.settings import display_value

    if value is None or isinstance(value, (bool, int, float)):
        return value
    return display_value(definition, value) if definition.secret else str(value)


@app.command("set")
def set_(
    assignments: list[str] = typer.Argument(
        ..., metavar="NAME=VALUE...", help="Settings to store, e.g. RIVERRUN_LOGGING_LEVEL=DEBUG."
    ),
) -> None:
    """Store settings in the active profile (names with or without the RIVERRUN_ prefix).

    \b
    Examples:
      riverrun config set RIVERRUN_LOGGING_LEVEL=DEBUG
      riverrun config set logging_level=DEBUG
    """
    from riverrun._cli._common import fail, note
    from riverrun.settings import find_setting, parse_setting_value, update_profile

    values = {}
    for assignment in assignments:
        name, sep, raw = assignment.partition("=")
        if not sep or not name.strip():
            fail(
                f"Expected NAME=VALUE, got {assignment!r}; e.g. `riverrun config set RIVERRUN_LOGGING_LEVEL=DEBUG`."
            )
        definition = find_setting(name)
        values[definition.env_var] = parse_setting_value(definition, raw)
    profile, path = update_profile(set_values=values)
    for env_var, value in values.items():
        typer.echo(f"Set {env_var}={value} in profile {profile!r} ({path}).")
        if env_var in os.environ:
            note(f"Note: {env_var} is also set in the environment, which takes precedence.")


@app.command()
def unset(
    names: list[str] = typer.Argument(..., metavar="NAME...", help="Settings to remove."),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Skip confirmation (accepted as Prefect's; riverrun never asks)."
    ),
) -> None:
    """Remove settings from the active profile, so they fall back to their defaults.

    \b
    Examples:
      riverrun config unset RIVERRUN_LOGGING_LEVEL
    """
    from riverrun._cli._common import note
    from riverrun.settings import (
        active_profile_name,
        find_setting,
        home_path,
        read_profiles,
        update_profile,
    )

    profiles = read_profiles(home_path() / "profiles.toml")
    profile = profiles["profiles"].get(active_profile_name(profiles), {})
    keys = []
    for name in names:
        # A name the profile holds is removable even when riverrun no longer knows it.
        stored = next(
            (k for k in profile if k.upper() in (name.upper(), f"RIVERRUN_{name.upper()}")), None
        )
        keys.append(stored or find_setting(name).env_var)
    absent = [k for k in keys if k not in profile]
    profile_name, path = update_profile(unset=keys)
    for key in keys:
        if key in absent:
            note(f"{key} was not set in profile {profile_name!r}; nothing to do.")
        else:
            typer.echo(f"Unset {key} in profile {profile_name!r} ({path}).")
        if key in os.environ:
            note(f"Note: {key} is still set in the environment, which takes precedence.")


@app.command()
def validate() -> None:
    """Read and validate the current profile: every name known, every value of its type.

    \b
    Examples:
      riverrun config validate
    """
    from riverrun._cli._common import fail
    from riverrun.exceptions import ConfigurationError
    from riverrun.settings import (
        ENV_VARS,
        active_profile_name,
        find_setting,
        get_current_settings,
        home_path,
        parse_setting_value,
        read_profiles,
    )

    path = home_path() / "profiles.toml"
    profiles = read_profiles(path)
    name = active_profile_name(profiles)
    problems = []
    for key, value in profiles["profiles"].get(name, {}).items():
        try:
            definition = ENV_VARS.get(key) or find_setting(key)
            parse_setting_value(
                definition, str(value).lower() if isinstance(value, bool) else str(value)
            )
        except ConfigurationError as exc:
            problems.append(str(exc))
    if problems:
        fail(f"Profile {name!r} in {path} is not valid:\n  " + "\n  ".join(problems))
    try:
        get_current_settings()  # the environment's values too
    except ConfigurationError as exc:
        fail(str(exc))
    typer.echo("Configuration valid!")
