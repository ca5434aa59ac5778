"""Events through the public API: emit_event, read_events with filters, retention —
embedded and against servers on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from riverrun import flow
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, emit_event

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _read(**filters: object) -> list[str]:
    with get_client(sync_client=True) as client:
        return [e.event for e in client.read_events(filter=EventFilter(**filters))]  # type: ignore[arg-type]


def test_emitted_event_reads_back_with_its_fields() -> None:
    sent = emit_event("shop.order.paid", resource={"riverrun.resource.id": "shop.order.1"},
                      related=[{"riverrun.resource.id": "shop.customer.7", "riverrun.resource.role": "customer"}],
                      payload={"amount": 12})  # fmt: skip
    with get_client(sync_client=True) as client:
        (got,) = client.read_events(filter=EventFilter(event_names=["shop.*"]))
    assert (got.id, got.event, got.resource.id, got.payload) == (
        sent.id,
        "shop.order.paid",
        "shop.order.1",
        {"amount": 12},
    )
    assert got.related[0].role == "customer"


def test_event_emitted_in_a_flow_is_related_to_its_run() -> None:
    @flow
    def checkout() -> str:
        emit_event("shop.order.paid", resource={"riverrun.resource.id": "shop.order.2"})
        from riverrun.runtime import flow_run

        return str(flow_run.id)

    run_id = checkout()
    with get_client(sync_client=True) as client:
        (got,) = client.read_events(filter=EventFilter(event_names=["shop.order.paid"]))
    assert ("flow-run", f"riverrun.flow-run.{run_id}") in {(r.role, r.id) for r in got.related}


def test_filters_by_name_prefix_resource_and_related() -> None:
    emit_event("a.one", resource={"riverrun.resource.id": "x.1"})
    emit_event("a.two", resource={"riverrun.resource.id": "y.1"},
               related=[{"riverrun.resource.id": "tag.z", "riverrun.resource.role": "tag"}])  # fmt: skip
    emit_event("b.one", resource={"riverrun.resource.id": "x.2"})
    assert _read(event_names=["a.*"]) == ["a.one", "a.two"]
    assert _read(resource_ids=["x.*"]) == ["a.one", "b.one"]
    assert _read(related_resource_ids=["tag.z"]) == ["a.two"]


def test_occurred_window_filters() -> None:
    old = datetime.now(timezone.utc) - timedelta(days=2)
    emit_event("old", resource={"riverrun.resource.id": "x"}, occurred=old)
    emit_event("new", resource={"riverrun.resource.id": "x"})
    assert _read(occurred_since=datetime.now(timezone.utc) - timedelta(days=1)) == ["new"]


def test_same_event_id_twice_is_one_event() -> None:
    sent = emit_event("once", resource={"riverrun.resource.id": "x"})
    emit_event("once", resource={"riverrun.resource.id": "x"}, id=sent.id)
    assert _read(event_names=["once"]) == ["once"]


def test_resource_without_id_is_refused_naming_the_label() -> None:
    with pytest.raises(ValidationError, match="riverrun.resource.id"):
        emit_event("x", resource={"name": "no id"})


@pytest.mark.single_mode("retention is a store call")
def test_retention_deletes_events_older_than_the_cutoff() -> None:
    from riverrun._store.service import embedded_store

    emit_event("old", resource={"riverrun.resource.id": "x"},
               occurred=datetime.now(timezone.utc) - timedelta(days=10))  # fmt: skip
    emit_event("new", resource={"riverrun.resource.id": "x"})
    assert embedded_store().delete_old_events(7) == 1
    assert _read() == ["new"]


@flow(name="related-run")
def related_run() -> str:
    from riverrun import task
    from riverrun.runtime import flow_run

    @task(tags=["step:load"])
    def load() -> int:
        return 1

    load()
    return str(flow_run.id)


def test_related_filter_finds_state_events_by_the_runs_flow_tag_and_prefix() -> None:
    import riverrun

    with riverrun.tags("env:pro"):
        run_id = related_run()
    related_run()  # untagged: not related to the tag
    with get_client(sync_client=True) as client:
        flow_id = client.read_flow_run(run_id).flow_id
    states = [
        "riverrun.flow-run.Pending",
        "riverrun.flow-run.Running",
        "riverrun.flow-run.Completed",
    ]
    names = ["riverrun.flow-run.*"]
    assert _read(event_names=names, related_resource_ids=["riverrun.tag.env:pro"]) == states
    assert _read(event_names=names, related_resource_ids=["riverrun.tag.env:*"]) == states
    by_flow = _read(event_names=names, related_resource_ids=[f"riverrun.flow.{flow_id}"])
    assert len(by_flow) == 2 * len(states)


def test_related_filter_finds_task_run_events_by_their_flow_run_and_tags() -> None:
    run_id = related_run()
    names = ["riverrun.task-run.*"]
    by_run = _read(event_names=names, related_resource_ids=[f"riverrun.flow-run.{run_id}"])
    assert by_run[-1] == "riverrun.task-run.Completed" and len(by_run) >= 2
    assert _read(event_names=names, related_resource_ids=["riverrun.tag.step:load"]) == by_run


def test_related_filter_with_a_limit_pages_past_unrelated_events() -> None:
    for n in range(250):
        emit_event("noise", resource={"riverrun.resource.id": f"noise.{n}"})
    for n in range(3):
        emit_event(f"wanted.{n}", resource={"riverrun.resource.id": "w"},
                   related=[{"riverrun.resource.id": "shop.customer.9", "riverrun.resource.role": "customer"}])  # fmt: skip
    with get_client(sync_client=True) as client:
        got = client.read_events(
            filter=EventFilter(related_resource_ids=["shop.customer.9"]), limit=2
        )
    assert [e.event for e in got] == ["wanted.0", "wanted.1"]
