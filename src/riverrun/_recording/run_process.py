"""A flow process's facts about its runs in the embedded file: who runs them, their states.

The run watcher (``riverrun._engine.watch``) records the host, PID and start time of the
process on each run it watches (what ``_store.local_runs`` reads to find runs of dead local
processes) and reads their states every second (how a cancellation from another process on
this host reaches it); a run started by a worker also has its lease renewed here. Stdlib
``sqlite3`` through the process's embedded writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from riverrun._internal.clock import now_us
from riverrun._internal.processes import this_process
from riverrun._recording.recorder import Recorder
from riverrun._store.embedded import opened_writer
from riverrun._store.local_runs import RECORD_PROCESS_SQL, RENEW_LEASE_SQL, STATES_SQL

_WAIT_S = 0.05


def is_embedded(recorder: Recorder) -> bool:
    """Whether the recorder writes into a SQLite file (not to a server or a database URL,
    where the run watcher holds leases instead)."""
    return "://" not in recorder.destination


def record_run_process(recorder: Recorder, run_ids: Sequence[str]) -> set[str]:
    """Record this process on these runs; the IDs whose rows exist (now written).

    Until the recorder has opened the file, none: its rows are not written yet either, and
    opening it here would wait on another process's lock (the next tick tries again).
    """
    writer = opened_writer(Path(recorder.destination))
    if writer is None:
        return set()
    hostname, pid, started = this_process()
    for run_id in run_ids:
        # Never wait on another process's lock: this shares the writer with the recorder,
        # whose own bounded waits keep a locked file from blocking the flow. Locked: the
        # next tick tries again (StoreLocked reaches the watcher's loop).
        writer.execute(RECORD_PROCESS_SQL, [hostname, pid, started, run_id, pid, hostname],
                       wait_s=_WAIT_S)  # fmt: skip
    return set(read_run_states(recorder, run_ids))


def read_run_states(recorder: Recorder, run_ids: Sequence[str]) -> dict[str, str | None]:
    """The state type of each of these runs that exists."""
    if not run_ids:
        return {}
    writer = opened_writer(Path(recorder.destination))
    if writer is None:
        return {}
    sql = STATES_SQL.format(", ".join("?" * len(run_ids)))
    return {str(r["id"]): r["state_type"] for r in writer.query(sql, list(run_ids))}


def renew_run_lease(recorder: Recorder, run_id: str, token: int, ttl_s: float) -> bool | None:
    """Extend the run's lease held with ``token`` to ``ttl_s`` from now: True if renewed,
    False if the lease is no longer that token's (taken over, swept, or the run ended), None
    if the file is not open yet."""
    writer = opened_writer(Path(recorder.destination))
    if writer is None:
        return None
    expires = now_us() + int(ttl_s * 1_000_000)
    return writer.execute(RENEW_LEASE_SQL, [expires, run_id, token], wait_s=_WAIT_S) > 0
