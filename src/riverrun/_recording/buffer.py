"""A recorder that only keeps events in memory, for a task run on another machine.

A task run on a Dask or Ray worker (or a process-pool worker) cannot assume it can reach
the flow's store: the worker may have another ``RIVERRUN_HOME`` on another disk. So it
records into a ``BufferRecorder`` and its events travel back with its outcome, to be handed
to the flow run's own recorder there (see ``riverrun._engine.shipped``).
"""

from __future__ import annotations

from riverrun._recording.recorder import Event, Recorder


def _refuse(events: list[Event]) -> None:  # pragma: no cover - the buffer never drains
    raise RuntimeError("A BufferRecorder keeps its events; take them with take().")


class BufferRecorder(Recorder):
    """Collects events in a list; never starts a thread, never writes anywhere."""

    def __init__(self) -> None:
        # Not Recorder.__init__: its thread events and conditions cost more than the rest of
        # a small task run on a worker, and a buffer never uses them.
        self.destination = "the flow run's recorder, by way of the task's outcome"
        self.sink = _refuse
        self.dropped = 0
        self.events: list[Event] = []

    def record(self, event: Event) -> None:
        # list.append is atomic: threads of nested task runs on the worker may share it.
        self.events.append(event)

    def flush(self, timeout: float = 30.0) -> bool:
        return True

    def close(self, timeout: float = 30.0) -> None:
        return None

    def take(self) -> list[Event]:
        """The events recorded so far, leaving the buffer empty."""
        events, self.events = self.events, []
        return events
