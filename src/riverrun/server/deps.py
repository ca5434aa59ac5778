"""What routes depend on: the app's store and configuration, and ingest on the right path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from riverrun.server.config import ServerConfig

if TYPE_CHECKING:
    from riverrun._store.service import Store


async def _store(request: Request) -> Store:
    # async: a plain attribute read must not cost a trip through the threadpool.
    return request.app.state.store  # type: ignore[no-any-return]


async def _config(request: Request) -> ServerConfig:
    return request.app.state.config  # type: ignore[no-any-return]


StoreDep = Annotated["Store", Depends(_store)]
ConfigDep = Annotated[ServerConfig, Depends(_config)]


def prepare_store(store: Store) -> None:
    """Open the store's engine and bring its schema to head (once, before serving)."""
    store.engine  # noqa: B018 - the property creates the engine and migrates


class BadBatch(ValueError):
    """A batch of events the database refused as inconsistent (answered with 422)."""


def ingest(store: Store, events: list[dict[str, Any]]) -> None:
    """Write one batch in one transaction, idempotently.

    On SQLite the batch goes through the embedded writer (stdlib ``sqlite3``, one
    connection behind a lock), so the server's own writers queue in-process instead of
    contending for SQLite's file lock; local flow processes writing the same file still
    wait on the busy timeout. PostgreSQL takes concurrent transactions as they come.
    """
    if store.is_sqlite:
        import sqlite3

        from riverrun._store.dialect import sqlite_path
        from riverrun._store.embedded import embedded_writer
        from riverrun.exceptions import StoreError

        try:
            embedded_writer(sqlite_path(store.url), store.busy_timeout_s).ingest(events)
        except StoreError as exc:
            # A constraint the batch broke (a task run of an unknown flow run) is the
            # batch's fault; anything else (disk, locks) is the server's.
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise BadBatch(
                    f"The batch breaks a database constraint: {exc.__cause__}."
                ) from None
            raise
    else:
        store.ingest(events)
