"""Deployments in the store: create/read/update/delete, schedules, runs made from them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from riverrun._store.service import Store
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound, ParameterTypeError
from riverrun.schedules import Cron, Interval
from riverrun.schemas import filters as f
from riverrun.schemas.actions import DeploymentScheduleCreate, DeploymentUpdate
from riverrun.schemas.schedules import CronSchedule, IntervalSchedule

from .conftest import SF_EXPORT_SCHEMA

UTC = dt.timezone.utc


def _deploy(store: Store, flow_id: str, name: str = "nightly", **fields: object) -> str:
    fields.setdefault("parameter_openapi_schema", SF_EXPORT_SCHEMA)
    fields.setdefault("parameters", {"env": "pre"})
    return store.create_deployment(flow_id, name, entrypoint="flows.py:sf_export", **fields)  # type: ignore[arg-type]


def test_created_deployment_reads_back_every_field(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, tags=["etl"], version="1", description="nightly export",
                     work_pool_name="pool", work_queue_name="q", concurrency_limit=2,
                     catchup="latest", catchup_window=3600, overlap="skip")  # fmt: skip
    dep = store.read_deployment(dep_id)
    assert (dep.name, dep.flow_id, dep.entrypoint, dep.tags, dep.version) == (
        "nightly", flow_id, "flows.py:sf_export", ["etl"], "1",
    )  # fmt: skip
    assert (dep.work_pool_name, dep.work_queue_name, dep.concurrency_limit) == ("pool", "q", 2)
    assert (dep.catchup, dep.catchup_window, dep.overlap) == (
        "latest",
        dt.timedelta(hours=1),
        "skip",
    )
    assert dep.parameter_openapi_schema == SF_EXPORT_SCHEMA and dep.enforce_parameter_schema


def test_creating_an_existing_deployment_updates_it(store: Store, flow_id: str) -> None:
    first = _deploy(store, flow_id, version="1")
    second = _deploy(store, flow_id, version="2")
    assert first == second
    assert store.read_deployment(first).version == "2"


def test_read_deployment_by_name_uses_flow_slash_name(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    assert store.read_deployment_by_name("sf_export/nightly").id == dep_id


def test_unknown_deployment_name_suggests_the_closest(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id)
    with pytest.raises(ObjectNotFound, match="Did you mean 'sf_export/nightly'"):
        store.read_deployment_by_name("sf_export/nigthly")


def test_deployment_name_without_a_slash_says_how_to_write_it(store: Store) -> None:
    with pytest.raises(ObjectNotFound, match="'flow-name/deployment-name'"):
        store.read_deployment_by_name("nightly")


def test_read_deployments_filters_by_name_tags_and_flow(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, "a", tags=["x"])
    _deploy(store, flow_id, "b", tags=["y"])
    other = store.create_flow_from_name("other")
    _deploy(store, other, "c", tags=["x"])
    by_tag = store.read_deployments(
        deployment_filter=f.DeploymentFilter(tags=f.DeploymentFilterTags(all_=["x"]))
    )
    assert [d.name for d in by_tag] == ["a", "c"]
    by_flow = store.read_deployments(
        flow_filter=f.FlowFilter(name=f.FlowFilterName(any_=["other"]))
    )
    assert [d.name for d in by_flow] == ["c"]
    paused = store.read_deployments(
        deployment_filter=f.DeploymentFilter(paused=f.DeploymentFilterPaused(eq_=True))
    )
    assert paused == []


def test_update_deployment_changes_only_given_fields(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, description="keep", version="1")
    store.update_deployment(dep_id, DeploymentUpdate(version="2"))
    dep = store.read_deployment(dep_id)
    assert (dep.version, dep.description) == ("2", "keep")


def test_pause_and_resume(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    store.pause_deployment(dep_id)
    assert store.read_deployment(dep_id).paused
    store.resume_deployment(dep_id)
    assert not store.read_deployment(dep_id).paused


def test_delete_deployment_removes_it_and_its_unstarted_runs(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    run = store.create_flow_run_from_deployment(dep_id)
    store.delete_deployment(dep_id)
    with pytest.raises(ObjectNotFound):
        store.read_deployment(dep_id)
    with pytest.raises(ObjectNotFound):
        store.read_flow_run(run.id)


def test_deployment_of_an_unknown_flow_is_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFound, match="create_flow_from_name"):
        store.create_deployment("00000000-0000-0000-0000-000000000000", "d")


def test_deleting_an_unknown_deployment_is_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFound, match="riverrun deployment ls"):
        store.delete_deployment("00000000-0000-0000-0000-000000000000")


def test_schedules_are_stored_with_the_deployment(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, schedules=[
        Cron("0 2 * * *", timezone="America/New_York", slug="nightly", parameters={"env": "pro"}),
        Interval(3600, anchor_date=dt.datetime(2025, 1, 1, tzinfo=UTC), active=False),
    ])  # fmt: skip
    schedules = store.read_deployment_schedules(dep_id)
    assert isinstance(schedules[0].schedule, CronSchedule)
    assert (schedules[0].slug, schedules[0].parameters) == ("nightly", {"env": "pro"})
    assert isinstance(schedules[1].schedule, IntervalSchedule) and not schedules[1].active


def test_create_update_delete_one_schedule(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    [created] = store.create_deployment_schedules(dep_id, [(CronSchedule(cron="0 * * * *"), True)])
    store.update_deployment_schedule(
        dep_id, created.id, active=False, schedule=CronSchedule(cron="5 * * * *")
    )
    [updated] = store.read_deployment_schedules(dep_id)
    assert (updated.id, updated.active, updated.schedule.cron) == (created.id, False, "5 * * * *")  # type: ignore[union-attr]
    store.delete_deployment_schedule(dep_id, created.id)
    assert store.read_deployment_schedules(dep_id) == []


def test_schedule_slugs_are_unique_per_deployment(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    store.create_deployment_schedules(
        dep_id, [DeploymentScheduleCreate(schedule=CronSchedule(cron="0 * * * *"), slug="s")]
    )
    with pytest.raises(ObjectAlreadyExists, match="slug 's'"):
        store.create_deployment_schedules(
            dep_id, [DeploymentScheduleCreate(schedule=CronSchedule(cron="1 * * * *"), slug="s")]
        )


def test_updating_schedules_by_slug_keeps_the_schedule(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, schedules=[Cron("0 * * * *", slug="hourly")])
    [before] = store.read_deployment_schedules(dep_id)
    _deploy(store, flow_id, schedules=[Cron("30 * * * *", slug="hourly")])
    [after] = store.read_deployment_schedules(dep_id)
    assert before.id == after.id and after.schedule.cron == "30 * * * *"  # type: ignore[union-attr]


def test_run_from_deployment_merges_parameters_and_tags(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, tags=["etl"], work_queue_name="q")
    run = store.create_flow_run_from_deployment(
        dep_id, parameters={"timeout_mins": 5}, tags=["manual"]
    )
    assert run.parameters == {"env": "pre", "timeout_mins": 5}
    assert run.tags == ["etl", "manual"]
    assert (run.deployment_id, run.flow_id, run.work_queue_name) == (dep_id, flow_id, "q")
    assert run.state is not None and run.state.name == "Scheduled"


def test_bad_parameters_are_refused_naming_every_field(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    with pytest.raises(ParameterTypeError) as caught:
        store.create_flow_run_from_deployment(
            dep_id,
            parameters={"env": "dev", "timeout_mins": "soon", "min_date": "yesterday", "nope": 1},
        )
    message = str(caught.value)
    assert "env: expected one of 'pre', 'snd', 'pro', got 'dev'" in message
    assert "timeout_mins: expected an integer, got 'soon'" in message
    assert "min_date: expected an ISO 8601 date-time" in message
    assert "nope: is not a parameter of the flow" in message
    assert store.read_flow_runs() == []


def test_missing_required_parameter_is_refused(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, parameters={})
    with pytest.raises(ParameterTypeError, match="env: is required"):
        store.create_flow_run_from_deployment(dep_id)


def test_schema_is_not_enforced_when_turned_off(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, enforce_parameter_schema=False)
    run = store.create_flow_run_from_deployment(dep_id, parameters={"env": "dev"})
    assert run.parameters["env"] == "dev"


def test_idempotency_key_returns_the_first_run(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    first = store.create_flow_run_from_deployment(dep_id, idempotency_key="k")
    second = store.create_flow_run_from_deployment(dep_id, idempotency_key="k")
    assert first.id == second.id
    assert len(store.read_flow_runs()) == 1


def test_an_anchor_in_local_mean_time_reads_back_as_the_same_instant_in_utc(
    store: Store, flow_id: str
) -> None:
    # Dublin in 1850 was 25 min 21 s behind UTC: an offset RFC 3339 cannot write.
    anchor = dt.datetime(1850, 1, 1, tzinfo=ZoneInfo("Europe/Dublin"))
    dep_id = _deploy(store, flow_id, schedules=[Interval(3600, anchor_date=anchor)])
    schedule = store.read_deployment(dep_id).schedules[0].schedule
    assert isinstance(schedule, IntervalSchedule)
    assert schedule.anchor_date == anchor
    assert schedule.anchor_date.utcoffset() == dt.timedelta(0)
    assert schedule.timezone == "Europe/Dublin"
