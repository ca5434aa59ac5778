"""The scheduler service: keeps every active schedule materialised ahead and marks late runs.

The work is the store-level scheduler (``riverrun._store.scheduler``) that ``serve()`` also
runs with the embedded store. Safe with several replicas on one database: each scheduled run
carries an idempotency key per (schedule, time) under a unique index, so a second replica's
insert is a no-op, and marking a run Late is a conditional update only one replica wins.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from riverrun._store.service import Store

logger = logging.getLogger("riverrun.server.scheduler")


class SchedulerService:
    """Every ``interval_s`` (default 10 s, as Prefect's loop): schedule, then mark late runs."""

    name = "scheduler"

    def __init__(self, interval_s: float = 10.0, first_delay_s: float = 0.0) -> None:
        self.interval_s = interval_s
        self.first_delay_s = first_delay_s

    def run_once(self, store: Store) -> float | None:
        """One pass over every deployment."""
        created = store.schedule_deployment_runs()
        late = store.mark_late_runs()
        if created or late:
            logger.info("Scheduler created %d run(s), marked %d late.", created, late)
        return None
