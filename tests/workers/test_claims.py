"""Claims at store level, on SQLite and PostgreSQL: atomic, ordered, limited, leased, woken."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from riverrun._store.service import Store
from riverrun.exceptions import InvalidWorkPoolError
from riverrun.schemas.actions import WorkPoolCreate, WorkPoolUpdate, WorkQueueUpdate
from riverrun.states import Completed, Running

from .conftest import wait_for


@pytest.fixture
def make_runs(store: Store) -> Callable[..., list[str]]:
    """``make_runs(n, queue=None, deployment="d")``: n runs due now on pool ``p``."""
    store.create_work_pool(WorkPoolCreate(name="p"))
    flow_id = store.create_flow_from_name("f")
    deployments: dict[str, str] = {}

    def make(n: int, queue: str | None = None, deployment: str = "d", **options: str) -> list[str]:
        if deployment not in deployments:
            deployments[deployment] = store.create_deployment(
                flow_id,
                deployment,
                work_pool_name="p",
                **options,  # type: ignore[arg-type]
            )
        return [
            store.create_flow_run_from_deployment(deployments[deployment], work_queue_name=queue).id
            for _ in range(n)
        ]

    return make


def test_a_claim_moves_due_runs_to_pending_with_a_lease(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    ids = make_runs(3)
    claimed = store.claim_work_pool_runs("p", "w1", limit=2)
    assert [c.flow_run.id for c in claimed] == ids[:2]
    assert all(c.flow_run.state_name == "Pending" and c.lease_token for c in claimed)
    assert [c.flow_run.id for c in store.claim_work_pool_runs("p", "w2")] == ids[2:]
    assert store.claim_work_pool_runs("p", "w3") == []


def test_reading_scheduled_runs_claims_nothing(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    ids = make_runs(2)
    assert [r.flow_run.id for r in store.get_scheduled_flow_runs_for_work_pool("p")] == ids
    assert len(store.claim_work_pool_runs("p", "w1")) == 2


def test_queues_are_claimed_by_priority(store: Store, make_runs: Callable[..., list[str]]) -> None:
    store.create_work_queue("urgent", work_pool_name="p", priority=1)
    store.update_work_queue(
        store.read_work_queue_by_name("default", "p").id, WorkQueueUpdate(priority=5)
    )
    low = make_runs(2)
    high = make_runs(2, queue="urgent")
    assert [c.flow_run.id for c in store.claim_work_pool_runs("p", "w", limit=3)] == high + low[:1]


def test_paused_pools_and_queues_are_not_claimed(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    store.create_work_queue("q2", work_pool_name="p")
    make_runs(1)
    in_q2 = make_runs(1, queue="q2")
    store.update_work_queue(
        store.read_work_queue_by_name("default", "p").id, WorkQueueUpdate(is_paused=True)
    )
    assert [c.flow_run.id for c in store.claim_work_pool_runs("p", "w")] == in_q2
    store.update_work_pool("p", WorkPoolUpdate(is_paused=True))
    make_runs(1, queue="q2")
    assert store.claim_work_pool_runs("p", "w") == []


def test_only_the_named_queues_are_claimed(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    store.create_work_queue("q2", work_pool_name="p")
    make_runs(1)
    in_q2 = make_runs(1, queue="q2")
    assert [c.flow_run.id for c in store.claim_work_pool_runs("p", "w", ["q2"])] == in_q2


def test_the_pool_limit_counts_leased_active_runs_and_a_final_state_frees_a_slot(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    store.update_work_pool("p", WorkPoolUpdate(concurrency_limit=2))
    make_runs(4)
    first = store.claim_work_pool_runs("p", "w")
    assert len(first) == 2
    assert store.claim_work_pool_runs("p", "w") == []
    run_id = first[0].flow_run.id
    store.set_flow_run_state(run_id, Running())
    store.set_flow_run_state(run_id, Completed())
    assert len(store.claim_work_pool_runs("p", "w")) == 1


def test_a_queue_limit_holds_back_only_that_queue(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    store.create_work_queue("small", work_pool_name="p", priority=1, concurrency_limit=1)
    make_runs(3, queue="small")
    other = make_runs(2)
    claimed = [c.flow_run.id for c in store.claim_work_pool_runs("p", "w")]
    assert len(claimed) == 3 and claimed[1:] == other


def test_a_limit_of_zero_is_refused(store: Store, make_runs: Callable[..., list[str]]) -> None:
    with pytest.raises(InvalidWorkPoolError, match="at least 1"):
        store.claim_work_pool_runs("p", "w", limit=0)


def test_an_overlap_policy_applies_to_pool_claims(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    make_runs(1, deployment="once", overlap="skip")
    assert len(store.claim_work_pool_runs("p", "w")) == 1
    make_runs(1, deployment="once", overlap="skip")
    assert store.claim_work_pool_runs("p", "w") == []
    skipped = store.read_flow_runs(limit=10)
    assert "Skipped" in {r.state_name for r in skipped}


def test_claimers_on_threads_never_share_a_run(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    ids = make_runs(60)
    got: list[str] = []
    lock = threading.Lock()

    def claim(name: str) -> None:
        while True:
            batch = store.claim_work_pool_runs("p", name, limit=3)
            if not batch:
                return
            with lock:
                got.extend(c.flow_run.id for c in batch)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(got) == sorted(ids)


def test_a_long_poll_answers_when_a_run_is_created(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    make_runs(0)
    answers: list[float] = []

    def poll() -> None:
        started = time.monotonic()
        claimed = store.claim_work_pool_runs("p", "w", wait=20)
        answers.append(time.monotonic() - started if claimed else -1.0)

    poller = threading.Thread(target=poll)
    poller.start()
    # Parked once its first look is done (that look stamps the queue's last_polled).
    wait_for(lambda: store.read_work_queue_by_name("default", "p").last_polled, what="first look")
    made = time.monotonic()
    make_runs(1)
    poller.join(25)
    assert answers and answers[0] > 0
    print(f"claimed {time.monotonic() - made:.3f}s after the run was created (under load)")
    assert answers[0] < 20


def test_a_deployment_limit_holds_a_worker_claim_and_enqueues_the_rest(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    make_runs(3, concurrency_limit=1)  # type: ignore[arg-type]
    first = store.claim_work_pool_runs("p", "w")
    assert len(first) == 1
    assert store.claim_work_pool_runs("p", "w") == []
    waiting = [r for r in store.read_flow_runs() if r.state_type.value == "SCHEDULED"]
    assert {r.state_name for r in waiting} == {"AwaitingConcurrencySlot"}
    run_id = first[0].flow_run.id
    store.set_flow_run_state(run_id, Running())
    store.set_flow_run_state(run_id, Completed())
    assert len(store.claim_work_pool_runs("p", "w")) == 1


def test_a_deployment_limit_with_cancel_new_cancels_a_worker_claims_extra_runs(
    store: Store, make_runs: Callable[..., list[str]]
) -> None:
    from riverrun.schemas.objects import ConcurrencyOptions

    make_runs(3, concurrency_limit=1, concurrency_options=ConcurrencyOptions(collision_strategy="CANCEL_NEW"))  # type: ignore[arg-type]  # fmt: skip
    assert len(store.claim_work_pool_runs("p", "w")) == 1
    states = sorted(r.state_type.value for r in store.read_flow_runs())
    assert states == ["CANCELLED", "CANCELLED", "PENDING"]
