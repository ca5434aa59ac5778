"""The recorder: events out of the engine, into the store (embedded) or the server (remote).

The engine hands events to ``record(event)``; one background thread drains the queue and
writes them in batches. ``flush_pending()`` waits until everything handed over so far is
written; both client backends call it before every call, so that a process reads its own
writes (the guide's ``update_flow_run`` on the current run) in every mode.
"""

from __future__ import annotations


def flush_pending(timeout: float = 30.0) -> None:
    """Wait until every event recorded so far in this process is written (no-op if none).

    Embedded, written means committed to the file. Remote, it means accepted by the server
    (its answer to the POST came after its commit) or, while the server cannot be reached,
    kept in the spool. A batch that could not be written at all (the recorder warned) counts
    as done too: waiting longer would not write it.
    """
    from riverrun._recording.recorder import flush_active

    flush_active(timeout)
