"""Global concurrency limits through the client (Prefect's v2 API), in every mode."""

from __future__ import annotations

import pytest

from riverrun.client.orchestration import get_client
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def test_created_limit_reads_back_by_name() -> None:
    client = get_client(sync_client=True)
    limit_id = client.create_global_concurrency_limit(
        GlobalConcurrencyLimitCreate(name="db", limit=3)
    )
    found = client.read_global_concurrency_limit_by_name("db")
    assert (str(found.id), found.limit, found.active, found.active_slots) == (
        str(limit_id),
        3,
        True,
        0,
    )


def test_limit_of_zero_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="deadlock.*at least 1"):
        GlobalConcurrencyLimitCreate(name="db", limit=0)


def test_update_to_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="deadlock"):
        GlobalConcurrencyLimitUpdate(limit=0)


def test_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        GlobalConcurrencyLimitCreate(name="db", limit=-2)


def test_name_with_a_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="URL path"):
        GlobalConcurrencyLimitCreate(name="a/b", limit=1)


def test_second_limit_of_the_same_name_is_refused() -> None:
    client = get_client(sync_client=True)
    client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="db", limit=1))
    with pytest.raises(ObjectAlreadyExists, match="update db"):
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="db", limit=2))


def test_reading_an_unknown_limit_raises_not_found() -> None:
    with pytest.raises(ObjectNotFound, match="global-concurrency-limit ls"):
        get_client(sync_client=True).read_global_concurrency_limit_by_name("nope")


def test_update_changes_only_the_fields_given() -> None:
    client = get_client(sync_client=True)
    client.create_global_concurrency_limit(
        GlobalConcurrencyLimitCreate(name="db", limit=1, slot_decay_per_second=2.0)
    )
    client.update_global_concurrency_limit(
        "db", GlobalConcurrencyLimitUpdate(limit=5, active=False)
    )
    found = client.read_global_concurrency_limit_by_name("db")
    assert (found.limit, found.active, found.slot_decay_per_second) == (5, False, 2.0)


def test_deleted_limit_is_gone() -> None:
    client = get_client(sync_client=True)
    client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="db", limit=1))
    client.delete_global_concurrency_limit_by_name("db")
    with pytest.raises(ObjectNotFound):
        client.read_global_concurrency_limit_by_name("db")


def test_limits_are_listed_by_name() -> None:
    client = get_client(sync_client=True)
    for name in ("b", "a", "c"):
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    assert [x.name for x in client.read_global_concurrency_limits(limit=2)] == ["a", "b"]


def test_upsert_creates_then_resizes() -> None:
    client = get_client(sync_client=True)
    client.upsert_global_concurrency_limit_by_name("db", 2)
    client.upsert_global_concurrency_limit_by_name("db", 4)
    assert client.read_global_concurrency_limit_by_name("db").limit == 4
