"""Where the client's calls go: a backend with the ``Store``'s method names.

The embedded backend calls an in-process ``Store`` on the settings' database (flushing this
process's recorder first, so a client reads its own process's writes); a remote backend
(``riverrun.client._http``, with the server) exposes the same methods over HTTP. The client
only ever calls ``backend.<store method>(...)``, so both plug in the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from riverrun.exceptions import ConfigurationError

if TYPE_CHECKING:
    from riverrun._store.service import Store
    from riverrun.settings import Settings


class EmbeddedBackend:
    """The store in this process. Nothing here is bound to an event loop or a thread.

    Args:
        url: the store's database URL.
    """

    def __init__(self, url: str) -> None:
        self.url = url

    def __repr__(self) -> str:
        return f"EmbeddedBackend({self.url!r})"

    @property
    def store(self) -> Store:
        """The ``Store`` (opened, and its schema checked, on first use)."""
        from riverrun._store.service import open_store

        return open_store(self.url)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        method = getattr(self.store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            from riverrun._recording import flush_pending

            flush_pending()
            return method(*args, **kwargs)

        call.__name__ = name
        return call


def backend_for(settings: Settings) -> Any:
    """The backend the current settings name: a server's API, a database URL, or the file."""
    if settings.api_url:
        try:
            from riverrun.client._http import HttpBackend  # type: ignore[import-not-found]
        except ImportError:
            raise ConfigurationError(
                f"RIVERRUN_API_URL is set ({settings.api_url}) but this riverrun has no HTTP "
                "client yet. Unset RIVERRUN_API_URL to use the embedded store."
            ) from None
        return HttpBackend(settings)
    if settings.database_url:
        return EmbeddedBackend(str(settings.database_url))
    from riverrun._store.dialect import sqlite_url

    return EmbeddedBackend(sqlite_url(settings.database_path.expanduser().resolve()))
