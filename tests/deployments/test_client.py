"""The client's deployment methods, embedded and against real servers on SQLite and PostgreSQL:
create, read (by ID, by name, filtered), update, pause/resume, delete, the schedule methods and
runs made from a deployment (parameters checked when the run is created)."""

from __future__ import annotations

import pytest

from riverrun.client.orchestration import SyncRiverrunClient, get_client
from riverrun.exceptions import ObjectNotFound, ParameterTypeError
from riverrun.schemas import filters as f
from riverrun.schemas.actions import DeploymentUpdate
from riverrun.schemas.schedules import CronSchedule, IntervalSchedule

from .conftest import SF_EXPORT_SCHEMA

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


@pytest.fixture
def client() -> SyncRiverrunClient:
    return get_client(sync_client=True)


def _deploy(client: SyncRiverrunClient, name: str = "nightly", **fields: object) -> str:
    flow_id = client.create_flow_from_name("sf_export")
    return str(client.create_deployment(flow_id, name, parameter_openapi_schema=SF_EXPORT_SCHEMA,
                                        parameters={"env": "pre"}, **fields))  # fmt: skip


def test_read_deployment_by_name_and_by_filter(client: SyncRiverrunClient) -> None:
    dep_id = _deploy(client, tags=["etl"])
    _deploy(client, "hourly", tags=["ops"])
    assert str(client.read_deployment_by_name("sf_export/nightly").id) == dep_id
    by_name = f.DeploymentFilter(name=f.DeploymentFilterName(any_=["hourly"]))
    by_tag = f.DeploymentFilter(tags=f.DeploymentFilterTags(all_=["etl"]))
    assert [d.name for d in client.read_deployments(deployment_filter=by_name)] == ["hourly"]
    assert [d.name for d in client.read_deployments(deployment_filter=by_tag)] == ["nightly"]


def test_unknown_deployment_name_suggests_the_closest(client: SyncRiverrunClient) -> None:
    _deploy(client)
    with pytest.raises(ObjectNotFound, match="Did you mean 'sf_export/nightly'"):
        client.read_deployment_by_name("sf_export/nigthly")


def test_update_pause_resume_and_delete(client: SyncRiverrunClient) -> None:
    dep_id = _deploy(client, description="keep", version="1")
    client.update_deployment(dep_id, DeploymentUpdate(version="2"))
    client.pause_deployment(dep_id)
    dep = client.read_deployment(dep_id)
    assert (dep.version, dep.description, dep.paused) == ("2", "keep", True)
    client.resume_deployment(dep_id)
    assert client.read_deployment(dep_id).paused is False
    client.delete_deployment(dep_id)
    with pytest.raises(ObjectNotFound):
        client.read_deployment(dep_id)


def test_schedule_methods_create_read_update_and_delete(client: SyncRiverrunClient) -> None:
    dep_id = _deploy(client)
    [created] = client.create_deployment_schedules(
        dep_id, [(CronSchedule(cron="0 * * * *", timezone="America/New_York"), True)]
    )
    client.update_deployment_schedule(
        dep_id, created.id, active=False, schedule=IntervalSchedule(interval=600)
    )
    [updated] = client.read_deployment_schedules(dep_id)
    assert (updated.id, updated.active) == (created.id, False)
    assert isinstance(updated.schedule, IntervalSchedule)
    client.delete_deployment_schedule(dep_id, created.id)
    assert client.read_deployment_schedules(dep_id) == []


def test_run_from_deployment_refuses_bad_parameters_naming_each(
    client: SyncRiverrunClient,
) -> None:
    dep_id = _deploy(client)
    with pytest.raises(ParameterTypeError) as caught:
        client.create_flow_run_from_deployment(
            dep_id, parameters={"env": "dev", "timeout_mins": "soon"}
        )
    assert "env: expected one of 'pre', 'snd', 'pro', got 'dev'" in str(caught.value)
    assert "timeout_mins: expected an integer, got 'soon'" in str(caught.value)
    assert client.read_flow_runs() == []
