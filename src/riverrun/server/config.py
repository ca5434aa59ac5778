"""What a server process is configured with (the CLI builds it from settings and options)."""

from __future__ import annotations

from dataclasses import dataclass

#: Default request body limit: a recorder batch of 5,000 events is well under it.
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """A server's configuration.

    Args:
        database_url: the store's URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
        auth: require an API key on every route but ``/api/health``.
        max_body_bytes: larger request bodies get 413.
        retention_days: delete runs older than this in the background (0: never).
        retention_interval_s: how often the background retention pass runs.
        retention_first_delay_s: wait this long after start before the first pass, so a
            starting server answers health checks before it does any heavy work.
        failed_auth_limit: failed key checks from one address before it is slowed down.
    """

    database_url: str
    auth: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    retention_days: float = 30
    retention_interval_s: float = 3600.0
    retention_first_delay_s: float = 30.0
    failed_auth_limit: int = 5


def riverrun_version() -> str:
    """The installed riverrun's version (read without importing ``riverrun``'s public API,
    which would pull in the engine's modules)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("riverrun")
    except PackageNotFoundError:  # running from a source tree
        return "unknown"
