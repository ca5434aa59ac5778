"""The client's reads over work queues as Prefect 3.9.1's: read_work_queue_status,
get_runs_in_work_queue, match_work_queues and the pool and queue concurrency status —
embedded and against real servers (SQLite, PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from riverrun.client.orchestration import SyncRiverrunClient, get_client
from riverrun.client.schemas.actions import WorkPoolCreate
from riverrun.exceptions import ObjectNotFound
from riverrun.states import Running, Scheduled

POOL = "pool"


@pytest.fixture
def client() -> SyncRiverrunClient:
    client = get_client(sync_client=True)
    client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    return client


def _deployment(client: SyncRiverrunClient, queue: str = "default") -> str:
    flow_id = client.create_flow_from_name("queued")
    return str(client.create_deployment(flow_id, "d", work_pool_name=POOL, work_queue_name=queue))


def _run_at(client: SyncRiverrunClient, deployment_id: str, when: datetime) -> str:
    return client.create_flow_run_from_deployment(
        deployment_id, state=Scheduled(state_details={"scheduled_time": when})
    ).id


def _soon(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


def test_a_queue_never_polled_is_unhealthy_with_prefects_policy(
    client: SyncRiverrunClient,
) -> None:
    queue = client.create_work_queue("q", work_pool_name=POOL)
    status = client.read_work_queue_status(queue.id)
    assert (status.healthy, status.late_runs_count, status.last_polled) == (False, 0, None)
    policy = status.health_check_policy
    assert (policy.maximum_late_runs, policy.maximum_seconds_since_last_polled) == (0, 60)


def test_reading_a_queues_runs_makes_it_polled_and_healthy(client: SyncRiverrunClient) -> None:
    queue = client.create_work_queue("q", work_pool_name=POOL)
    client.get_runs_in_work_queue(queue.id)
    status = client.read_work_queue_status(queue.id)
    assert status.healthy and status.last_polled is not None


def test_the_status_of_an_unknown_queue_is_not_found(client: SyncRiverrunClient) -> None:
    with pytest.raises(ObjectNotFound):
        client.read_work_queue_status(str(uuid.uuid4()))


def test_runs_in_a_queue_are_the_due_ones_soonest_first_and_stay_scheduled(
    client: SyncRiverrunClient,
) -> None:
    queue = client.create_work_queue("q", work_pool_name=POOL)
    deployment = _deployment(client, "q")
    later = _run_at(client, deployment, _soon(-1))
    earlier = _run_at(client, deployment, _soon(-2))
    _run_at(client, deployment, _soon(60))
    runs = client.get_runs_in_work_queue(queue.id)
    assert [r.id for r in runs] == [earlier, later]
    assert {client.read_flow_run(r.id).state_type for r in runs} == {"SCHEDULED"}


def test_runs_in_a_queue_before_a_time_and_up_to_a_limit(client: SyncRiverrunClient) -> None:
    queue = client.create_work_queue("q", work_pool_name=POOL)
    deployment = _deployment(client, "q")
    due = _run_at(client, deployment, _soon(-1))
    _run_at(client, deployment, _soon(60))
    assert len(client.get_runs_in_work_queue(queue.id, scheduled_before=_soon(61))) == 2
    runs = client.get_runs_in_work_queue(queue.id, limit=1, scheduled_before=_soon(61))
    assert [r.id for r in runs] == [due]


def test_runs_of_an_unknown_queue_are_not_found(client: SyncRiverrunClient) -> None:
    with pytest.raises(ObjectNotFound):
        client.get_runs_in_work_queue(str(uuid.uuid4()))


def test_match_work_queues_by_prefix_in_a_pool_or_every_pool(client: SyncRiverrunClient) -> None:
    for name in ("alpha-q", "alpha-2", "beta"):
        client.create_work_queue(name, work_pool_name=POOL)
    client.create_work_pool(WorkPoolCreate(name="other"))
    client.create_work_queue("alpha-other", work_pool_name="other")
    in_pool = client.match_work_queues(["alpha"], work_pool_name=POOL)
    assert [q.name for q in in_pool] == ["alpha-q", "alpha-2"]  # by priority, as Prefect
    everywhere = client.match_work_queues(["alpha", "b"])
    assert sorted(q.name for q in everywhere) == ["alpha-2", "alpha-other", "alpha-q", "beta"]


def test_match_work_queues_with_no_prefix_matches_every_queue(client: SyncRiverrunClient) -> None:
    client.create_work_queue("beta", work_pool_name=POOL)
    assert [q.name for q in client.match_work_queues([], work_pool_name=POOL)] == [
        "default",
        "beta",
    ]


def test_a_queues_concurrency_status_lists_the_runs_holding_its_slots(
    client: SyncRiverrunClient,
) -> None:
    queue = client.create_work_queue("q", work_pool_name=POOL, concurrency_limit=3)
    deployment = _deployment(client, "q")
    holding = _run_at(client, deployment, _soon(-1))
    _run_at(client, deployment, _soon(-1))
    client.set_flow_run_state(holding, Running(), force=True)
    status = client.read_work_queue_concurrency_status(queue.id)
    assert (status.active_slots, status.concurrency_limit) == (1, 3)
    assert [(r.id, r.state_type) for r in status.flow_runs] == [(holding, "RUNNING")]
    assert (status.count, status.limit, status.pages, status.page) == (1, 200, 1, 1)


def test_an_empty_queues_concurrency_status_has_no_pages(client: SyncRiverrunClient) -> None:
    queue = client.create_work_queue("q", work_pool_name=POOL)
    status = client.read_work_queue_concurrency_status(queue.id, limit=5)
    assert (status.active_slots, status.count, status.limit, status.pages) == (0, 0, 5, 0)


def test_a_pools_concurrency_status_breaks_its_slots_down_by_queue(
    client: SyncRiverrunClient,
) -> None:
    client.create_work_queue("q", work_pool_name=POOL)
    deployment = _deployment(client, "q")
    holding = _run_at(client, deployment, _soon(-1))
    client.set_flow_run_state(holding, Running(), force=True)
    status = client.read_work_pool_concurrency_status(POOL)
    assert (status.active_slots, status.count, status.pages, status.page) == (1, 2, 1, 1)
    by_name = {q.queue_name: q for q in status.queues}
    assert [r.id for r in by_name["q"].flow_runs] == [holding]
    assert (by_name["q"].flow_run_count, by_name["default"].active_slots) == (1, 0)


def test_the_concurrency_status_of_an_unknown_pool_is_not_found(
    client: SyncRiverrunClient,
) -> None:
    with pytest.raises(ObjectNotFound):
        client.read_work_pool_concurrency_status("no-such-pool")


def test_read_worker_metadata_has_the_process_worker_and_its_job_template() -> None:
    metadata = get_client(sync_client=True).read_worker_metadata()
    process = metadata["riverrun"]["process"]
    assert (process["type"], process["display_name"]) == ("process", "Process")
    template = process["default_base_job_configuration"]
    assert set(template["job_configuration"]) >= {"command", "env", "working_dir"}
