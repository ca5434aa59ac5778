"""Answers of reads that summarise (Prefect's ``prefect.client.schemas.responses``): the
concurrency status of a work pool and of a work queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from riverrun.schemas.objects import RiverrunBaseModel
from riverrun.states import StateType


class FlowRunSlotSummary(RiverrunBaseModel):
    """A flow run holding a slot of a pool or queue (claimed and not finished)."""

    id: str
    name: str
    state_type: StateType | None = None
    state_name: str | None = None
    start_time: datetime | None = None
    state_timestamp: datetime | None = None
    time_in_current_state: timedelta | None = None


class WorkQueueConcurrencyStatusDetail(RiverrunBaseModel):
    """One queue of a pool's concurrency status: its slots and the runs holding them."""

    queue_id: str
    queue_name: str
    active_slots: int = 0
    concurrency_limit: int | None = None
    flow_runs: list[FlowRunSlotSummary] = Field(default_factory=list)
    flow_run_count: int | None = None


class _SlotsPage(RiverrunBaseModel):
    """Slots held of a pool or queue (all of them), and which page of the details this is."""

    active_slots: int = 0
    concurrency_limit: int | None = None
    count: int
    limit: int
    pages: int
    page: int


class WorkPoolConcurrencyStatus(_SlotsPage):
    """A pool's slots and, a page of its queues at a time, each queue's."""

    queues: list[WorkQueueConcurrencyStatusDetail] = Field(default_factory=list)


class WorkQueueConcurrencyStatus(_SlotsPage):
    """A queue's slots and, a page at a time, the runs holding them."""

    flow_runs: list[FlowRunSlotSummary] = Field(default_factory=list)


__all__ = [
    "FlowRunSlotSummary",
    "WorkPoolConcurrencyStatus",
    "WorkQueueConcurrencyStatus",
    "WorkQueueConcurrencyStatusDetail",
]
