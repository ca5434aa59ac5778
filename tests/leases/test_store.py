"""The lease core at store level: grant in a claim, renew, release, expire, fence."""

from __future__ import annotations

from collections.abc import Callable

from riverrun._internal.clock import now_us
from riverrun._store import leases as lz
from riverrun._store.service import Store
from riverrun.schemas.leases import LeaseHold, RunProcess
from riverrun.states import Cancelling, Completed, Running, StateType

SECOND = 1_000_000
NewRun = Callable[[str], str]


def _grant(store: Store, run_id: str, owner: str = "worker:w1", ttl_s: float = 30) -> int:
    with store.begin() as conn:
        return store.grant_run_lease(conn, run_id, owner, int(ttl_s * SECOND), now_us())


def test_every_grant_raises_the_fencing_token(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Pending")
    assert [_grant(store, run_id), _grant(store, run_id, "worker:w2")] == [1, 2]


def test_a_holder_renews_its_lease_and_learns_the_run_state(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id)
    [answer] = store.renew_flow_run_leases(
        "worker:w1", [LeaseHold(flow_run_id=run_id, lease_token=token)]
    )
    assert (answer.held, answer.lease_token, answer.state_type) == (True, token, StateType.RUNNING)
    assert answer.lease_expires is not None


def test_a_cancelling_run_is_told_through_the_renewal(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id)
    store.set_flow_run_state(run_id, Cancelling())
    [answer] = store.renew_flow_run_leases(
        "worker:w1", [LeaseHold(flow_run_id=run_id, lease_token=token)]
    )
    assert answer.held and answer.state_type is StateType.CANCELLING


def test_a_stale_token_is_not_renewed(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    old = _grant(store, run_id)
    new = _grant(store, run_id, "worker:w2")
    [answer] = store.renew_flow_run_leases(
        "worker:w1", [LeaseHold(flow_run_id=run_id, lease_token=old)]
    )
    assert (answer.held, answer.lease_token) == (False, new)


def test_a_process_takes_a_lease_nobody_holds_and_records_itself(
    store: Store, new_run: NewRun
) -> None:
    run_id = new_run("Running")
    me = RunProcess(hostname="h1", pid=4242, started=99)
    [first] = store.renew_flow_run_leases(
        "process:h1:4242", [LeaseHold(flow_run_id=run_id)], process=me
    )
    [again] = store.renew_flow_run_leases("process:h1:4242", [LeaseHold(flow_run_id=run_id)])
    [other] = store.renew_flow_run_leases("process:h2:1", [LeaseHold(flow_run_id=run_id)])
    assert (first.held, first.lease_token) == (True, 1)
    assert (again.held, again.lease_token) == (True, 1)
    assert other.held is False
    from sqlalchemy import select

    from riverrun._store import tables as t

    with store.connect() as conn:
        row = conn.execute(select(t.flow_run.c.hostname, t.flow_run.c.pid, t.flow_run.c.process_started)
                           .where(t.flow_run.c.id == run_id)).one()  # fmt: skip
    assert tuple(row) == ("h1", 4242, 99)


def test_a_finished_run_is_not_held(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id)
    store.set_flow_run_state(run_id, Completed())
    [answer] = store.renew_flow_run_leases(
        "worker:w1", [LeaseHold(flow_run_id=run_id, lease_token=token)]
    )
    assert answer.held is False and answer.state_type is StateType.COMPLETED


def test_renewing_an_unknown_run_answers_not_held(store: Store) -> None:
    [answer] = store.renew_flow_run_leases(
        "worker:w1", [LeaseHold(flow_run_id="nope", lease_token=1)]
    )
    assert (answer.held, answer.state_type) == (False, None)


def test_a_ttl_out_of_range_is_refused_with_the_fix(store: Store, new_run: NewRun) -> None:
    import pytest

    from riverrun.exceptions import InvalidLeaseError

    with pytest.raises(InvalidLeaseError, match="ttl_seconds must be more than 0"):
        store.renew_flow_run_leases(
            "worker:w1", [LeaseHold(flow_run_id=new_run("Running"))], ttl_seconds=0
        )


def test_release_only_with_the_current_token(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id)
    assert store.release_flow_run_lease(run_id, token - 1) is False
    assert store.release_flow_run_lease(run_id, token) is True
    assert store.expire_run_leases(now_us() + 3600 * SECOND).total == 0


def test_an_expired_running_run_is_crashed(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    _grant(store, run_id, ttl_s=1)
    assert store.expire_run_leases(now_us() + 2 * SECOND) == lz.LeaseExpiry(crashed=1)
    run = store.read_flow_run(run_id)
    assert (run.state_type, run.state_name) == (StateType.CRASHED, "Crashed")
    assert run.state is not None and run.state.message == lz.CRASHED_MESSAGE
    assert run.end_time is not None


def test_an_expired_pending_run_goes_back_to_scheduled(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Pending")
    _grant(store, run_id, ttl_s=1)
    assert store.expire_run_leases(now_us() + 2 * SECOND) == lz.LeaseExpiry(rescheduled=1)
    run = store.read_flow_run(run_id)
    assert (run.state_type, run.state_name) == (StateType.SCHEDULED, "Scheduled")
    assert (
        store.renew_flow_run_leases("worker:w1", [LeaseHold(flow_run_id=run_id, lease_token=1)])[
            0
        ].held
        is False
    )


def test_a_lease_not_yet_expired_is_left_alone(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    _grant(store, run_id, ttl_s=30)
    assert store.expire_run_leases(now_us() + 10 * SECOND).total == 0
    assert store.read_flow_run(run_id).state_type is StateType.RUNNING


def test_expiry_records_the_crash_as_an_event(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    _grant(store, run_id, ttl_s=1)
    store.expire_run_leases(now_us() + 2 * SECOND)
    names = [e.event for e in store.read_events(limit=50)]  # type: ignore[attr-defined]
    assert "riverrun.flow-run.Crashed" in names


def test_expiry_calls_the_release_hook_in_its_transaction(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    _grant(store, run_id, ttl_s=1)
    seen: list[tuple[str, bool]] = []
    hook = lambda conn, rid: seen.append((rid, conn.in_transaction()))  # noqa: E731
    lz.RELEASE_HOOKS.append(hook)
    try:
        store.expire_run_leases(now_us() + 2 * SECOND)
    finally:
        lz.RELEASE_HOOKS.remove(hook)
    assert seen == [(run_id, True)]


def test_a_proposal_with_a_stale_lease_token_is_refused(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    old = _grant(store, run_id)
    _grant(store, run_id, "worker:w2")
    result = store.set_flow_run_state(
        run_id, Completed(state_details={"lease_token": old}), force=True
    )
    assert result.status == "REJECT" and "Stale lease" in (result.reason or "")
    assert store.read_flow_run(run_id).state_type is StateType.RUNNING


def test_a_proposal_with_the_current_lease_token_is_accepted(store: Store, new_run: NewRun) -> None:
    run_id = new_run("Running")
    token = _grant(store, run_id)
    result = store.set_flow_run_state(run_id, Running(state_details={"lease_token": token}))
    assert result.status == "ACCEPT"
