"""Queries: every filter kind, sorts, paging, counts and lookups, on each backend."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from riverrun._internal.clock import to_us
from riverrun._store.service import Store
from riverrun._store.testing import (
    artifact_event,
    flow_run_event,
    log_event,
    state_event,
    task_run_event,
)
from riverrun.exceptions import InvalidFilterError, ObjectNotFound
from riverrun.schemas import filters as f
from riverrun.schemas.sorting import FlowRunSort, LogSort, TaskRunSort

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


def _us(days_ago: float) -> int:
    return to_us(NOW - timedelta(days=days_ago))


@pytest.fixture
def runs(store: Store) -> dict[str, str]:
    """Four flow runs of two flows, with tags, states and start times; name -> id."""
    specs = [
        ("Summary-daily", "vtasks.gcal", ["env:pro", "gcal"], "COMPLETED", 0.5),
        ("summary-weekly", "vtasks.gcal", ["env:pre"], "FAILED", 2),
        ("backup", "vtasks.backup", ["env:pro"], "COMPLETED", 3),
        ("never-started", "vtasks.backup", [], None, None),
    ]
    ids = {}
    events = []
    for name, flow_name, tags, final, days_ago in specs:
        created = _us(days_ago + 0.1) if days_ago is not None else _us(0.01)
        run = flow_run_event(name=name, flow_name=flow_name, tags=tags, created=created)
        events.append(run)
        if final:
            start = _us(days_ago)
            events.append(state_event(run["id"], "RUNNING", timestamp=start, start_time=start))
            events.append(state_event(run["id"], final, timestamp=start + 1, end_time=start + 1))
        ids[name] = run["id"]
    store.ingest(events)
    return ids


def _names(result: list) -> list[str]:
    return [r.name for r in result]


def _read(store: Store, **filters: object) -> list[str]:
    flt = f.FlowRunFilter(**filters)  # type: ignore[arg-type]
    return sorted(_names(store.read_flow_runs(flow_run_filter=flt)))


def test_name_like_is_a_case_insensitive_substring_match(store: Store, runs: dict) -> None:
    assert _read(store, name=f.FlowRunFilterName(like_="SUMMARY")) == [
        "Summary-daily", "summary-weekly",
    ]  # fmt: skip


def test_name_like_treats_percent_and_underscore_literally(store: Store, runs: dict) -> None:
    assert _read(store, name=f.FlowRunFilterName(like_="never_")) == []
    assert _read(store, name=f.FlowRunFilterName(like_="%")) == []


def test_name_any_matches_exact_names(store: Store, runs: dict) -> None:
    assert _read(store, name=f.FlowRunFilterName(any_=["backup", "nope"])) == ["backup"]


def test_tags_all_needs_every_tag(store: Store, runs: dict) -> None:
    assert _read(store, tags=f.FlowRunFilterTags(all_=["env:pro", "gcal"])) == ["Summary-daily"]


def test_tags_any_needs_one_tag(store: Store, runs: dict) -> None:
    assert _read(store, tags=f.FlowRunFilterTags(any_=["gcal", "env:pre"])) == [
        "Summary-daily", "summary-weekly",
    ]  # fmt: skip


def test_tags_is_null_matches_untagged_runs(store: Store, runs: dict) -> None:
    assert _read(store, tags=f.FlowRunFilterTags(is_null_=True)) == ["never-started"]
    assert len(_read(store, tags=f.FlowRunFilterTags(is_null_=False))) == 3


def test_state_type_any_and_not_any(store: Store, runs: dict) -> None:
    state = f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=["FAILED"]))
    assert _read(store, state=state) == ["summary-weekly"]
    state = f.FlowRunFilterState(type=f.FlowRunFilterStateType(not_any_=["COMPLETED"]))
    assert _read(store, state=state) == ["never-started", "summary-weekly"]


def test_state_name_any(store: Store, runs: dict) -> None:
    state = f.FlowRunFilterState(name=f.FlowRunFilterStateName(any_=["Completed"]))
    assert _read(store, state=state) == ["Summary-daily", "backup"]


def test_start_time_after_and_before(store: Store, runs: dict) -> None:
    after = f.FlowRunFilterStartTime(after_=NOW - timedelta(days=1))
    assert _read(store, start_time=after) == ["Summary-daily"]
    before = f.FlowRunFilterStartTime(before_=NOW - timedelta(days=1))
    assert _read(store, start_time=before) == ["backup", "summary-weekly"]


def test_start_time_is_null(store: Store, runs: dict) -> None:
    assert _read(store, start_time=f.FlowRunFilterStartTime(is_null_=True)) == ["never-started"]


def test_naive_datetime_is_local_time(store: Store, runs: dict) -> None:
    local_naive = (NOW - timedelta(days=1)).astimezone().replace(tzinfo=None)
    assert _read(store, start_time=f.FlowRunFilterStartTime(after_=local_naive)) == [
        "Summary-daily"
    ]


def test_operator_or_matches_either_sub_filter(store: Store, runs: dict) -> None:
    assert _read(
        store,
        operator="or_",
        name=f.FlowRunFilterName(any_=["backup"]),
        tags=f.FlowRunFilterTags(all_=["env:pre"]),
    ) == ["backup", "summary-weekly"]


def test_the_guide_query_combines_all_four_filters(store: Store, runs: dict) -> None:
    flt = f.FlowRunFilter(
        name=f.FlowRunFilterName(like_="summary"),
        tags=f.FlowRunFilterTags(all_=["env:pro"]),
        state=f.FlowRunFilterState(name=f.FlowRunFilterStateName(any_=["Completed"])),
        start_time=f.FlowRunFilterStartTime(after_=NOW - timedelta(days=1)),
    )
    found = store.read_flow_runs(flow_run_filter=flt, sort=FlowRunSort.START_TIME_DESC)
    assert _names(found) == ["Summary-daily"]


def test_flow_filter_restricts_runs_to_matching_flows(store: Store, runs: dict) -> None:
    flows = f.FlowFilter(name=f.FlowFilterName(any_=["vtasks.backup"]))
    assert sorted(_names(store.read_flow_runs(flow_filter=flows))) == ["backup", "never-started"]


def test_task_run_filter_keeps_runs_with_matching_task(store: Store, runs: dict) -> None:
    store.ingest([task_run_event(runs["backup"], name="dump-db")])
    tasks = f.TaskRunFilter(name=f.TaskRunFilterName(any_=["dump-db"]))
    assert _names(store.read_flow_runs(task_run_filter=tasks)) == ["backup"]


def test_flow_run_id_filter_accepts_uuid_objects(store: Store, runs: dict) -> None:
    import uuid

    flt = f.FlowRunFilter(id=f.FlowRunFilterId(any_=[uuid.UUID(runs["backup"])]))
    assert _names(store.read_flow_runs(flow_run_filter=flt)) == ["backup"]


def test_id_filter_of_a_number_matches_nothing(store: Store, runs: dict) -> None:
    flt = f.FlowRunFilter(id=f.FlowRunFilterId(any_=[0]))
    assert store.read_flow_runs(flow_run_filter=flt) == []
    unmatched = f.FlowRunFilter(id=f.FlowRunFilterId(not_any_=[0]))
    assert store.count_flow_runs(flow_run_filter=unmatched) == len(runs)


def test_sort_start_time_desc_puts_unstarted_runs_by_expected_time(
    store: Store, runs: dict
) -> None:
    found = store.read_flow_runs(sort=FlowRunSort.START_TIME_DESC)
    assert _names(found) == ["never-started", "Summary-daily", "summary-weekly", "backup"]


@pytest.mark.parametrize("sort", list(FlowRunSort))
def test_every_flow_run_sort_works(store: Store, runs: dict, sort: FlowRunSort) -> None:
    assert len(store.read_flow_runs(sort=sort)) == 4


@pytest.mark.parametrize("sort", list(TaskRunSort))
def test_every_task_run_sort_works(store: Store, runs: dict, sort: TaskRunSort) -> None:
    store.ingest([task_run_event(runs["backup"]), task_run_event(runs["backup"])])
    assert len(store.read_task_runs(sort=sort)) == 2


def test_sort_by_name(store: Store, runs: dict) -> None:
    assert _names(store.read_flow_runs(sort=FlowRunSort.NAME_ASC))[0] == "Summary-daily"
    assert _names(store.read_flow_runs(sort="NAME_DESC"))[0] == "summary-weekly"


def test_unknown_sort_is_a_clear_error(store: Store, runs: dict) -> None:
    with pytest.raises(InvalidFilterError, match="valid: ID_DESC"):
        store.read_flow_runs(sort="START_DESC")


def test_limit_and_offset_page_through_results(store: Store, runs: dict) -> None:
    everything = _names(store.read_flow_runs(sort=FlowRunSort.NAME_ASC))
    page = store.read_flow_runs(sort=FlowRunSort.NAME_ASC, limit=2, offset=1)
    assert _names(page) == everything[1:3]


def test_count_flow_runs_applies_filters(store: Store, runs: dict) -> None:
    assert store.count_flow_runs() == 4
    tags = f.FlowRunFilter(tags=f.FlowRunFilterTags(all_=["env:pro"]))
    assert store.count_flow_runs(flow_run_filter=tags) == 2


def test_unknown_filter_field_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="valid fields are"):
        f.FlowRunFilterName(lik_="x")  # type: ignore[call-arg]


def test_read_flow_run_of_unknown_id_raises_object_not_found(store: Store) -> None:
    with pytest.raises(ObjectNotFound, match="No flow run with ID 'nope'"):
        store.read_flow_run("nope")


def test_read_flow_by_name_and_unknown_name(store: Store, runs: dict) -> None:
    assert store.read_flow_by_name("vtasks.gcal").name == "vtasks.gcal"
    with pytest.raises(ObjectNotFound, match="No flow named 'nope'"):
        store.read_flow_by_name("nope")


def test_read_flows_filtered_by_their_runs(store: Store, runs: dict) -> None:
    failed = f.FlowRunFilter(state=f.FlowRunFilterState(type=f.FlowRunFilterStateType(any_=["FAILED"])))  # fmt: skip
    assert [fl.name for fl in store.read_flows(flow_run_filter=failed)] == ["vtasks.gcal"]


def test_task_runs_filtered_by_flow_run_and_state(store: Store, runs: dict) -> None:
    a = task_run_event(runs["backup"], name="a")
    b = task_run_event(runs["backup"], name="b")
    c = task_run_event(runs["Summary-daily"], name="c")
    store.ingest([a, b, c, state_event(b["id"], "COMPLETED", task=True)])
    by_run = f.FlowRunFilter(id=f.FlowRunFilterId(any_=[runs["backup"]]))
    assert sorted(_names(store.read_task_runs(flow_run_filter=by_run))) == ["a", "b"]
    done = f.TaskRunFilter(state=f.TaskRunFilterState(type=f.TaskRunFilterStateType(any_=["COMPLETED"])))  # fmt: skip
    assert _names(store.read_task_runs(task_run_filter=done)) == ["b"]
    assert store.count_task_runs(flow_run_filter=by_run) == 2


def test_logs_filtered_by_level_and_run_and_sorted(store: Store, runs: dict) -> None:
    rid = runs["backup"]
    store.ingest([
        log_event(rid, "first", level=20, timestamp=_us(1)),
        log_event(rid, "second", level=40, timestamp=_us(0.5)),
        log_event(runs["Summary-daily"], "other", level=40),
    ])  # fmt: skip
    flt = f.LogFilter(flow_run_id=f.LogFilterFlowRunId(any_=[rid]))
    assert [x.message for x in store.read_logs(flt)] == ["first", "second"]
    assert [x.message for x in store.read_logs(flt, sort=LogSort.TIMESTAMP_DESC)] == [
        "second", "first",
    ]  # fmt: skip
    errors = f.LogFilter(level=f.LogFilterLevel(ge_=40), flow_run_id=f.LogFilterFlowRunId(any_=[rid]))  # fmt: skip
    assert [x.message for x in store.read_logs(errors)] == ["second"]
    assert len(store.read_logs(limit=1, offset=1)) == 1


def test_artifacts_filtered_by_key(store: Store, runs: dict) -> None:
    store.ingest([artifact_event(runs["backup"], key="sales-report"),
                  artifact_event(runs["backup"], key="other")])  # fmt: skip
    flt = f.ArtifactFilter(key=f.ArtifactFilterKey(like_="REPORT"))
    assert [a.key for a in store.read_artifacts(artifact_filter=flt)] == ["sales-report"]
