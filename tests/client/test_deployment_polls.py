"""The client's deployment methods for runners as Prefect 3.9.1's: set_deployment_paused_state
and get_scheduled_flow_runs_for_deployments — embedded and against real servers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from riverrun.client.orchestration import SyncRiverrunClient, get_client
from riverrun.exceptions import ObjectNotFound
from riverrun.states import Running, Scheduled


@pytest.fixture
def client() -> SyncRiverrunClient:
    return get_client(sync_client=True)


def _deployment(client: SyncRiverrunClient, name: str = "d") -> str:
    return str(client.create_deployment(client.create_flow_from_name("polled"), name))


def _run_at(client: SyncRiverrunClient, deployment_id: str, minutes: float) -> str:
    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    state = Scheduled(state_details={"scheduled_time": when})
    return client.create_flow_run_from_deployment(deployment_id, state=state).id


def test_set_deployment_paused_state_pauses_and_resumes(client: SyncRiverrunClient) -> None:
    deployment = _deployment(client)
    client.set_deployment_paused_state(deployment, True)
    assert client.read_deployment(deployment).paused is True
    client.set_deployment_paused_state(deployment, False)
    assert client.read_deployment(deployment).paused is False


def test_set_deployment_paused_state_of_an_unknown_deployment_is_not_found(
    client: SyncRiverrunClient,
) -> None:
    with pytest.raises(ObjectNotFound):
        client.set_deployment_paused_state(str(uuid.uuid4()), True)


def test_scheduled_runs_of_deployments_soonest_first_whatever_their_time(
    client: SyncRiverrunClient,
) -> None:
    first, second = _deployment(client, "a"), _deployment(client, "b")
    later = _run_at(client, first, 60)
    sooner = _run_at(client, second, -1)
    _run_at(client, _deployment(client, "other"), -2)
    runs = client.get_scheduled_flow_runs_for_deployments([first, second])
    assert [r.id for r in runs] == [sooner, later]
    assert client.read_flow_run(sooner).state_type == "SCHEDULED"  # nothing was claimed


def test_scheduled_runs_of_deployments_before_a_time_and_up_to_a_limit(
    client: SyncRiverrunClient,
) -> None:
    deployment = _deployment(client)
    due = _run_at(client, deployment, -2)
    _run_at(client, deployment, -1)
    _run_at(client, deployment, 60)
    now = datetime.now(timezone.utc)
    before_now = client.get_scheduled_flow_runs_for_deployments([deployment], scheduled_before=now)
    assert len(before_now) == 2
    limited = client.get_scheduled_flow_runs_for_deployments([deployment], limit=1)
    assert [r.id for r in limited] == [due]


def test_scheduled_runs_leave_out_runs_that_started(client: SyncRiverrunClient) -> None:
    deployment = _deployment(client)
    started = _run_at(client, deployment, -1)
    client.set_flow_run_state(started, Running(), force=True)
    assert client.get_scheduled_flow_runs_for_deployments([deployment]) == []


def test_scheduled_runs_of_no_or_unknown_deployments_are_none(client: SyncRiverrunClient) -> None:
    assert client.get_scheduled_flow_runs_for_deployments([]) == []
    assert client.get_scheduled_flow_runs_for_deployments([str(uuid.uuid4())]) == []
