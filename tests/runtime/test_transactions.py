"""riverrun.transactions and Task.on_commit / on_rollback, as measured in Prefect 3.9.1."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow, task
from riverrun.exceptions import ConfigurationError
from riverrun.locking.filesystem import FileSystemLockManager
from riverrun.locking.memory import MemoryLockManager
from riverrun.results import ResultStore
from riverrun.transactions import (
    CommitMode,
    IsolationLevel,
    Transaction,
    TransactionState,
    get_transaction,
    transaction,
)


def _hooked(events: list[Any]) -> Any:
    @task
    def step(x: int) -> int:
        return x

    @step.on_commit
    def committed(txn: Transaction) -> None:
        events.append(("commit", type(txn).__name__, txn.state.name))

    @step.on_rollback
    def rolled_back(txn: Transaction) -> None:
        events.append(("rollback", txn.state.name))

    return step


@pytest.mark.both_modes
def test_without_a_transaction_a_completed_task_commits_at_once() -> None:
    events: list[Any] = []
    step = _hooked(events)

    @flow
    def plain() -> None:
        step(1)
        events.append("after")

    plain()
    assert events == [("commit", "Transaction", "STAGED"), "after"]


@pytest.mark.both_modes
def test_a_failed_task_runs_neither_of_its_hooks() -> None:
    events: list[Any] = []

    @task
    def bad() -> None:
        raise ValueError("bad")

    bad.on_commit(lambda txn: events.append("commit"))
    bad.on_rollback(lambda txn: events.append("rollback"))

    @flow
    def fails() -> None:
        bad(return_state=True)

    fails()
    assert events == []


@pytest.mark.both_modes
def test_inside_a_transaction_tasks_commit_when_the_block_ends() -> None:
    events: list[Any] = []
    step = _hooked(events)

    @flow
    def grouped() -> str:
        with transaction() as txn:
            step(1)
            events.append("after step")
        return txn.state.name

    assert grouped() == "COMMITTED"
    assert events == ["after step", ("commit", "Transaction", "STAGED")]


@pytest.mark.both_modes
def test_an_exception_in_the_block_rolls_back_the_tasks_newest_first() -> None:
    events: list[Any] = []
    first, second = _hooked(events), _hooked(events)
    second.on_rollback(lambda txn: events.append("second"))

    @flow
    def undone() -> str:
        try:
            with transaction() as txn:
                first(1)
                second(2)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        return txn.state.name

    assert undone() == "ROLLED_BACK"
    assert events == ["second", ("rollback", "STAGED"), ("rollback", "STAGED")]


@pytest.mark.both_modes
def test_a_task_failing_inside_a_transaction_rolls_back_the_tasks_before_it() -> None:
    events: list[Any] = []
    step = _hooked(events)

    @task
    def bad() -> None:
        raise ValueError("bad")

    @flow
    def partly() -> str:
        with transaction() as txn:
            step(1)
            bad(return_state=True)
        return txn.state.name

    assert partly() == "ROLLED_BACK"
    assert events == [("rollback", "STAGED")]


def test_transaction_defaults_are_lazy_and_read_committed() -> None:
    with transaction() as txn:
        assert (txn.state, txn.commit_mode, txn.isolation_level) == (
            TransactionState.ACTIVE, CommitMode.LAZY, IsolationLevel.READ_COMMITTED,
        )  # fmt: skip
        assert get_transaction() is txn
        with transaction() as child:
            assert (child.commit_mode, child.get_parent()) == (CommitMode.LAZY, txn)
    assert get_transaction() is None
    assert txn.is_committed() and child.is_committed()


def test_values_set_on_a_transaction_are_copies_seen_by_its_children() -> None:
    with transaction() as txn:
        txn.set("rows", [1, 2])
        with transaction() as child:
            rows = child.get("rows")
            rows.append(3)
            assert (child.get("rows"), child.get("other", 5)) == ([1, 2], 5)
        with pytest.raises(ValueError, match="Could not retrieve value for unknown key: nope"):
            txn.get("nope")


def test_commit_mode_off_rolls_back_what_was_staged() -> None:
    events: list[str] = []
    with transaction(commit_mode=CommitMode.OFF) as txn:
        txn.stage(
            1,
            on_commit_hooks=[lambda t: events.append("commit")],
            on_rollback_hooks=[lambda t: events.append("rollback")],
        )
    assert (txn.state, events) == (TransactionState.ROLLED_BACK, ["rollback"])


def test_a_keyed_transaction_writes_its_record_on_commit_and_is_committed_next_time(
    tmp_path: Path,
) -> None:
    store = ResultStore(result_storage=tmp_path)
    with transaction(key="load-1", store=store) as txn:
        assert not txn.is_committed()
        txn.stage({"rows": 3})
    assert store.exists("load-1") and store.read("load-1").result == {"rows": 3}
    with transaction(key="load-1", store=store) as again:
        assert again.is_committed()
        assert again.read().result == {"rows": 3}


def test_a_rolled_back_keyed_transaction_writes_nothing(tmp_path: Path) -> None:
    store = ResultStore(result_storage=tmp_path)
    with pytest.raises(KeyError):
        with transaction(key="k", store=store) as txn:
            txn.stage(1)
            raise KeyError("x")
    assert (txn.state, store.exists("k")) == (TransactionState.ROLLED_BACK, False)


def test_serializable_needs_a_lock_manager(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Isolation level SERIALIZABLE is not supported"):
        with transaction(
            key="k",
            store=ResultStore(result_storage=tmp_path),
            isolation_level=IsolationLevel.SERIALIZABLE,
        ):
            pass


def test_serializable_transactions_on_one_key_run_one_at_a_time(tmp_path: Path) -> None:
    store = ResultStore(result_storage=tmp_path, lock_manager=MemoryLockManager())
    inside: list[int] = []
    overlaps: list[int] = []

    def work(n: int) -> None:
        with transaction(
            key="shared", store=store, isolation_level=IsolationLevel.SERIALIZABLE, overwrite=True
        ) as txn:
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            time.sleep(0.05)  # hold the lock while the other thread tries to take it
            inside.remove(n)
            txn.stage(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert overlaps == []
    assert not store.is_locked("shared")


def test_a_file_lock_held_by_one_process_is_not_taken_by_another(tmp_path: Path) -> None:
    manager = FileSystemLockManager(tmp_path / "locks")
    assert manager.acquire_lock("k", holder="me")
    other = textwrap.dedent(
        f"""
        from riverrun.locking.filesystem import FileSystemLockManager
        m = FileSystemLockManager({str(tmp_path / "locks")!r})
        print(m.acquire_lock("k", holder="other", acquire_timeout=0.2), m.is_locked("k"))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", other], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True"]
    manager.release_lock("k", holder="me")
    out = subprocess.run(
        [sys.executable, "-c", other], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["True", "True"]


def test_releasing_a_lock_one_does_not_hold_names_the_holder(tmp_path: Path) -> None:
    memory = MemoryLockManager()
    assert memory.acquire_lock("mine", holder="a")
    with pytest.raises(ValueError, match="No lock held by b for transaction with key mine"):
        memory.release_lock("mine", holder="b")
    memory.release_lock("mine", holder="a")
    files = FileSystemLockManager(tmp_path)
    with pytest.raises(ValueError, match="No lock for transaction with key free"):
        files.release_lock("free", holder="a")


def test_a_lock_expires_after_its_hold_timeout(tmp_path: Path) -> None:
    files = FileSystemLockManager(tmp_path)
    assert files.acquire_lock("k", holder="a", hold_timeout=0.1)
    assert files.acquire_lock("k", holder="b", acquire_timeout=5)
    assert files.is_lock_holder("k", "b")
