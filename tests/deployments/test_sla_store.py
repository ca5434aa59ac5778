"""SLAs in the store, on SQLite and PostgreSQL: merged by name, and each violation recorded
once as a ``riverrun.sla.violation`` event (checked at a chosen ``now``, no waiting)."""

from __future__ import annotations

import pytest

from riverrun._internal.clock import now_us
from riverrun._store.service import Store
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas.automations import EventFilter, ReceivedEvent
from riverrun.schemas.slas import FrequencySla, LatenessSla, TimeToCompletionSla
from riverrun.states import Completed, Running

from .conftest import SF_EXPORT_SCHEMA

SECOND = 1_000_000


def _deploy(store: Store, flow_id: str) -> str:
    return store.create_deployment(flow_id, "nightly", entrypoint="flows.py:sf_export",
                                   parameter_openapi_schema=SF_EXPORT_SCHEMA,
                                   parameters={"env": "pre"})  # fmt: skip


def _violations(store: Store, deployment_id: str) -> list[ReceivedEvent]:
    return store.read_events(EventFilter(
        event_names=["riverrun.sla.violation"],
        related_resource_ids=[f"riverrun.deployment.{deployment_id}"],
    ))  # fmt: skip


def _deployment_violations(store: Store, deployment_id: str) -> list[ReceivedEvent]:
    return store.read_events(EventFilter(
        event_names=["riverrun.sla.violation"],
        resource_ids=[f"riverrun.deployment.{deployment_id}"],
    ))  # fmt: skip


def test_apply_creates_updates_and_deletes_by_name(store: Store, flow_id: str) -> None:
    dep = _deploy(store, flow_id)
    first = store.apply_slas_for_deployment(dep, [
        TimeToCompletionSla(name="slow", duration=600), LatenessSla(name="late", within=60),
    ])  # fmt: skip
    assert (first.created, first.updated, first.deleted) == (["slow", "late"], [], [])
    second = store.apply_slas_for_deployment(dep, [
        TimeToCompletionSla(name="slow", duration=300, severity="high"),
    ])  # fmt: skip
    assert (second.created, second.updated, second.deleted) == ([], ["slow"], ["late"])
    [slow] = store.read_slas_for_deployment(dep)
    assert (slow.type, slow.duration, slow.severity) == ("time_to_completion", 300, "high")


def test_slas_of_an_unknown_deployment_are_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFound, match="riverrun deployment ls"):
        store.apply_slas_for_deployment("00000000-0000-0000-0000-000000000000", [])


def test_two_slas_of_one_name_are_refused_naming_it(store: Store, flow_id: str) -> None:
    dep = _deploy(store, flow_id)
    with pytest.raises(ValueError, match=r"\['twice'\] appear more than once"):
        store.apply_slas_for_deployment(dep, [
            LatenessSla(name="twice", within=60), FrequencySla(name="twice", stale_after=60),
        ])  # fmt: skip


def test_slas_go_with_their_deployment(store: Store, flow_id: str) -> None:
    dep = _deploy(store, flow_id)
    store.apply_slas_for_deployment(dep, [LatenessSla(name="late", within=60)])
    store.delete_deployment(dep)
    assert store.check_slas(now=now_us() + 3_600 * SECOND) == 0


def test_a_run_running_past_its_duration_is_one_violation(store: Store, flow_id: str) -> None:
    dep = _deploy(store, flow_id)
    store.apply_slas_for_deployment(dep, [TimeToCompletionSla(name="slow", duration=10)])
    run = store.create_flow_run_from_deployment(dep)
    store.set_flow_run_state(run.id, Running())
    assert store.check_slas(now=now_us() + 5 * SECOND) == 0
    assert store.check_slas(now=now_us() + 20 * SECOND) == 1
    assert store.check_slas(now=now_us() + 30 * SECOND) == 0  # recorded once
    [event] = _violations(store, dep)
    assert event.resource.id == f"riverrun.flow-run.{run.id}"
    assert event.payload["sla_name"] == "slow" and event.payload["duration"] == 10
    assert event.payload["run_time_seconds"] >= 20
    assert {r.role for r in event.related} == {"deployment", "flow", "sla"}


def test_a_run_that_finished_in_time_is_no_violation(store: Store, flow_id: str) -> None:
    dep = _deploy(store, flow_id)
    store.apply_slas_for_deployment(dep, [TimeToCompletionSla(name="slow", duration=10)])
    run = store.create_flow_run_from_deployment(dep)
    store.set_flow_run_state(run.id, Running())
    store.set_flow_run_state(run.id, Completed())
    assert store.check_slas(now=now_us() + 60 * SECOND) == 0


def test_a_run_not_started_within_its_window_is_late(store: Store, flow_id: str) -> None:
    dep = _deploy(store, flow_id)
    store.apply_slas_for_deployment(dep, [LatenessSla(name="late", within=60)])
    run = store.create_flow_run_from_deployment(dep)
    assert store.check_slas(now=now_us() + 30 * SECOND) == 0
    assert store.check_slas(now=now_us() + 90 * SECOND) == 1
    [event] = _violations(store, dep)
    assert event.resource.id == f"riverrun.flow-run.{run.id}"
    assert event.payload["within_seconds"] == 60 and event.payload["late_by_seconds"] >= 90


def test_no_completed_run_within_stale_after_is_one_violation_per_gap(
    store: Store, flow_id: str
) -> None:
    dep = _deploy(store, flow_id)
    store.apply_slas_for_deployment(dep, [FrequencySla(name="hourly", stale_after=3_600)])
    assert store.check_slas(now=now_us() + 1_800 * SECOND) == 0
    assert store.check_slas(now=now_us() + 4_000 * SECOND) == 1
    assert store.check_slas(now=now_us() + 5_000 * SECOND) == 0  # the same gap
    run = store.create_flow_run_from_deployment(dep)
    store.set_flow_run_state(run.id, Running())
    store.set_flow_run_state(run.id, Completed())
    assert store.check_slas(now=now_us() + 1_800 * SECOND) == 0
    assert store.check_slas(now=now_us() + 4_000 * SECOND) == 1  # a new gap after that run
    events = _deployment_violations(store, dep)
    assert [e.payload["last_completed_flow_run_id"] for e in events] == [None, run.id]


def test_a_disabled_sla_is_not_checked(store: Store, flow_id: str) -> None:
    dep = _deploy(store, flow_id)
    store.apply_slas_for_deployment(dep, [LatenessSla(name="late", within=60, enabled=False)])
    store.create_flow_run_from_deployment(dep)
    assert store.check_slas(now=now_us() + 3_600 * SECOND) == 0


@pytest.mark.parametrize(
    ("sla", "named"),
    [
        (lambda: TimeToCompletionSla(name="x", duration=0), "duration must be a positive"),
        (lambda: LatenessSla(name="x", within=-5), "within must be a positive"),
        (lambda: FrequencySla(name="x", stale_after=0), "stale_after must be a positive"),
    ],
)
def test_a_threshold_that_is_not_positive_is_refused_naming_it(sla: object, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        sla()  # type: ignore[operator]
