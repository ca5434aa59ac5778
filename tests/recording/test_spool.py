"""The spool keeps undelivered event batches on disk, in order, until they are delivered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from riverrun._recording.spool import Spool


def _batch(n: int) -> list[dict[str, Any]]:
    return [{"kind": "log", "id": f"event-{n}"}]


def test_batches_are_delivered_in_the_order_they_were_spooled(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for n in range(5):
        spool.append(_batch(n))
    received: list[str] = []
    delivered, waiting = spool.deliver(lambda events: received.extend(e["id"] for e in events))
    assert (delivered, waiting) == (5, 0)
    assert received == [f"event-{n}" for n in range(5)]
    assert spool.pending() == []


def test_delivery_stops_at_the_first_failure_and_keeps_the_rest(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for n in range(3):
        spool.append(_batch(n))
    sent: list[str] = []

    def flaky(events: list[dict[str, Any]]) -> None:
        if events[0]["id"] == "event-1":
            raise ConnectionError("server went away")
        sent.append(events[0]["id"])

    with pytest.raises(ConnectionError):
        spool.deliver(flaky, max_events=1)
    assert sent == ["event-0"]
    assert len(spool.pending()) == 2
    received: list[str] = []
    spool.deliver(lambda events: received.extend(e["id"] for e in events))
    assert received == ["event-1", "event-2"]


def test_consecutive_batches_are_sent_together_up_to_max_events(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for n in range(5):
        spool.append(_batch(n))
    calls: list[list[str]] = []
    delivered, waiting = spool.deliver(
        lambda events: calls.append([e["id"] for e in events]), max_events=2
    )
    assert (delivered, waiting) == (5, 0)
    assert calls == [["event-0", "event-1"], ["event-2", "event-3"], ["event-4"]]


def test_a_corrupt_batch_is_set_aside_instead_of_blocking_the_queue(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append(_batch(0))
    broken = spool.append(_batch(1))
    broken.write_text("{not json")
    spool.append(_batch(2))
    received: list[str] = []
    spool.deliver(lambda events: received.extend(e["id"] for e in events))
    assert received == ["event-0", "event-2"]
    assert broken.with_suffix(".corrupt").exists()


def test_count_events_counts_every_waiting_event(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append(_batch(0) + _batch(1))
    spool.append(_batch(2))
    assert spool.count_events() == 3
