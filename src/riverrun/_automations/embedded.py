"""Automations with no server: the recording process evaluates its own events.

After each batch the embedded writer commits, ``after_commit`` reads back the batch's
Prefect-shaped events (custom ones and those derived from flow-run states) and feeds them to
the reactive triggers; what fires is claimed in the store (so two processes, or a replay,
never act twice) and delivered on a small thread, so a slow webhook never holds up the
writer. At exit the process waits up to ``EXIT_WAIT_S`` for deliveries in flight, so a
script's "notify when it fails" reaches the receiver before the script ends; anything left
is a pending row that the next process (or a server) delivers.

The events the store writes in its own transactions (``riverrun.deployment.*``) never pass
through the writer: the embedded client hands their IDs to ``evaluate_written`` once the
change is committed, so they reach the same triggers.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Optional

from riverrun._automations.runner import AutomationRunner, WriteEvents
from riverrun._store.automations import SELECT_AUTOMATIONS, automation_from_row
from riverrun._store.events import events_from_rows, events_query

EXIT_WAIT_S = 30.0

_instances: weakref.WeakSet[EmbeddedAutomations] = weakref.WeakSet()


def wait_for_deliveries(timeout: float = EXIT_WAIT_S) -> bool:
    """Wait until this process has delivered every action it claimed; False on timeout."""
    deadline = time.monotonic() + timeout
    return all(x.wait(max(0.0, deadline - time.monotonic())) for x in list(_instances))


def evaluate_written(path: Path | str, ids: list[str]) -> None:
    """Evaluate events the store wrote itself in a committed change (deployment events) on
    the embedded file at ``path``: with this process's evaluator for the file, or a new one
    if the file has automations. A failure here never undoes the change: it is reported."""
    if not ids:
        return
    key = str(Path(path).resolve())
    try:
        found = next((x for x in list(_instances) if x.path == key), None)
        if found is None:
            with sqlite3.connect(key) as probe:
                if probe.execute("SELECT 1 FROM automation LIMIT 1").fetchone() is None:
                    return
            from riverrun._store.embedded import embedded_writer

            found = EmbeddedAutomations(key, embedded_writer(key).ingest)
        found.evaluate(ids)
    except Exception as exc:  # noqa: BLE001 - the change is committed; say why nothing fired
        print(f"riverrun: WARNING: automations were not evaluated on {key}: "
              f"{str(exc).rstrip('.')}. The change is recorded; check the automation "
              "with `riverrun automation inspect`.", file=sys.stderr)  # fmt: skip


def candidate_ids(batch: Iterable[dict[str, Any]], task_runs: bool = False) -> list[str]:
    """The IDs of the events a batch produced (the ones triggers can match); with
    ``task_runs``, the task-run states' too."""
    ids = []
    for event in batch:
        kind = event.get("kind")
        if kind == "flow_run_state" or kind == "event":
            ids.append(event["id"])
        elif kind == "flow_run" and event.get("state") is not None:
            ids.append(event["state"]["id"])
        elif task_runs and kind == "task_run_state":
            ids.append(event["id"])
        elif task_runs and kind == "task_run" and event.get("state") is not None:
            ids.append(event["state"]["id"])
    return ids


class EmbeddedAutomations:
    """Evaluation and delivery for one embedded database file, in this process.

    Args:
        path: the SQLite file.
        write_events: how outcome events are written (the recorder's embedded writer).
    """

    def __init__(self, path: str, write_events: WriteEvents) -> None:
        self.path = str(Path(path).resolve())
        # The writer thread (after a batch) and a client thread (after a deployment change)
        # both evaluate: one at a time, on one connection and one runner.
        self._evaluating = threading.Lock()
        self._write_events = write_events
        self._conn: Optional[sqlite3.Connection] = None
        self._runner: Optional[AutomationRunner] = None
        self._version: tuple[tuple[str, int], ...] = ()
        self._cond = threading.Condition()
        self._pending: list[tuple[float, str]] = []
        self._busy = 0
        self._thread: Optional[threading.Thread] = None
        _instances.add(self)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            # Reads only, on the writer's thread after its commit; a separate connection so
            # the writer's own stays as it is.
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
        return self._conn

    def runner(self) -> AutomationRunner:
        """The runner on this file's ``Store`` (made on the first firing's need)."""
        if self._runner is None:
            from riverrun._store.dialect import sqlite_url
            from riverrun._store.service import open_store

            store = open_store(sqlite_url(Path(self.path).resolve()))
            self._runner = AutomationRunner(store, self._write_events)
        return self._runner

    def after_commit(self, batch: list[dict[str, Any]]) -> None:
        """Evaluate the events of a committed batch; queue what fires for delivery."""
        with self._evaluating:
            task_runs = self._runner is not None and self._runner.task_run_events
            self._evaluate(candidate_ids(batch, task_runs), batch, task_runs)

    def evaluate(self, ids: list[str]) -> None:
        """Evaluate stored events by ID (written by the store itself, already committed)."""
        with self._evaluating:
            self._evaluate(ids, None, False)

    def _evaluate(
        self, ids: list[str], batch: Optional[list[dict[str, Any]]], task_runs: bool
    ) -> None:
        if not ids:
            return
        conn = self._connection()
        rows = conn.execute(SELECT_AUTOMATIONS + " WHERE enabled = 1").fetchall()
        version = tuple((r[0], r[5]) for r in rows)
        if not rows and self._runner is None:
            return
        runner = self.runner()
        if version != self._version:
            first = not self._version
            self._version = version
            runner.set_automations(automation_from_row(r) for r in rows)
            if first:
                # Actions a previous process claimed but did not finish.
                for key, _ in runner.due():
                    self._enqueue(key, 0.0)
        if not rows:
            return
        if batch is not None and runner.task_run_events != task_runs:
            ids = candidate_ids(batch, runner.task_run_events)
        sql, params = events_query(None, None, ids=ids, task_runs=runner.task_run_events)
        events = events_from_rows(conn.execute(sql, params).fetchall(), None, None)
        for key in runner.observe(events):
            self._enqueue(key, 0.0)

    # -- delivery ------------------------------------------------------------------------
    def _enqueue(self, key: str, delay: float) -> None:
        with self._cond:
            self._pending.append((time.monotonic() + delay, key))
            self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._deliver_loop, name="riverrun-automations", daemon=True
                )
                self._thread.start()

    def _deliver_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                self._pending.sort()
                at, key = self._pending[0]
                wait = at - time.monotonic()
                if wait > 0:
                    # A retry's backoff; a new action arriving meanwhile wakes us up.
                    self._cond.wait(wait)
                    continue
                self._pending.pop(0)
                self._busy += 1
            try:
                retry = self.runner().deliver(key)
            except Exception:  # noqa: BLE001 - the row stays pending; the next process retries
                retry = None
            with self._cond:
                self._busy -= 1
                if retry is not None:
                    self._pending.append((time.monotonic() + retry, key))
                self._cond.notify_all()

    def wait(self, timeout: float = EXIT_WAIT_S) -> bool:
        """Wait until every queued delivery is finished (retries included); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)
