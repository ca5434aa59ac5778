"""``Store``: the service layer every way into riverrun's data goes through.

The embedded client and recorder call it in-process; the server's routes call the same
methods. Build one with ``open_store(url)`` (cached per URL) or ``embedded_store(path)``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from riverrun._store.automations import AutomationStoreMixin
from riverrun._store.blocks import BlockStoreMixin
from riverrun._store.claims import ClaimStoreMixin
from riverrun._store.concurrency import ConcurrencyStoreMixin
from riverrun._store.dialect import sqlite_url
from riverrun._store.event_feed import EventFeedMixin
from riverrun._store.events import EventStoreMixin
from riverrun._store.flow_run_inputs import FlowRunInputStoreMixin
from riverrun._store.flow_run_pauses import PauseStoreMixin
from riverrun._store.leases import LeaseStoreMixin
from riverrun._store.runs import RunStoreMixin
from riverrun._store.scheduler import SchedulerStoreMixin
from riverrun._store.slas import SlaStoreMixin
from riverrun._store.ui_queries import UIQueryMixin
from riverrun._store.variables import VariableStoreMixin


class Store(
    SlaStoreMixin,
    ClaimStoreMixin,
    SchedulerStoreMixin,
    PauseStoreMixin,
    FlowRunInputStoreMixin,
    BlockStoreMixin,
    RunStoreMixin,
    VariableStoreMixin,
    UIQueryMixin,
    EventStoreMixin,
    EventFeedMixin,
    AutomationStoreMixin,
    ConcurrencyStoreMixin,
    LeaseStoreMixin,
):
    """riverrun's data on one database: ingest events, query objects, apply state rules.

    Args:
        url: ``sqlite:///path/to/riverrun.db`` or ``postgresql+psycopg://user@host/db``.
        busy_timeout_s: on SQLite, how long a write waits for another process's lock.

    Example:
        >>> store = open_store("sqlite:///runs.db")
        >>> store.read_flow_runs(limit=10)
        []
    """


if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI

    def _store_serves_every_operation(store: Store) -> StoreAPI:
        return store  # mypy proves the Store has every operation, with its signature


_stores: dict[str, Store] = {}
_lock = threading.Lock()


def open_store(url: str, *, busy_timeout_s: float = 30.0) -> Store:
    """The process's ``Store`` for a URL (one engine and pool per database)."""
    with _lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = Store(url, busy_timeout_s=busy_timeout_s)
        return store


def embedded_store(path: Path | str | None = None) -> Store:
    """The ``Store`` on the embedded SQLite file (default: the settings' ``database_path``)."""
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    target = Path(path) if path is not None else settings.database_path
    return open_store(
        sqlite_url(target.expanduser().resolve()),
        busy_timeout_s=settings.store_busy_timeout_seconds,
    )


def close_stores() -> None:
    """Dispose of every cached store's connections (tests, forks)."""
    with _lock:
        for store in _stores.values():
            store.dispose()
        _stores.clear()
