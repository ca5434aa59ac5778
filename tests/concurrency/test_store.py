"""The store's slot leases, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from _conc_helpers import wait_until

from riverrun._store.service import Store
from riverrun.exceptions import InvalidConcurrencyRequest
from riverrun.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from riverrun.server.services.concurrency import ConcurrencyLeaseSweeper


def _limit(store: Store, name: str, limit: int, decay: float = 0.0) -> None:
    store.create_global_concurrency_limit(
        GlobalConcurrencyLimitCreate(name=name, limit=limit, slot_decay_per_second=decay)
    )


def _rows(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.execute(store.text("SELECT COUNT(*) FROM concurrency_lease")).scalar() or 0)


def test_slots_of_several_limits_are_taken_all_or_none(store: Store) -> None:
    _limit(store, "a", 2)
    _limit(store, "b", 1)
    assert store.acquire_concurrency_slots_with_lease(["b"], 1).granted is not None
    assert store.acquire_concurrency_slots_with_lease(["a", "b"], 1).granted is None
    assert store.read_global_concurrency_limit_by_name("a").active_slots == 0


def test_a_refused_acquire_hints_when_to_try_again(store: Store) -> None:
    _limit(store, "a", 1)
    store.acquire_concurrency_slots_with_lease(["a"], 1, lease_duration=0.5)
    answer = store.acquire_concurrency_slots_with_lease(["a"], 1)
    assert answer.granted is None and 0 < answer.retry_after <= 0.5


def test_missing_limits_are_named(store: Store) -> None:
    _limit(store, "a", 1)
    answer = store.acquire_concurrency_slots_with_lease(["a", "nope"], 1)
    assert answer.granted is not None and answer.missing == ["nope"]


def test_renewing_an_expired_lease_answers_false(store: Store) -> None:
    _limit(store, "a", 1)
    granted = store.acquire_concurrency_slots_with_lease(["a"], 1, lease_duration=0.05).granted
    assert granted is not None
    wait_until(lambda: store.read_global_concurrency_limit_by_name("a").active_slots == 0)
    assert store.renew_concurrency_lease(granted.lease_id, 10) is False


def test_renewing_a_live_lease_keeps_it(store: Store) -> None:
    _limit(store, "a", 1)
    granted = store.acquire_concurrency_slots_with_lease(["a"], 1, lease_duration=30).granted
    assert granted is not None and store.renew_concurrency_lease(granted.lease_id, 30) is True


def test_releasing_twice_is_harmless(store: Store) -> None:
    _limit(store, "a", 1)
    granted = store.acquire_concurrency_slots_with_lease(["a"], 1).granted
    assert granted is not None
    store.release_concurrency_slots_with_lease(granted.lease_id)
    store.release_concurrency_slots_with_lease(granted.lease_id)
    assert _rows(store) == 0


def test_the_sweeper_deletes_only_expired_leases(store: Store) -> None:
    _limit(store, "a", 2)
    store.acquire_concurrency_slots_with_lease(["a"], 1, lease_duration=0.05)
    store.acquire_concurrency_slots_with_lease(["a"], 1, lease_duration=60)
    wait_until(lambda: store.read_global_concurrency_limit_by_name("a").active_slots == 1)
    ConcurrencyLeaseSweeper().run_once(store)
    assert _rows(store) == 1


def test_setting_active_slots_to_zero_frees_every_slot(store: Store) -> None:
    _limit(store, "a", 2)
    store.acquire_concurrency_slots_with_lease(["a"], 2)
    store.update_global_concurrency_limit("a", GlobalConcurrencyLimitUpdate(active_slots=0))
    assert store.read_global_concurrency_limit_by_name("a").active_slots == 0


def test_deleting_a_limit_deletes_its_leases(store: Store) -> None:
    _limit(store, "a", 2)
    store.acquire_concurrency_slots_with_lease(["a"], 1)
    store.delete_global_concurrency_limit_by_name("a")
    assert _rows(store) == 0


def test_occupy_below_one_is_refused(store: Store) -> None:
    _limit(store, "a", 2)
    with pytest.raises(InvalidConcurrencyRequest, match="at least 1"):
        store.acquire_concurrency_slots_with_lease(["a"], 0)


def test_a_rate_limit_grant_drains_at_the_decay(store: Store) -> None:
    _limit(store, "api", 2, decay=10.0)
    store.acquire_concurrency_slots_with_lease(["api"], 2, mode="rate_limit")
    assert store.acquire_concurrency_slots_with_lease(["api"], 1, mode="rate_limit").granted is None
    wait_until(
        lambda: store.read_global_concurrency_limit_by_name("api").active_slots == 0, timeout=5
    )
