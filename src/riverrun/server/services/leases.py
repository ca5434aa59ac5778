"""The lease sweeper: runs whose lease expired become Crashed (or Scheduled if never started).

Every ``RIVERRUN_SERVER_SERVICES_LEASE_SWEEPER_LOOP_SECONDS`` (5 s) it calls the store's
``expire_run_leases``: one transaction per run, under a row lock (``FOR UPDATE SKIP LOCKED``
on PostgreSQL), so several replicas sweep side by side and each run is acted on once.

Its first pass waits two lease periods (``RIVERRUN_FLOWS_LEASE_SECONDS``) after the server
starts: while the server was down no holder could renew, so every lease may look expired; a
live holder renews within a watch interval of the server coming back, unless its client was
backing off from the outage or its machine is loaded, and one period was measured too short
for that (a 3 s lease under a load of 15). Only those that did not renew are swept. A
``Running`` run that never had a lease for one period is swept too: its process died before
its first renewal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from riverrun._store.service import Store

logger = logging.getLogger("riverrun.server.leases")


class LeaseSweeperService:
    """Every ``interval_s``: act on expired leases; the first pass two lease periods after start."""

    name = "lease-sweeper"

    def __init__(self, interval_s: float = 5.0, lease_s: float = 30.0) -> None:
        self.interval_s = interval_s
        self.lease_s = lease_s
        self.first_delay_s = 2 * lease_s

    def run_once(self, store: Store) -> float | None:
        """One sweep; sooner again if it stopped at its batch limit."""
        done = store.expire_run_leases(unleased_after_us=int(self.lease_s * 1_000_000))
        if done.total:
            logger.info("Lease sweeper: %d run(s) crashed, %d rescheduled, %d lease(s) cleared.",
                        done.crashed, done.rescheduled, done.cleared)  # fmt: skip
        return 0.0 if done.total >= 1000 else None
