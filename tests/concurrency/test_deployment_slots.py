"""Deployment ``concurrency_limit``: slots taken in the claim, freed at the run's end or when
its run lease expires; ENQUEUE and CANCEL_NEW. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

from riverrun._internal.clock import now_us
from riverrun._store.service import Store
from riverrun._store.testing import state_event
from riverrun.schemas.objects import ConcurrencyOptions
from riverrun.states import Completed, Running


def _deployment(store: Store, limit: int, strategy: str = "ENQUEUE") -> str:
    flow_id = store.create_flow_from_name(f"f-{uuid.uuid4().hex[:6]}")
    return store.create_deployment(
        flow_id, "d", concurrency_limit=limit,
        concurrency_options=ConcurrencyOptions(collision_strategy=strategy),  # type: ignore[arg-type]
    )  # fmt: skip


def _held(store: Store, dep_id: str) -> int:
    return store.read_global_concurrency_limit_by_name(f"deployment:{dep_id}").active_slots or 0


def test_claim_takes_no_more_runs_than_the_limit(store: Store) -> None:
    dep_id = _deployment(store, 2)
    for _ in range(5):
        store.create_flow_run_from_deployment(dep_id)
    assert len(store.claim_deployment_runs([dep_id])) == 2
    assert _held(store, dep_id) == 2


def test_enqueued_runs_wait_as_awaiting_concurrency_slot(store: Store) -> None:
    dep_id = _deployment(store, 1)
    store.create_flow_run_from_deployment(dep_id)
    second = store.create_flow_run_from_deployment(dep_id)
    store.claim_deployment_runs([dep_id])
    waiting = store.read_flow_run(second.id)
    assert (waiting.state_type, waiting.state_name) == ("SCHEDULED", "AwaitingConcurrencySlot")


def test_a_finished_run_frees_its_slot_for_the_next(store: Store) -> None:
    dep_id = _deployment(store, 1)
    first = store.create_flow_run_from_deployment(dep_id)
    second = store.create_flow_run_from_deployment(dep_id)
    store.claim_deployment_runs([dep_id])
    store.set_flow_run_state(first.id, Running())
    store.set_flow_run_state(first.id, Completed())
    assert [r.id for r in store.claim_deployment_runs([dep_id])] == [second.id]


def test_a_final_state_ingested_as_an_event_frees_the_slot(store: Store) -> None:
    dep_id = _deployment(store, 1)
    first = store.create_flow_run_from_deployment(dep_id)
    store.claim_deployment_runs([dep_id])
    store.ingest([state_event(str(first.id), "CRASHED", "Crashed", message="gone")])
    assert _held(store, dep_id) == 0


def test_cancel_new_cancels_the_run_over_the_limit(store: Store) -> None:
    dep_id = _deployment(store, 1, "CANCEL_NEW")
    store.create_flow_run_from_deployment(dep_id)
    second = store.create_flow_run_from_deployment(dep_id)
    store.claim_deployment_runs([dep_id])
    cancelled = store.read_flow_run(second.id)
    assert cancelled.state_type == "CANCELLED"
    assert cancelled.state.message == "Deployment concurrency limit reached."  # type: ignore[union-attr]


def test_an_expired_run_lease_frees_the_deployment_slot(store: Store) -> None:
    dep_id = _deployment(store, 1)
    first = store.create_flow_run_from_deployment(dep_id)
    store.claim_deployment_runs([dep_id])
    with store.begin() as conn:
        store.grant_run_lease(conn, str(first.id), "worker:test", 1, now_us())
    store.set_flow_run_state(first.id, Running())
    store.expire_run_leases(now_us=now_us() + 10_000_000)
    assert store.read_flow_run(first.id).state_type == "CRASHED"
    assert _held(store, dep_id) == 0


def test_the_embedded_writer_frees_the_slot_with_the_final_state(tmp_path: Path) -> None:
    from riverrun._store.dialect import sqlite_url
    from riverrun._store.embedded import embedded_writer

    store = Store(sqlite_url(tmp_path / "writer.db"))
    try:
        dep_id = _deployment(store, 1)
        first = store.create_flow_run_from_deployment(dep_id)
        second = store.create_flow_run_from_deployment(dep_id)
        store.claim_deployment_runs([dep_id])
        events = [
            state_event(str(first.id), "RUNNING", "Running"),
            state_event(str(first.id), "COMPLETED", "Completed"),
        ]
        embedded_writer(tmp_path / "writer.db").ingest(events)
        assert [r.id for r in store.claim_deployment_runs([dep_id])] == [second.id]
    finally:
        store.dispose()
