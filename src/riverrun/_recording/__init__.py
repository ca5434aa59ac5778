"""The recorder: events out of the engine, into the store (embedded) or the server (remote).

The engine hands events to ``record(event)``; one background thread drains the queue and
writes them in batches. ``flush_pending()`` waits until everything handed over so far is
written; the embedded client calls it before every query so that it reads its own writes.
"""

from __future__ import annotations


def flush_pending(timeout: float = 30.0) -> None:
    """Wait until every event recorded so far in this process is written (no-op if none)."""
    from riverrun._recording.recorder import flush_active

    flush_active(timeout)
