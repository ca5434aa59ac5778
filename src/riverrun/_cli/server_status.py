"""``riverrun server status``: is the server at ``RIVERRUN_API_URL`` answering (Prefect's command)."""

from __future__ import annotations

import time
from typing import Any

import typer

from riverrun._cli._output import OUTPUT_HELP


def status(
    wait: bool = typer.Option(
        False, "--wait", help="Wait for the server to become available before returning."
    ),
    timeout: int = typer.Option(
        0,
        "--timeout",
        "-t",
        min=0,
        help="Maximum number of seconds to wait when using --wait. A value of 0 means wait indefinitely.",
    ),
    output: str | None = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
) -> None:
    """Check the status of the riverrun server (exit 0 when it answers, 1 when not).

    \b
    Examples:
      riverrun server status
      riverrun server status --wait --timeout 30 -o json
    """
    from riverrun._cli._common import fail, print_json
    from riverrun._cli._output import wants_json
    from riverrun.client.orchestration import get_client
    from riverrun.settings import get_current_settings

    is_json = wants_json(output)
    settings = get_current_settings()
    api_url = settings.api_url
    if not api_url:
        fail(
            "No API URL configured. Set RIVERRUN_API_URL to the address of your server "
            f"(without one, runs are stored in the embedded store at {settings.database_path}, "
            "with no server)."
        )
    if not is_json:
        typer.echo(f"Connecting to server at {api_url}...")
    started = time.monotonic()
    client = get_client(sync_client=True)
    while True:
        error = client.api_healthcheck()
        if error is None:
            result: dict[str, Any] = {"status": "available", "api_url": api_url}
            version = _server_version(api_url, settings.api_key)
            if version is not None:
                result["server_version"] = version
            if is_json:
                print_json(result)
            else:
                typer.echo("Server is available.")
                typer.echo(f"  API URL: {api_url}")
                if version is not None:
                    typer.echo(f"  Server version: {version}")
            return
        if not wait:
            if is_json:
                print_json({"status": "unavailable", "api_url": api_url, "error": str(error)})
                raise typer.Exit(1)
            fail(f"Server is not available at {api_url}. Error: {error}")
        if timeout > 0 and time.monotonic() - started >= timeout:
            if is_json:
                print_json(
                    {
                        "status": "timed_out",
                        "api_url": api_url,
                        "timeout": timeout,
                        "error": str(error),
                    }
                )
                raise typer.Exit(1)
            fail(f"Timed out after {timeout} seconds waiting for server at {api_url}.")
        time.sleep(1)


def _server_version(api_url: str, api_key: str | None) -> str | None:
    from riverrun.client._http import check_login

    try:
        answer = check_login(api_url, api_key)
    except Exception:  # noqa: BLE001 - the version is extra; the server answered already
        return None
    version = answer.get("riverrun")
    return str(version) if version is not None else None


def register(app: typer.Typer) -> None:
    """Add ``status`` to the ``server`` group."""
    app.command("status")(status)
