"""``riverrun version``: versions, platform, and where runs go."""

from __future__ import annotations

import platform

import typer

app = typer.Typer(add_completion=False)


@app.command()
def version(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Show riverrun's version, Python's, the platform, and where runs are stored.

    \b
    Examples:
      riverrun version
      riverrun version --json
    """
    import riverrun
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    info = {
        "version": riverrun.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "profile": settings.profile_name,
        "home": str(settings.home),
        "store": str(settings.database_path) if not settings.api_url else "on the server",
        "api": settings.api_url or "embedded",
    }
    if as_json:
        from riverrun._cli._common import print_json

        print_json(info)
        return
    labels = {
        "version": "riverrun",
        "python": "Python",
        "platform": "Platform",
        "profile": "Profile",
        "home": "Home",
        "store": "Store",
        "api": "API",
    }
    width = max(map(len, labels.values()))
    for key, label in labels.items():
        typer.echo(f"{label + ':':<{width + 1}} {info[key]}")
