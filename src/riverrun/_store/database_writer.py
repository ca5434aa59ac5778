"""The recorder's writer for a database URL that is not a SQLite file (PostgreSQL).

The counterpart of ``riverrun._store.embedded``'s writer for the SQLite file.

With ``RIVERRUN_DATABASE_URL`` set and no server, a flow process records into that database
itself: each batch in one transaction through the store, as the server writes them. The
embedded sink (``riverrun._recording.local``) keeps what this writer cannot write, as it does
for the SQLite file. What only SQLite's file needs — checkpoints, the process recorded on its
runs for the next process to find dead ones — has no part here: on such a database the run
watcher holds each run's lease (``renew_flow_run_leases``) as it does against a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from riverrun.exceptions import StoreError


class DatabaseWriter:
    """Writes event batches into the database at ``url`` through the process's store."""

    def __init__(self, url: str, busy_timeout_s: float = 30.0) -> None:
        from riverrun._store.service import open_store

        self.url = url
        self.store = open_store(url, busy_timeout_s=busy_timeout_s)

    def ingest(self, events: Iterable[dict[str, Any]], wait_s: float | None = None,
               also: Sequence[tuple[str, Sequence[Any]]] = ()) -> None:  # fmt: skip
        """Write a batch in one transaction, idempotently by event ID.

        ``wait_s`` and ``also`` serve the SQLite file (its lock, its process rows) only.

        Raises:
            StoreError: the database could not be reached or refused the batch; the sink
                keeps the batch and writes it later.
        """
        from sqlalchemy.exc import SQLAlchemyError

        try:
            self.store.ingest(list(events))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreError(f"the database did not take the batch ({reason})") from exc

    def checkpoint_if_due(self, final: bool = False) -> bool:
        """Nothing to checkpoint: that is SQLite's write-ahead log."""
        return False

    def upkeep_if_due(self, retention_days: float) -> bool:
        """Nothing here: a shared database's retention is the server's upkeep."""
        return False
