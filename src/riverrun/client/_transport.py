"""Where the client's calls go: a backend with the ``Store``'s method names.

The embedded backend calls an in-process ``Store`` on the settings' database (flushing this
process's recorder first, so a client reads its own process's writes); a remote backend
(``riverrun.client._http``, with the server) exposes the same methods over HTTP. Both are
``BackendOperations`` (generated from the operation table) and satisfy ``StoreAPI``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riverrun.client._operations import BackendOperations

if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI
    from riverrun._store.service import Store
    from riverrun.settings import Settings


class EmbeddedBackend(BackendOperations):
    """The store in this process. Nothing here is bound to an event loop or a thread.

    Every operation of the table is a method (``BackendOperations``, generated) that calls the
    ``Store`` method of the same name, after this process's recorder has written what it was
    handed (read your own writes).

    Args:
        url: the store's database URL.
        busy_timeout_s: on SQLite, how long a write waits for another process's lock
            (RIVERRUN_STORE_BUSY_TIMEOUT_SECONDS).
    """

    def __init__(self, url: str, busy_timeout_s: float = 30.0) -> None:
        self.url = url
        self.busy_timeout_s = busy_timeout_s

    def __repr__(self) -> str:
        return f"EmbeddedBackend({self.url!r})"

    @property
    def store(self) -> Store:
        """The ``Store`` (opened, and its schema checked, on first use)."""
        from riverrun._store.service import open_store

        return open_store(self.url, busy_timeout_s=self.busy_timeout_s)

    def call_store(self, name: str, **arguments: Any) -> Any:
        """Call the ``Store`` method ``name`` as an operation is called: this process's
        recorder flushed first, and the events the call wrote evaluated by its automations
        (``serve()`` checks SLAs this way)."""
        return self._call(name, arguments)

    def _call(self, name: str, arguments: dict[str, Any]) -> Any:
        from riverrun._api.operation import UNSET
        from riverrun._recording import flush_pending
        from riverrun._store.dialect import is_sqlite, sqlite_path
        from riverrun._store.events import collect_written_events

        flush_pending()
        given = {k: v for k, v in arguments.items() if v is not UNSET}
        with collect_written_events() as written:
            result = getattr(self.store, name)(**given)
        if written and is_sqlite(self.url):
            # With no server, this process evaluates the events its change wrote.
            from riverrun._automations.embedded import evaluate_written

            evaluate_written(sqlite_path(self.url), written)
        return result


def backend_for(settings: Settings) -> StoreAPI:
    """The backend the current settings name: a server's API, a database URL, or the file."""
    if settings.api_url:
        from riverrun.client._http import HttpBackend

        return HttpBackend(settings)
    wait = settings.store_busy_timeout_seconds
    if settings.database_url:
        return EmbeddedBackend(str(settings.database_url), wait)
    from riverrun._store.dialect import sqlite_url

    return EmbeddedBackend(sqlite_url(settings.database_path.expanduser().resolve()), wait)
