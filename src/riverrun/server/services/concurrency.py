"""The concurrency-lease sweeper: deletes slot leases whose holder stopped renewing them.

An expired lease already counts for nothing when slots are counted (``_store/concurrency.py``),
so this only keeps ``concurrency_lease`` small: one indexed DELETE per pass, which replicas on
one PostgreSQL can run side by side (deleting the same expired rows twice is harmless).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from riverrun._store.service import Store


class ConcurrencyLeaseSweeper:
    """Deletes expired concurrency slot leases every 10 s."""

    name = "concurrency-lease-sweeper"
    first_delay_s = 1.0
    interval_s = 10.0

    def run_once(self, store: Store) -> float | None:
        """One sweep."""
        store.sweep_concurrency_leases()
        return None
