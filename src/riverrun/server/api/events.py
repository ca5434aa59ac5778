"""Events: the batches recorders POST, ingested idempotently in one transaction.

The whole batch is validated with ``riverrun.schemas.events`` before anything is written, so
a malformed batch — an unknown kind, a field the format does not declare, a text timestamp,
a version this server does not read — is refused whole with a 422 naming the event and the
field, and nothing unreadable can reach the database.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from riverrun.schemas.events import EventBatch
from riverrun.server.deps import StoreDep, ingest

router = APIRouter(tags=["events"])


class Ingested(BaseModel):
    """How many events the batch held (events already stored count too: they are no-ops)."""

    ingested: int


@router.post("/events", response_model=Ingested)
async def ingest_events(body: EventBatch, request: Request, store: StoreDep) -> Ingested:
    """Ingest a batch of events idempotently in one transaction.

    The remote recorder's contract: any 2xx means stored; 5xx means retry later; 4xx means
    the batch itself is wrong. Sending the same events again changes nothing.
    """
    # ``body`` proved every event well-formed; the store reads the events as sent (the JSON
    # the request already parsed), which spares dumping thousands of models back to dicts.
    events: list[dict[str, Any]] = (await request.json())["events"]
    if events:
        await run_in_threadpool(ingest, store, events)
        for wakeup in getattr(request.app.state, "wake_on_events", ()):
            wakeup.set()  # the automations service evaluates them now, not at its next second
    return Ingested(ingested=len(body.events))
