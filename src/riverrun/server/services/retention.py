"""Retention in the background: trim old runs every so often, in bounded batches.

Safe with several replicas on PostgreSQL: each batch claims its runs with ``FOR UPDATE SKIP
LOCKED`` (see ``riverrun._store.retention``), so replicas never delete the same run twice
nor wait on each other.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from riverrun._store.service import Store
    from riverrun.server.config import ServerConfig

logger = logging.getLogger("riverrun.server.retention")

# Per pass: enough to keep up with a busy server, small enough not to hog the writer.
_BATCHES_PER_PASS = 20


async def retention_loop(store: Store, config: ServerConfig) -> None:
    """Run retention passes until cancelled; a failing pass is logged and retried later."""
    from riverrun._store.retention import delete_old_runs

    await asyncio.sleep(min(config.retention_first_delay_s, config.retention_interval_s))
    while True:
        try:
            report = await run_in_threadpool(
                delete_old_runs, store, config.retention_days, max_batches=_BATCHES_PER_PASS
            )
            if report.flow_runs:
                logger.info("Retention removed %s older than %g days.", report,
                            config.retention_days)  # fmt: skip
            delay = 1.0 if report.batches >= _BATCHES_PER_PASS else config.retention_interval_s
        except Exception as exc:  # the server must outlive a failing pass
            logger.warning("Retention pass failed (%s); retrying in %.0f s.", exc,
                           config.retention_interval_s)  # fmt: skip
            delay = config.retention_interval_s
        await asyncio.sleep(delay)
