"""Run a flow as a flow run that already exists (one created from a deployment).

A process executing a deployment's run sets ``AdoptedRun`` before calling the flow; the
next top-level flow run takes its ID, name, tags and deployment instead of making new ones,
so its states land on the stored run (created Scheduled by the scheduler or a trigger).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AdoptedRun:
    """The stored flow run the next top-level flow run becomes."""

    id: str
    name: str
    tags: list[str] = field(default_factory=list)
    deployment_id: str | None = None
    pending: bool = False  # the stored run is Pending already (claimed for this process)


_ADOPTED: ContextVar[AdoptedRun | None] = ContextVar("riverrun_adopted_run", default=None)


def adopt(run: AdoptedRun | None) -> None:
    """Make the next top-level flow run in this context be ``run`` (None: a new run)."""
    _ADOPTED.set(run)


def take_adopted() -> AdoptedRun | None:
    """The run to adopt, once: the flow run after it is a new run again."""
    run = _ADOPTED.get()
    if run is not None:
        _ADOPTED.set(None)
    return run
