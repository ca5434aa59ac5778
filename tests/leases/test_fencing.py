"""Fencing of states that arrive as events: a holder that lost its lease adds nothing after.

A flow process records its states as events (``store.ingest``), stamped with the lease token
it holds (``state_details["lease_token"]``). These tests hand the store such events directly,
on SQLite and PostgreSQL, as a stale process resuming after its lease expired would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riverrun._internal.clock import now_us
from riverrun._store.service import Store
from riverrun._store.state_events import state_event
from riverrun.states import Completed, Running, State, StateType

SECOND = 1_000_000
NewRun = Callable[[str], str]


def _grant(store: Store, run_id: str, owner: str = "worker:w1", ttl_s: float = 30) -> int:
    with store.begin() as conn:
        return store.grant_run_lease(conn, run_id, owner, int(ttl_s * SECOND), now_us())


def _event(run_id: str, state: State, token: int | None) -> dict[str, Any]:
    """The event a flow process records for ``state``, carrying its lease token."""
    if token is not None:
        state.state_details["lease_token"] = token
    run = {"run_count": 1, "start_time": None, "state_type": "RUNNING",
           "state_timestamp": None, "total_run_time": 0.0}  # fmt: skip
    return state_event("flow_run", run_id, run, state)


def _history(store: Store, run_id: str) -> list[str]:
    return [s.name for s in store.read_flow_run_states(run_id)]


def test_a_state_with_the_held_token_is_recorded(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id)
    store.ingest([_event(run_id, Completed(), token)])
    assert store.read_flow_run(run_id).state_type is StateType.COMPLETED


def test_a_state_of_a_holder_whose_lease_was_taken_over_is_refused(
    store: Store, new_run: NewRun
) -> None:
    run_id = new_run("Running")
    old = _grant(store, run_id)
    _grant(store, run_id, "worker:w2")
    before = _history(store, run_id)
    store.ingest([_event(run_id, Completed(), old)])
    assert store.read_flow_run(run_id).state_type is StateType.RUNNING
    assert _history(store, run_id) == before


def test_a_state_of_a_holder_whose_lease_expired_leaves_the_run_crashed(
    store: Store, new_run: NewRun
) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id, ttl_s=1)
    assert store.expire_run_leases(now_us() + 2 * SECOND).crashed == 1
    store.ingest([_event(run_id, Completed(), token), _event(run_id, Running(), token)])
    run = store.read_flow_run(run_id)
    assert run.state_type is StateType.CRASHED
    assert _history(store, run_id)[-1] == "Crashed"


def test_a_refused_state_leaves_no_event_for_automations(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id, ttl_s=1)
    store.expire_run_leases(now_us() + 2 * SECOND)
    store.ingest([_event(run_id, Completed(), token)])
    names = [e.event for e in store.read_events(limit=50)]  # type: ignore[attr-defined]
    assert "riverrun.flow-run.Crashed" in names
    assert "riverrun.flow-run.Completed" not in names


def test_a_stale_state_from_before_the_takeover_is_kept_as_history(
    store: Store, new_run: NewRun
) -> None:
    # Recorded by the holder before it froze, delivered after its lease expired: a fact of
    # the past, kept in the history, and it does not move the run.
    run_id = new_run("Running")
    token = _grant(store, run_id, ttl_s=1)
    early = _event(run_id, Running(message="before the freeze"), token)
    store.expire_run_leases(now_us() + 2 * SECOND)
    store.ingest([early])
    states = store.read_flow_run_states(run_id)
    assert [s.message for s in states].count("before the freeze") == 1
    assert states[-1].name == "Crashed"
    assert store.read_flow_run(run_id).state_type is StateType.CRASHED


def test_a_proposal_with_the_runs_token_after_its_lease_expired_is_refused(
    store: Store, new_run: NewRun
) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id, ttl_s=1)
    store.expire_run_leases(now_us() + 2 * SECOND)
    result = store.set_flow_run_state(
        run_id, Completed(state_details={"lease_token": token}), force=True
    )
    assert result.status == "REJECT" and "held by no one" in (result.reason or "")
    assert store.read_flow_run(run_id).state_type is StateType.CRASHED


def test_a_token_that_is_not_an_integer_fences_nothing(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    store.ingest([_event(run_id, Completed(state_details={"lease_token": "x"}), None)])
    assert store.read_flow_run(run_id).state_type is StateType.COMPLETED
