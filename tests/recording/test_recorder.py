"""The recorder: batches events on a writer thread, flushes on demand, bounds its memory."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from riverrun._recording import recorder as recorder_module
from riverrun._recording.recorder import Recorder


def test_flush_returns_once_every_recorded_event_is_written() -> None:
    written: list[dict[str, Any]] = []
    rec = Recorder(written.extend, "test")
    for i in range(1000):
        rec.record({"id": i})
    assert rec.flush(timeout=30)
    assert [e["id"] for e in written] == list(range(1000))
    rec.close()


def test_a_slow_writer_holds_the_producer_back_instead_of_growing_the_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recorder_module, "_HIGH_WATER", 100)
    gate = threading.Semaphore(0)

    def slow_sink(batch: list[dict[str, Any]]) -> None:
        gate.acquire(timeout=5)

    rec = Recorder(slow_sink, "test")
    releaser = threading.Thread(target=lambda: [gate.release() for _ in range(10_000)], daemon=True)
    releaser.start()
    longest = 0
    for i in range(2000):
        rec.record({"id": i})
        longest = max(longest, len(rec._queue))
    assert longest <= 101
    assert rec.flush(timeout=30)
    rec.close()


def test_a_failing_sink_never_raises_into_the_producer(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(batch: list[dict[str, Any]]) -> None:
        raise OSError("disk full")

    rec = Recorder(broken, "somewhere")
    rec.record({"id": 1})
    assert rec.flush(timeout=30)
    assert rec.dropped == 1
    assert "disk full" in capsys.readouterr().err
    rec.close()


def test_events_reach_the_sink_without_a_flush() -> None:
    arrived = threading.Event()
    written: list[dict[str, Any]] = []

    def sink(batch: list[dict[str, Any]]) -> None:
        written.extend(batch)
        arrived.set()

    rec = Recorder(sink, "test")
    rec.record({"id": 1})
    assert arrived.wait(timeout=10)
    assert written == [{"id": 1}]
    rec.close()


def test_an_interrupt_during_a_flush_keeps_the_batch_for_the_next_flush() -> None:
    written: list[int] = []
    interrupts = [KeyboardInterrupt()]

    def sink(batch: list[dict[str, Any]]) -> None:
        if interrupts:
            raise interrupts.pop()
        written.extend(e["id"] for e in batch)

    rec = Recorder(sink, "test")
    # Pretend a writer thread exists but never runs, so the flush writes on this thread
    # (where Ctrl-C arrives) deterministically.
    rec._thread = threading.current_thread()
    for i in range(3):
        rec.record({"id": i})
    with pytest.raises(KeyboardInterrupt):
        rec.flush(timeout=30)
    assert rec.flush(timeout=30)
    assert written == [0, 1, 2]
    assert rec.dropped == 0


def test_the_writer_gives_the_sink_its_idle_upkeep_after_a_batch() -> None:
    upkept = threading.Event()
    written: list[dict[str, Any]] = []

    class Sink:
        def __call__(self, batch: list[dict[str, Any]]) -> None:
            written.extend(batch)

        def idle(self) -> None:
            upkept.set()

    rec = Recorder(Sink(), "test")
    rec.record({"id": 1})
    assert upkept.wait(10)
    assert written == [{"id": 1}]
    rec.close()


def test_flows_back_to_back_keep_the_wal_bounded(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from riverrun import flow

    monkeypatch.setenv("RIVERRUN_HOME", str(tmp_path))

    @flow
    def empty() -> None:
        return None

    db = tmp_path / "riverrun.db"
    for _ in range(400):
        empty()
    conn = sqlite3.connect(db)
    try:
        frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        conn.close()
    # ~15 frames a flow run: without checkpoints between batches, 400 runs leave ~6,000.
    assert frames < 3000


def _one_batch_on_the_writer(work: Callable[[], None]) -> None:
    """Record one event and let the writer's thread run ``work`` as the sink, then close."""
    done = threading.Event()

    def sink(batch: list[dict[str, Any]]) -> None:
        work()
        done.set()

    rec = Recorder(sink, "test")
    rec.record({"id": 1})
    assert done.wait(timeout=30)
    rec.close()


def test_the_writer_shortens_the_switch_interval_only_while_it_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recorder_module, "_BUSY_QUEUE", 1)
    default = sys.getswitchinterval()
    seen: list[float] = []
    _one_batch_on_the_writer(lambda: seen.append(sys.getswitchinterval()))
    assert seen[0] < default
    assert sys.getswitchinterval() == default


def test_a_small_batch_leaves_the_switch_interval_alone() -> None:
    default = sys.getswitchinterval()
    seen: list[float] = []
    _one_batch_on_the_writer(lambda: seen.append(sys.getswitchinterval()))
    assert seen == [default]


def test_the_writer_leaves_a_switch_interval_changed_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recorder_module, "_BUSY_QUEUE", 1)
    default = sys.getswitchinterval()
    try:
        _one_batch_on_the_writer(lambda: sys.setswitchinterval(0.002))
        assert sys.getswitchinterval() == 0.002
    finally:
        sys.setswitchinterval(default)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_child_forked_while_the_writer_writes_gets_the_switch_interval_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recorder_module, "_BUSY_QUEUE", 1)
    default = sys.getswitchinterval()
    seen: list[float] = []

    def fork_and_ask_the_child() -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.write(write_end, repr(sys.getswitchinterval()).encode())
            os._exit(0)
        os.close(write_end)
        seen.append(sys.getswitchinterval())
        seen.append(float(os.read(read_end, 64)))
        os.close(read_end)
        os.waitpid(pid, 0)

    _one_batch_on_the_writer(fork_and_ask_the_child)
    parent_during, child = seen
    assert parent_during < default
    assert child == default
