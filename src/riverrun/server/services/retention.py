"""Retention in the background: trim old runs every so often, in bounded batches.

Safe with several replicas on PostgreSQL: each batch claims its runs with ``FOR UPDATE SKIP
LOCKED`` (see ``riverrun._store.retention``), so replicas never delete the same run twice
nor wait on each other.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from riverrun._store.service import Store
    from riverrun.server.config import ServerConfig

logger = logging.getLogger("riverrun.server.retention")

# Per pass: enough to keep up with a busy server, small enough not to hog the writer.
_BATCHES_PER_PASS = 20


class RetentionService:
    """Deletes runs older than ``retention_days``; a pass that filled its batches asks for the
    next one a second later, to catch up."""

    name = "retention"

    def __init__(self, config: ServerConfig) -> None:
        self.retention_days = config.retention_days
        self.interval_s = config.retention_interval_s
        self.first_delay_s = min(config.retention_first_delay_s, config.retention_interval_s)

    def run_once(self, store: Store) -> float | None:
        """One retention pass of at most ``_BATCHES_PER_PASS`` batches."""
        from riverrun._store.retention import delete_old_runs

        report = delete_old_runs(store, self.retention_days, max_batches=_BATCHES_PER_PASS)
        if report.flow_runs:
            logger.info("Retention removed %s older than %g days.", report, self.retention_days)
        return 1.0 if report.batches >= _BATCHES_PER_PASS else None
