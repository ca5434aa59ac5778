"""``/api/metrics``: Prometheus text of runs by state and flow, durations, late runs and
automation actions — through a real server on SQLite and PostgreSQL, and from the store."""

from __future__ import annotations

import os

import pytest

from riverrun import flow

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


@flow
def fine() -> int:
    return 1


@flow
def broken() -> None:
    raise ValueError("no")


def _metrics(mode: str) -> str:
    if mode == "embedded":
        from riverrun._store.service import embedded_store
        from riverrun.server.metrics import render_metrics

        return render_metrics(embedded_store()).decode()
    import httpx

    key = os.environ.get("RIVERRUN_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.get(os.environ["RIVERRUN_API_URL"].rstrip("/") + "/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_count_runs_by_state_and_flow_with_durations(riverrun_mode: str) -> None:
    fine()
    fine()
    with pytest.raises(ValueError):
        broken()
    from riverrun._recording import flush_pending

    flush_pending()
    text = _metrics(riverrun_mode)
    assert 'riverrun_flow_runs{flow="fine",state="COMPLETED"} 2.0' in text
    assert 'riverrun_flow_runs{flow="broken",state="FAILED"} 1.0' in text
    assert 'riverrun_flow_run_duration_seconds_count{flow="fine"} 2.0' in text
    assert "riverrun_late_flow_runs 0.0" in text


def test_metrics_count_workers_per_pool_by_liveness(riverrun_mode: str) -> None:
    from riverrun.client import get_client
    from riverrun.client.schemas.actions import WorkPoolCreate

    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="etl-pool", type="process"))
        client.send_worker_heartbeat("etl-pool", "worker-a")
        client.send_worker_heartbeat("etl-pool", "worker-b", heartbeat_interval_seconds=10)
    text = _metrics(riverrun_mode)
    assert 'riverrun_workers{status="ONLINE",work_pool="etl-pool"} 2.0' in text
