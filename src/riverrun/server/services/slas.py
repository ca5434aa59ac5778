"""The SLA service: records ``riverrun.sla.violation`` events for deployments' SLAs.

The work is ``Store.check_slas``, which a ``serve()`` process on the embedded store also runs.
Safe with several replicas on one database: a violation's event ID derives from the SLA and
what broke it, so a second replica's insert is a no-op.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from riverrun._store.service import Store

logger = logging.getLogger("riverrun.server.slas")


class SlaService:
    """Every ``interval_s`` (default 5 s): check every enabled SLA."""

    name = "slas"

    def __init__(self, interval_s: float = 5.0, first_delay_s: float = 0.0) -> None:
        self.interval_s = interval_s
        self.first_delay_s = first_delay_s

    def run_once(self, store: Store) -> float | None:
        """One pass over every enabled SLA."""
        recorded = store.check_slas()
        if recorded:
            logger.info("SLA check recorded %d violation(s).", recorded)
        return None
