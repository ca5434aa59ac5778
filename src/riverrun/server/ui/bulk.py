"""Bulk actions on the runs list: cancel, retry or delete every flow run that matches the
list's current filter. A GET shows what would happen (a capped count and the first runs); the
POST, CSRF-protected, walks the matches newest first in keyset batches, each run through the
same operation as the API (``set_flow_run_state``, ``delete_flow_run``), and stops at a cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from riverrun.schemas import objects as o
from riverrun.server.ui import data, session
from riverrun.server.ui.render import page
from riverrun.server.ui.runs import WINDOWS, run_query
from riverrun.states import StateType

router = APIRouter()
ACTIONS = {"cancel": "Cancel", "retry": "Retry", "delete": "Delete"}
#: Runs read and changed per batch (one keyset page each).
BATCH = 200
#: One request changes at most this many runs; the page says so when more matched.
CAP = 10_000
_WAITING = (StateType.SCHEDULED, StateType.PAUSED, StateType.PENDING)


@dataclass
class BulkResult:
    """How many runs an action changed, left alone (nothing to do), and whether it hit the cap."""

    done: int = 0
    skipped: int = 0
    capped: bool = False


def apply(
    store: data.UIStore, q: data.RunQuery, action: str, *, cap: int = CAP, batch: int = BATCH
) -> BulkResult:
    """Apply ``action`` to every run matching ``q``, newest first, ``batch`` at a time."""
    filters = data.run_filters(store, q)
    result = BulkResult()
    cursor = None
    seen = 0
    while (limit := min(batch, cap - seen)) > 0:
        runs = filters.page(store, cursor, limit)
        for run in runs:
            if _act(store, run, action):
                result.done += 1
            else:
                result.skipped += 1
        seen += len(runs)
        if len(runs) < limit:
            return result
        cursor = (data.started_us(runs[-1]), runs[-1].id)
    # Stopped at the cap: say so if anything is left.
    rest = filters.page(store, cursor, 1)
    result.capped = bool(rest)
    return result


def _act(store: data.UIStore, run: o.FlowRun, action: str) -> bool:
    from riverrun.states import AwaitingRetry, Cancelled, Cancelling

    if action == "delete":
        store.delete_flow_run(run.id)
        return True
    if action == "cancel":
        if data.is_final(run) or run.state_type is StateType.CANCELLING:
            return False
        state = Cancelled() if run.state_type in _WAITING else Cancelling()
        return store.set_flow_run_state(run.id, state).status == "ACCEPT"
    # retry: a finished run of a deployment goes back to be picked up by its worker or serve().
    if not data.is_final(run) or run.deployment_id is None:
        return False
    return store.set_flow_run_state(run.id, AwaitingRetry(), force=True).status == "ACCEPT"


def _filters_only(params: QueryParams) -> list[tuple[str, str]]:
    return [(k, v) for k, v in params.multi_items() if k not in ("action", "before", "done")]


@router.get("/runs/bulk", response_class=HTMLResponse)
def preview(request: Request, action: str = "") -> Response:
    """What an action on "all that match" would touch: the capped count and the newest runs."""
    if action not in ACTIONS:
        return page(request, "error.html", status_code=404, status=404,
                    message=f"Unknown bulk action {action!r}: use cancel, retry or delete.")  # fmt: skip
    q, form = run_query(request.query_params)
    result = data.runs_page(request.app.state.store, q)
    query = urlencode(_filters_only(request.query_params))
    return page(request, "runs_bulk.html", action=action, label=ACTIONS[action], result=result, form=form,
                query=query, cap=CAP, windows=WINDOWS)  # fmt: skip


@router.post("/runs/bulk", dependencies=[Depends(session.require_csrf)])
async def run_bulk(request: Request) -> Response:
    """Apply the action to every run matching the submitted filter (at most ``CAP``)."""
    form = dict(await session.form_pairs(request))
    action = form.get("action", "")
    if action not in ACTIONS:
        return page(request, "error.html", status_code=422, status=422,
                    message=f"Unknown bulk action {action!r}: use cancel, retry or delete.")  # fmt: skip
    params = QueryParams(parse_qsl(form.get("query", ""), keep_blank_values=True))
    q, _ = run_query(params)
    q = data.RunQuery(**{**q.__dict__, "before": None})
    done = await run_in_threadpool(apply, request.app.state.store, q, action)
    note = f"{ACTIONS[action]}: {done.done:,} run(s) changed, {done.skipped:,} left as they were"
    if done.capped:
        note += f"; stopped at {CAP:,}, run it again for the rest"
    back = _filters_only(params) + [("done", note + ".")]
    return RedirectResponse("/runs?" + urlencode(back), status_code=303)
