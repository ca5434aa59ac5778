"""Crash detection with no server: runs of this host whose process is gone become ``Crashed``.

Stdlib ``sqlite3`` only (the embedded path never imports SQLAlchemy). A flow process records
its host, PID and start time on its run (``RECORD_PROCESS_SQL``: the embedded sink, in the
transaction of the run's Running state, and the run watcher); the first
time a process opens the embedded file (its writer, or the CLI's fast reads) it reads the live
runs of this host — one query on the partial index ``ix_flow_run__live_hostname``, a handful
of rows — and marks those whose process no longer lives ``Crashed`` (``Cancelling`` ones too:
a process that was asked to stop and is gone ran no further). Once per process and file.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riverrun._internal.clock import from_us, now_us
from riverrun._internal.processes import is_alive, this_process
from riverrun._store.state_events import state_event
from riverrun.states import State, StateType

if TYPE_CHECKING:
    from riverrun._store.embedded import EmbeddedWriter

Read = Callable[[str, Sequence[Any]], Sequence[Mapping[str, Any]]]

LIVE_RUNS_SQL = (
    "SELECT id, pid, process_started, state_type, state_timestamp, start_time, run_count, "
    "total_run_time FROM flow_run "
    "WHERE state_type IN ('RUNNING', 'CANCELLING') AND hostname = ?"
)
_NAMESPACE = uuid.UUID("5d0c3f5e-6a57-4c39-9d53-0c1b1e9a1e05")

_checked: set[Path] = set()
_checked_lock = threading.Lock()


def gone_message(pid: int, hostname: str) -> str:
    """The Crashed state's message for a run whose local process is gone."""
    return (
        f"process gone: the process running it (PID {pid} on {hostname}) stopped without "
        "finishing the run"
    )


def crash_dead_local_runs(path: Path, read: Read, writer: Callable[[], EmbeddedWriter]) -> int:
    """Mark runs of dead local processes ``Crashed``, once per process and file; how many."""
    key = Path(path).resolve()
    with _checked_lock:
        if key in _checked:
            return 0
        _checked.add(key)
    hostname, me, _started = this_process()
    rows = read(LIVE_RUNS_SQL, [hostname])
    dead = [r for r in rows if r["pid"] is not None and r["pid"] != me
            and not is_alive(int(r["pid"]), r["process_started"])]  # fmt: skip
    if not dead:
        return 0
    writer().ingest([_crashed_event(r, hostname) for r in dead])
    return len(dead)


def _crashed_event(row: Mapping[str, Any], hostname: str) -> dict[str, Any]:
    stamp = max(now_us(), (row["state_timestamp"] or 0) + 1)
    state = State(type=StateType.CRASHED, name="Crashed",
                  message=gone_message(int(row["pid"]), hostname))  # fmt: skip
    state.timestamp = from_us(stamp)
    # One ID per (run, state it left): two processes finding the same dead run at once write
    # one Crashed state, not two (ingest is idempotent by ID).
    state.id = str(uuid.uuid5(_NAMESPACE, f"{row['id']} {row['state_timestamp']}"))
    return state_event("flow_run", str(row["id"]), row, state)


RECORD_PROCESS_SQL = (
    "UPDATE flow_run SET hostname = ?, pid = ?, process_started = ? WHERE id = ? "
    "AND (pid IS NULL OR pid != ? OR hostname IS NOT ?)"
)
STATES_SQL = "SELECT id, state_type, state_name FROM flow_run WHERE id IN ({})"
# A flow process started by a worker extends the lease the worker claimed (by its token, so a
# lease taken over since is left alone), as ``renew_flow_run_leases`` does through a server.
RENEW_LEASE_SQL = (
    "UPDATE flow_run SET lease_expires = ? WHERE id = ? AND lease_owner IS NOT NULL "
    "AND lease_token = ? AND state_type NOT IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')"
)


def forget_checks() -> None:
    """Let the next open check again (tests)."""
    with _checked_lock:
        _checked.clear()
