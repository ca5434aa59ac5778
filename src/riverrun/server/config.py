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
