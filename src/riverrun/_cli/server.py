"""``riverrun server``: start the API, migrate its database, manage API keys, run retention."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import typer

from riverrun._cli import server_status as _status
from riverrun._cli._common import fail, note, print_json

if TYPE_CHECKING:
    from riverrun._store.service import Store

app = typer.Typer(help="Start the riverrun server and manage its database and API keys.",
                  no_args_is_help=True, add_completion=False)  # fmt: skip
database_app = typer.Typer(help="Migrate the server's database.", no_args_is_help=True)
api_key_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
retention_app = typer.Typer(help="Delete old runs.", no_args_is_help=True)
app.add_typer(database_app, name="database")
app.add_typer(api_key_app, name="api-key")
app.add_typer(retention_app, name="retention")
_status.register(app)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _database_url() -> str:
    from riverrun._store.dialect import sqlite_url
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    if settings.database_url:
        url = str(settings.database_url)
        # The store is synchronous: an asyncpg URL names the same database, reached with
        # psycopg (both are in the postgres extra).
        if url.startswith("postgresql+asyncpg://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql+asyncpg://")
        return url
    return sqlite_url(settings.database_path.expanduser().resolve())


def _setting_source(env_var: str) -> str:
    """``RIVERRUN_SERVER_PORT (from the environment)``: a setting and where its value is from."""
    from riverrun.settings import get_current_settings

    source = next(src for name, _, src in get_current_settings().items() if name == env_var)
    where = {"env": "the environment", "default": "the default"}.get(source, source)
    return f"{env_var} (from {where})"


def _shown(url: str) -> str:
    from riverrun.settings import ENV_VARS, display_value

    return display_value(ENV_VARS["RIVERRUN_DATABASE_URL"], url)


def _store() -> Store:
    from riverrun._store.service import open_store

    return open_store(_database_url())


def _parse_size(text: str) -> int:
    match = _SIZE.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not a size; write e.g. 10MiB, 512KiB or 1048576.")
    amount, unit = float(match.group(1)), (match.group(2) or "b").lower()
    size = int(amount * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit[0]])
    if size < 1:
        raise typer.BadParameter(f"{text!r} is less than one byte; write e.g. 10MiB, 512KiB or 1048576.",
                                 param_hint="'--max-body-size'")  # fmt: skip
    return size


def _parse_duration(
    text: str, example: str = "30d, 12h or 1w", positive: bool = False
) -> timedelta:
    """``90s``, ``12h``, ``30d``, ``1w``, or a plain number of seconds (> 0 if ``positive``)."""
    match = _DURATION.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration; write e.g. {example}.")
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if positive and seconds <= 0:
        raise typer.BadParameter(f"{text!r} is not greater than 0; write e.g. {example}.")
    return timedelta(seconds=seconds)


@app.command()
def start(
    host: str = typer.Option(
        None, "--host", help="Address to listen on (default RIVERRUN_SERVER_HOST, 127.0.0.1)."
    ),
    port: int = typer.Option(None, "--port", help="Port (default RIVERRUN_SERVER_PORT, 4200)."),
    insecure_no_auth: bool = typer.Option(
        False,
        "--insecure-no-auth",
        help="Serve beyond loopback without API keys (anyone who can connect can read and write).",
    ),
    max_body_size: str = typer.Option(
        None,
        "--max-body-size",
        help="Largest request body accepted, e.g. 10MiB; 413 beyond (default RIVERRUN_SERVER_MAX_BODY_BYTES, 10 MiB).",
    ),
    retention_interval: str = typer.Option(
        None,
        "--retention-interval",
        help="How often old runs are deleted, e.g. 1h or 90s (default RIVERRUN_RETENTION_INTERVAL_SECONDS, 1 h).",
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's log level."),
) -> None:
    """Serve the API under /api (docs at /api/docs) on the embedded file or RIVERRUN_DATABASE_URL.

    \b
    Examples:
      riverrun server start
      riverrun server start --port 4300 --retention-interval 90s
      riverrun server start --host 0.0.0.0   # needs an API key first
    """
    from riverrun.server.config import ServerConfig, check_listen_address
    from riverrun.server.run import is_loopback, serve
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    # Options given on the command line win over the settings (env > profile > default).
    max_body_bytes = settings.server_max_body_bytes
    if max_body_size is not None:
        max_body_bytes = _parse_size(max_body_size)
    interval = float(settings.retention_interval_seconds)
    if retention_interval is not None:
        try:
            interval = _parse_duration(
                retention_interval, "1h or 90s", positive=True
            ).total_seconds()
        except typer.BadParameter as exc:
            exc.param_hint = "'--retention-interval'"
            raise
    host_from = "--host" if host else _setting_source("RIVERRUN_SERVER_HOST")
    port_from = "--port" if port is not None else _setting_source("RIVERRUN_SERVER_PORT")
    host = host or settings.server_host
    port = settings.server_port if port is None else port
    check_listen_address(host, port, host_from=host_from, port_from=port_from)
    url = _database_url()
    store = _store()
    try:
        store.engine  # noqa: B018 - opens the database and brings its schema to head
    except Exception as exc:
        fail(f"Cannot open the database {_shown(url)}: {exc}")
    from riverrun._store.api_keys import any_active_api_key

    local = is_loopback(host)
    auth = bool(settings.server_auth) or not local
    if not local and insecure_no_auth:
        note(f"WARNING: serving {host} without authentication (--insecure-no-auth): anyone who "
             "can reach this port can read and change every run.")  # fmt: skip
        auth = False
    elif auth and not any_active_api_key(store):
        if not local:
            fail(f"Refusing to listen on {host} with no API key: create one with "
                 "`riverrun server api-key create NAME`, or pass --insecure-no-auth.")  # fmt: skip
        note("Auth is on (RIVERRUN_SERVER_AUTH) but no API key exists yet: every request but "
             "/api/health will be refused. Create one with `riverrun server api-key create NAME`.")  # fmt: skip
    config = ServerConfig(database_url=url, auth=auth, max_body_bytes=max_body_bytes,
                          retention_days=float(settings.retention_days),
                          retention_interval_s=interval)  # fmt: skip
    shown_host = f"[{host}]" if ":" in host else host
    retention = (f"runs older than {settings.retention_days} days, checked every {interval:g} s"
                 if settings.retention_days else "off")  # fmt: skip
    note(f"riverrun server: http://{shown_host}:{port}/api (docs: /api/docs); database "
         f"{_shown(url)}; auth {'on' if auth else 'off'}; retention {retention}; requests up "
         f"to {max_body_bytes} bytes.")  # fmt: skip
    # A newcomer's next question: the banner says where the server is, not how to use it.
    client_host = "127.0.0.1" if host in ("0.0.0.0", "::") else shown_host
    api_url = f"http://{client_host}:{port}/api"
    note(f"Record into it: RIVERRUN_API_URL={api_url} python my_flow.py, or "
         f"`riverrun login --url {api_url}` to keep it in the profile.")  # fmt: skip
    serve(config, host, port, log_level=log_level)


# -- database ------------------------------------------------------------------------------


def _migrating(work: Any, url: str) -> None:
    """Run a migration; an unknown revision or unreachable database is one line, not a trace."""
    try:
        work()
    except Exception as exc:
        if type(exc).__module__.startswith(("alembic", "sqlalchemy", "psycopg")):
            fail(f"Migrating {_shown(url)} failed: {str(exc).splitlines()[0]}")
        raise


@database_app.command("upgrade")
def database_upgrade() -> None:
    """Migrate the database to the newest schema.

    \b
    Examples:
      riverrun server database upgrade
    """
    from riverrun._store import migrate

    url = _database_url()
    _migrating(lambda: migrate.upgrade(url), url)
    typer.echo(f"{_shown(url)} is at revision {migrate.current_revision(url)}.")


@database_app.command("downgrade")
def database_downgrade(
    revision: str = typer.Argument(..., help="Target revision (`base`: drop everything)."),
) -> None:
    """Migrate the database down to REVISION.

    \b
    Examples:
      riverrun server database downgrade 0003_api_keys
      riverrun server database downgrade base
    """
    from riverrun._store import migrate

    url = _database_url()
    _migrating(lambda: migrate.downgrade(url, revision), url)
    typer.echo(f"{_shown(url)} is at revision {migrate.current_revision(url)}.")


@database_app.command("reset")
def database_reset(yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask.")) -> None:
    """Drop every table (all runs, blocks, variables, keys) and recreate them empty.

    \b
    Examples:
      riverrun server database reset --yes
    """
    from riverrun._store import migrate

    url = _database_url()
    if not yes and not typer.confirm(f"Delete everything in {_shown(url)}?"):
        fail("Not reset.")
    _migrating(lambda: migrate.reset(url), url)
    typer.echo(f"{_shown(url)} was reset to an empty database at {migrate.HEAD_REVISION}.")


# -- API keys ------------------------------------------------------------------------------


def _key_json(key: Any) -> dict[str, Any]:
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "status": key.status,
            "created": key.created.isoformat(),
            "expires": key.expires.isoformat() if key.expires else None,
            "revoked": key.revoked.isoformat() if key.revoked else None}  # fmt: skip


@api_key_app.command("create")
def api_key_create(
    name: str = typer.Argument(..., help="What the key is for (e.g. ci, laptop)."),
    expires_in: str = typer.Option(
        None, "--expires-in", help="Lifetime (30d, 12h, 1w); default: never expires."
    ),
) -> None:
    """Create an API key and print it (once: only its hash is stored).

    \b
    Examples:
      riverrun server api-key create laptop --expires-in 90d
    """
    from riverrun._store.api_keys import create_api_key

    lifetime = _parse_duration(expires_in) if expires_in else None
    created, key = create_api_key(_store(), name, lifetime)
    typer.echo(key)
    until = f"expires {created.expires:%Y-%m-%d %H:%M} UTC" if created.expires else "never expires"
    note(f"API key {name!r} created ({until}). It is shown only now: store it, e.g. with "
         "`riverrun login --url URL --key KEY`.")  # fmt: skip


@api_key_app.command("ls")
def api_key_ls(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List API keys (names and first characters only).

    \b
    Examples:
      riverrun server api-key ls --json
    """
    from riverrun._store.api_keys import list_api_keys

    keys = list_api_keys(_store())
    if as_json:
        print_json([_key_json(k) for k in keys])
        return
    from rich.table import Table

    from riverrun._cli._common import format_time, print_table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("ID", "Name", "Key", "Status", "Created", "Expires"):
        table.add_column(column)
    for k in keys:
        table.add_row(k.id, k.name, f"{k.prefix}...", k.status, format_time(k.created),
                      format_time(k.expires) or "never")  # fmt: skip
    print_table(table)


@api_key_app.command("revoke")
def api_key_revoke(name_or_id: str = typer.Argument(..., help="The key's name or ID.")) -> None:
    """Revoke an API key: requests with it get 401 from now on.

    \b
    Examples:
      riverrun server api-key revoke laptop
    """
    from riverrun._store.api_keys import revoke_api_key

    for key in revoke_api_key(_store(), name_or_id):
        typer.echo(f"Revoked API key {key.name!r} ({key.prefix}..., {key.id}).")


# -- retention -----------------------------------------------------------------------------


@retention_app.command("run")
def retention_run(
    days: float = typer.Option(
        None, "--days", help="Age threshold (default RIVERRUN_RETENTION_DAYS)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Delete runs older than the retention period now, and print what was removed.

    \b
    Examples:
      riverrun server retention run
      riverrun server retention run --days 7 --json
    """
    from riverrun._store.retention import delete_old_runs
    from riverrun.settings import get_current_settings

    threshold = float(get_current_settings().retention_days) if days is None else days
    if threshold <= 0:
        note("Retention is off (RIVERRUN_RETENTION_DAYS=0); nothing deleted.")
        report = delete_old_runs(_store(), 0)
    else:
        report = delete_old_runs(_store(), threshold)
    if as_json:
        print_json({"flow_runs": report.flow_runs, "task_runs": report.task_runs,
                    "logs": report.logs, "artifacts": report.artifacts, "days": threshold})  # fmt: skip
        return
    typer.echo(f"Removed {report} older than {threshold:g} days.")
