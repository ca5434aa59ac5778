"""The store-level scheduler: materialise ahead, idempotent, late runs, catchup and overlap."""

from __future__ import annotations

import datetime as dt
from typing import Any

from riverrun._internal.clock import to_us
from riverrun._scheduling import policy
from riverrun._store.service import Store
from riverrun.schedules import Cron, Interval
from riverrun.schemas import filters as f
from riverrun.states import Running

UTC = dt.timezone.utc
NOW = to_us(dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC))
MINUTE = 60_000_000


def _runs(store: Store) -> list:  # type: ignore[type-arg]
    return store.read_flow_runs(sort="EXPECTED_START_TIME_ASC")


def _deploy(store: Store, flow_id: str, **fields: object) -> str:
    return store.create_deployment(flow_id, "d", **fields)  # type: ignore[arg-type]


def test_hourly_schedule_materialises_prefects_minimum(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 * * * *")])
    assert store.schedule_deployment_runs(now=NOW) == 3
    runs = _runs(store)
    assert [r.expected_start_time.hour for r in runs] == [12, 13, 14]  # type: ignore[union-attr]
    assert all("auto-scheduled" in r.tags and r.state_name == "Scheduled" for r in runs)


def test_minutely_schedule_materialises_an_hour_ahead(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, schedules=[Cron("* * * * *")])
    store.schedule_deployment_runs(now=NOW)
    assert len(_runs(store)) == 61


def test_scheduling_twice_creates_nothing_more(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 * * * *")])
    store.schedule_deployment_runs(now=NOW)
    assert store.schedule_deployment_runs(now=NOW) == 0
    assert len(_runs(store)) == 3


def test_scheduling_later_tops_up_to_three_runs_ahead(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 * * * *")])
    store.schedule_deployment_runs(now=NOW)
    assert store.schedule_deployment_runs(now=NOW + 10 * MINUTE) == 1
    assert [r.expected_start_time.hour for r in _runs(store)] == [12, 13, 14, 15]  # type: ignore[union-attr]


def test_a_second_store_on_the_same_database_does_not_double_schedule(
    store: Store, flow_id: str
) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 * * * *")])
    other = Store(store.url)
    try:
        store.schedule_deployment_runs(now=NOW)
        other.schedule_deployment_runs(now=NOW)
        # the other process has not seen this one's high-water mark move when it started
        other.schedule_deployment_runs(now=NOW + 2 * 60 * MINUTE)
    finally:
        other.dispose()
    times = [r.expected_start_time for r in _runs(store)]
    assert len(times) == len(set(times))


def test_schedule_parameters_override_the_deployments(store: Store, flow_id: str) -> None:
    _deploy(
        store,
        flow_id,
        parameters={"a": 1, "b": 1},
        schedules=[Cron("0 * * * *", parameters={"b": 2})],
    )
    store.schedule_deployment_runs(now=NOW)
    assert _runs(store)[0].parameters == {"a": 1, "b": 2}


def test_paused_deployments_and_inactive_schedules_make_no_runs(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, paused=True, schedules=[Cron("0 * * * *")])
    other = store.create_flow_from_name("other")
    store.create_deployment(other, "e", schedules=[Cron("0 * * * *", active=False)])
    assert store.schedule_deployment_runs(now=NOW) == 0


def test_editing_a_schedule_replaces_only_future_unstarted_runs(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 * * * *", slug="s")])
    store.schedule_deployment_runs(now=NOW - 30 * MINUTE)
    first = _runs(store)[0]
    store.set_flow_run_state(first.id, Running())
    _deploy(store, flow_id, schedules=[Cron("30 * * * *", slug="s")])
    store.schedule_deployment_runs(now=NOW)
    runs = _runs(store)
    assert runs[0].id == first.id and runs[0].state_name == "Running"
    assert {r.expected_start_time.minute for r in runs[1:]} == {30}  # type: ignore[union-attr]


def test_pausing_removes_future_auto_scheduled_runs(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, schedules=[Cron("0 * * * *")])
    store.schedule_deployment_runs()
    store.pause_deployment(dep_id)
    assert _runs(store) == []


def test_missed_times_are_caught_up_from_the_high_water_mark(store: Store, flow_id: str) -> None:
    _deploy(
        store, flow_id, schedules=[Interval(600, anchor_date=dt.datetime(2025, 1, 1, tzinfo=UTC))]
    )
    store.schedule_deployment_runs(now=NOW)  # 12:00 .. 13:00 (7 runs)
    store.schedule_deployment_runs(now=NOW + 5 * 60 * MINUTE)  # 17:00: nothing ran meanwhile
    times = [r.expected_start_time for r in _runs(store)]
    assert times[0] == dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    steps = {b - a for a, b in zip(times, times[1:], strict=False)}  # type: ignore[operator]
    assert steps == {dt.timedelta(minutes=10)}  # no gap between 13:00 and 17:00


def test_late_runs_are_marked_late_once(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 * * * *")])
    store.schedule_deployment_runs(now=NOW)
    assert store.mark_late_runs(now=NOW + MINUTE) == 1
    assert store.mark_late_runs(now=NOW + 2 * MINUTE) == 0
    assert _runs(store)[0].state_name == "Late"


def test_claim_moves_due_runs_to_pending_once(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    run = store.create_flow_run_from_deployment(dep_id)
    claimed = store.claim_deployment_runs([dep_id])
    assert [r.id for r in claimed] == [run.id] and claimed[0].state_name == "Pending"
    assert store.claim_deployment_runs([dep_id]) == []
    assert store.read_deployment(dep_id).status == "READY"


def test_claim_obeys_the_limit(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id)
    for _ in range(3):
        store.create_flow_run_from_deployment(dep_id)
    assert len(store.claim_deployment_runs([dep_id], limit=2)) == 2


def test_catchup_latest_skips_older_missed_runs_and_keeps_them(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, catchup="latest", schedules=[Cron("*/10 * * * *")])
    store.schedule_deployment_runs(now=NOW)
    claimed = store.claim_deployment_runs([dep_id], now=NOW + 25 * MINUTE)
    assert [r.expected_start_time.minute for r in claimed] == [20]  # type: ignore[union-attr]
    skipped = store.read_flow_runs(flow_run_filter=f.FlowRunFilter(
        state=f.FlowRunFilterState(name=f.FlowRunFilterStateName(any_=["Skipped"]))))  # fmt: skip
    assert len(skipped) == 2
    assert all(
        r.state_type == "CANCELLED" and "catchup=latest" in (r.state.message or "") for r in skipped
    )  # type: ignore[union-attr]


def _one_running(store: Store, dep_id: str) -> Any:
    """A run of the deployment, claimed and Running (so the next due run overlaps it)."""
    first = store.create_flow_run_from_deployment(dep_id)
    store.claim_deployment_runs([dep_id])
    store.set_flow_run_state(first.id, Running())
    return first


def test_overlap_skip_skips_a_run_due_while_another_runs(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, overlap="skip")
    _one_running(store, dep_id)
    second = store.create_flow_run_from_deployment(dep_id)
    assert store.claim_deployment_runs([dep_id]) == []
    skipped = store.read_flow_run(second.id)
    assert skipped.state_name == "Skipped" and "overlap=skip" in (skipped.state.message or "")  # type: ignore[union-attr]


def test_policy_buffer_one_keeps_the_newest_waiting() -> None:
    due = [policy.DueRun("a", 1, True), policy.DueRun("b", 2, True)]
    decision = policy.decide(due, ["r"], 3, overlap="buffer_one")
    assert decision.wait == ["b"] and [run for run, _ in decision.skip] == ["a"]


def test_policy_cancel_other_cancels_the_running_run() -> None:
    decision = policy.decide([policy.DueRun("a", 1, True)], ["r"], 2, overlap="cancel_other")
    assert (decision.start, decision.cancel) == (["a"], ["r"])


def test_policy_catchup_none_skips_late_scheduled_runs_but_not_manual_ones() -> None:
    due = [policy.DueRun("auto", 0, True), policy.DueRun("manual", 0, False)]
    decision = policy.decide(due, [], 60_000_000, catchup="none")
    assert decision.start == ["manual"] and [r for r, _ in decision.skip] == ["auto"]


def test_jitter_is_the_same_in_every_process_and_within_the_window() -> None:
    first = policy.jitter_us("s", 123, 30.0)
    assert first == policy.jitter_us("s", 123, 30.0) and 0 <= first < 30_000_000


def test_a_ten_second_interval_materialises_at_most_100_runs(store: Store, flow_id: str) -> None:
    anchor = dt.datetime(2025, 1, 1, tzinfo=UTC)
    _deploy(store, flow_id, schedules=[Interval(10, anchor_date=anchor)])
    assert store.schedule_deployment_runs(now=NOW) == 100


def test_a_quarterly_cron_materialises_only_what_falls_within_100_days(
    store: Store, flow_id: str
) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 0 1 */3 *")])  # Jul 1 in range, Oct 1 is not
    store.schedule_deployment_runs(now=NOW)
    assert [r.expected_start_time.date() for r in _runs(store)] == [dt.date(2025, 7, 1)]  # type: ignore[union-attr]


def test_jitter_delays_each_run_within_its_window(store: Store, flow_id: str) -> None:
    _deploy(store, flow_id, schedules=[Cron("0 * * * *", jitter=dt.timedelta(seconds=30))])
    store.schedule_deployment_runs(now=NOW)
    offsets = [r.expected_start_time - r.expected_start_time.replace(minute=0, second=0,  # type: ignore[union-attr]
               microsecond=0) for r in _runs(store)]  # fmt: skip
    assert all(dt.timedelta(0) <= x < dt.timedelta(seconds=30) for x in offsets)
    assert any(x > dt.timedelta(0) for x in offsets)


def test_catchup_window_skips_scheduled_runs_older_than_it(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, catchup_window=dt.timedelta(minutes=15),
                     schedules=[Cron("*/10 * * * *")])  # fmt: skip
    store.schedule_deployment_runs(now=NOW)
    claimed = store.claim_deployment_runs([dep_id], now=NOW + 25 * MINUTE)
    assert [r.expected_start_time.minute for r in claimed] == [10, 20]  # type: ignore[union-attr]
    skipped = [r for r in _runs(store) if r.state_name == "Skipped"]
    assert len(skipped) == 1 and "catchup window" in (skipped[0].state.message or "")  # type: ignore[union-attr]


def test_overlap_buffer_all_keeps_every_due_run_waiting(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, overlap="buffer_all")
    _one_running(store, dep_id)
    waiting = [store.create_flow_run_from_deployment(dep_id) for _ in range(2)]
    assert store.claim_deployment_runs([dep_id]) == []
    assert {store.read_flow_run(r.id).state_name for r in waiting} == {"Scheduled"}


def test_overlap_cancel_other_cancels_the_run_in_progress(store: Store, flow_id: str) -> None:
    dep_id = _deploy(store, flow_id, overlap="cancel_other")
    first = _one_running(store, dep_id)
    second = store.create_flow_run_from_deployment(dep_id)
    assert [r.id for r in store.claim_deployment_runs([dep_id])] == [second.id]
    cancelled = store.read_flow_run(first.id)
    assert cancelled.state_name == "Cancelling" and "overlap=cancel_other" in (
        cancelled.state.message or ""  # type: ignore[union-attr]
    )
