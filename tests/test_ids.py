"""Run and state IDs: canonical UUIDv7 strings, strictly increasing within a process."""

from __future__ import annotations

import threading
import time
import uuid

from riverrun._internal.ids import new_id, uuid7


def test_new_id_is_a_canonical_uuid7_string() -> None:
    value = new_id()
    parsed = uuid.UUID(value)
    assert (parsed.version, parsed.variant, str(parsed)) == (7, uuid.RFC_4122, value)


def test_new_id_carries_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    stamp = uuid.UUID(new_id()).int >> 80
    assert before <= stamp <= time.time_ns() // 1_000_000 + 1


def test_ids_increase_strictly_even_within_one_millisecond() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(set(ids))


def test_ids_made_by_many_threads_are_unique_and_each_threads_increase() -> None:
    made: dict[int, list[str]] = {}

    def make(index: int) -> None:
        made[index] = [new_id() for _ in range(5_000)]

    threads = [threading.Thread(target=make, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in made.values() for i in ids]
    assert len(set(every)) == len(every) == 20_000
    assert all(ids == sorted(ids) for ids in made.values())


def test_uuid7_and_new_id_share_one_sequence() -> None:
    first, second, third = new_id(), str(uuid7()), new_id()
    assert first < second < third


def test_more_than_4096_ids_in_one_millisecond_borrow_the_next(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from riverrun._internal import ids as ids_module

    frozen_ms = time.time_ns() // 1_000_000 + 10_000
    monkeypatch.setattr(ids_module, "_time_ns", lambda: frozen_ms * 1_000_000)
    made = [new_id() for _ in range(5_000)]
    assert made == sorted(set(made))
    assert {uuid.UUID(i).int >> 80 for i in made} == {frozen_ms, frozen_ms + 1}
