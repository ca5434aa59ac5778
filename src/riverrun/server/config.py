"""What a server process is configured with (the CLI builds it from settings and options)."""

from __future__ import annotations

from dataclasses import dataclass

from riverrun.settings import DEFINITIONS


@dataclass(frozen=True)
class ServerConfig:
    """A server's configuration. The defaults are those of the settings named below.

    Args:
        database_url: the store's URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
        auth: require an API key on every route but ``/api/health``.
        max_body_bytes: larger request bodies get 413 (RIVERRUN_SERVER_MAX_BODY_BYTES).
        retention_days: delete runs older than this in the background, 0: never
            (RIVERRUN_RETENTION_DAYS).
        retention_interval_s: how often the background retention pass runs
            (RIVERRUN_RETENTION_INTERVAL_SECONDS).
        retention_first_delay_s: wait this long after start (or one interval, if that is
            shorter) before the first pass, so a starting server answers health checks before
            it does any heavy work.
        failed_auth_limit: failed key checks from one address before it is slowed down.
    """

    database_url: str
    auth: bool = False
    max_body_bytes: int = DEFINITIONS["server_max_body_bytes"].default
    retention_days: float = DEFINITIONS["retention_days"].default
    retention_interval_s: float = DEFINITIONS["retention_interval_seconds"].default
    retention_first_delay_s: float = 30.0
    failed_auth_limit: int = 5


def riverrun_version() -> str:
    """The installed riverrun's version (read without importing ``riverrun``'s public API,
    which would pull in the engine's modules)."""
    from riverrun._api.version import package_version

    return package_version()


def check_listen_address(host: str, port: int, *, host_from: str, port_from: str) -> None:
    """Fail before anything starts if the server could not listen on ``host:port``.

    ``host_from`` and ``port_from`` name where each value came from (``--port`` or
    ``RIVERRUN_SERVER_PORT``), so the message says what to change.

    Raises:
        ConfigurationError: the port is out of range, the host is not an address or a
            host name, or something else already listens there.
    """
    import ipaddress
    import re
    import socket

    from riverrun.exceptions import ConfigurationError

    if not 1 <= port <= 65535:
        raise ConfigurationError(
            f"{port_from} is {port}, which is not a port: use 1 to 65535 (default 4200), "
            "e.g. `riverrun server start --port 4200`."
        )
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if not re.fullmatch(
            r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*",
            host,
        ):
            raise ConfigurationError(
                f"{host_from} is {host!r}, which is neither an IP address nor a host name: "
                "use e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)."
            ) from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # uvicorn sets SO_REUSEADDR too: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot listen on {host}:{port} ({exc.strerror or exc}): another process (a "
                f"server already running?) holds the port, or the address is not this "
                "machine's. Stop it, or choose another port with --port."
            ) from None
