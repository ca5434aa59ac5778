"""``GET /api/metrics``: the store's state in Prometheus text format (``prometheus-client``).

Every value is read from the store when scraped, so several replicas report the same
numbers and a restart loses none: flow runs by state and flow, finished runs' durations as
a histogram, late runs, scheduled runs per work pool (queue depth), workers per pool by
liveness (ONLINE/OFFLINE, by the same heartbeat rule as the client's ``read_workers``), and
automation actions (notifications) by outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from riverrun._internal.clock import now_us
from riverrun._store.work_pools import DEFAULT_HEARTBEAT_S, MISSED_HEARTBEATS

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from riverrun._store.service import Store

router = APIRouter(tags=["admin"])

DURATION_BUCKETS = (1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)

_RUNS_BY_STATE = """
SELECT COALESCE(r.state_type, 'NONE'), f.name, COUNT(*)
FROM flow_run AS r JOIN flow AS f ON f.id = r.flow_id
GROUP BY COALESCE(r.state_type, 'NONE'), f.name
"""
_LATE = "SELECT COUNT(*) FROM flow_run WHERE state_name = 'Late'"
_QUEUED = """
SELECT COALESCE(work_pool_name, ''), COUNT(*) FROM flow_run
WHERE state_type = 'SCHEDULED' GROUP BY COALESCE(work_pool_name, '')
"""
_ACTIONS = "SELECT status, COUNT(*) FROM automation_action GROUP BY status"
_WORKERS = f"""
SELECT p.name, CASE WHEN w.last_heartbeat_time >= :now - CAST(COALESCE(
    w.heartbeat_interval_seconds, {DEFAULT_HEARTBEAT_S}) AS BIGINT) * {MISSED_HEARTBEATS * 1_000_000}
    THEN 'ONLINE' ELSE 'OFFLINE' END AS status, COUNT(*)
FROM worker AS w JOIN work_pool AS p ON p.id = w.work_pool_id
GROUP BY p.name, status
"""


def _durations_sql() -> str:
    buckets = ", ".join(
        f"SUM(CASE WHEN total_run_time <= {b} THEN 1 ELSE 0 END)" for b in DURATION_BUCKETS
    )
    return (
        f"SELECT f.name, {buckets}, COUNT(*), SUM(total_run_time) "
        "FROM flow_run AS r JOIN flow AS f ON f.id = r.flow_id "
        "WHERE r.end_time IS NOT NULL GROUP BY f.name"
    )


class StoreCollector:
    """A prometheus-client collector that reads the store at each scrape."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        """The metrics, read now."""
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        store = self.store
        with store.connect() as conn:

            def rows(sql: str, **params: Any) -> list[Any]:
                return list(conn.execute(store.text(sql), params).all())

            by_state = rows(_RUNS_BY_STATE)
            late = rows(_LATE)[0][0]
            queued = rows(_QUEUED)
            durations = rows(_durations_sql())
            actions = rows(_ACTIONS)
            workers = rows(_WORKERS, now=now_us())
        runs = GaugeMetricFamily("riverrun_flow_runs", "Flow runs by current state and flow.",
                                 labels=["state", "flow"])  # fmt: skip
        for state, flow, count in by_state:
            runs.add_metric([str(state), str(flow)], float(count))
        yield runs
        yield GaugeMetricFamily("riverrun_late_flow_runs", "Flow runs in the Late state.",
                                value=float(late))  # fmt: skip
        depth = GaugeMetricFamily("riverrun_work_pool_queue_depth",
                                  "Scheduled flow runs waiting, per work pool ('' for none).",
                                  labels=["work_pool"])  # fmt: skip
        for pool, count in queued:
            depth.add_metric([str(pool)], float(count))
        yield depth
        histogram = HistogramMetricFamily("riverrun_flow_run_duration_seconds",
                                          "Run time of finished flow runs.", labels=["flow"])  # fmt: skip
        for flow, *counts in durations:
            total, seconds = counts[-2], counts[-1]
            cumulative = [
                (str(b), float(c or 0)) for b, c in zip(DURATION_BUCKETS, counts[:-2], strict=True)
            ]
            histogram.add_metric([str(flow)], [*cumulative, ("+Inf", float(total))],
                                 sum_value=float(seconds or 0))  # fmt: skip
        yield histogram
        notifications = CounterMetricFamily("riverrun_automation_actions",
                                            "Automation actions (notifications...) by outcome: "
                                            "executed, failed, pending.", labels=["outcome"])  # fmt: skip
        for status, count in actions:
            notifications.add_metric([str(status)], float(count))
        yield notifications
        liveness = GaugeMetricFamily("riverrun_workers", "Workers per work pool, ONLINE or "
                                     "OFFLINE (3 missed heartbeats).", labels=["work_pool", "status"])  # fmt: skip
        for pool, status, count in workers:
            liveness.add_metric([str(pool), str(status)], float(count))
        yield liveness


def render_metrics(store: Store) -> bytes:
    """The metrics of a store in Prometheus text format."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    return generate_latest(registry)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this server's store."""
    from prometheus_client import CONTENT_TYPE_LATEST

    body = await run_in_threadpool(render_metrics, request.app.state.store)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
