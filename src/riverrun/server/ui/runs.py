"""Pages about runs: the dashboard, the runs list, a flow run (tabs, live stream, actions) and
a task run. Each page is one request plus the static files; a tab or a filter is one more."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from riverrun.server.ui import artifacts as art
from riverrun.server.ui import data, data_pools
from riverrun.server.ui.layout import timeline
from riverrun.server.ui.render import environment, page, pool_url
from riverrun.server.ui.session import require_csrf
from riverrun.states import StateType

router = APIRouter()

_WINDOW = re.compile(r"^(\d{1,4})([mhd])$")
_UNITS = {"m": 60, "h": 3600, "d": 86400}
WINDOWS = ("1h", "24h", "7d", "30d")
#: The dashboard shows this many work pools (by name); the rest are on the Work pools page.
DASHBOARD_POOLS = 8
#: How often a live stream looks for new log lines and states of a running run.
STREAM_EVERY_S = 0.5
#: A stream ends after this long; the browser reconnects if the run still runs.
STREAM_FOR_S = 900.0


def parse_window(text: str | None, default: str = "24h") -> tuple[str, timedelta]:
    """``24h`` → (``24h``, 24 hours); an unknown text falls back to the default."""
    match = _WINDOW.match(text or "") or _WINDOW.match(default)
    assert match is not None
    return match.group(0), timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _cursor(text: str | None) -> tuple[int, str] | None:
    if not text or "_" not in text:
        return None
    moment, _, ident = text.partition("_")
    return (int(moment), ident) if moment.isdigit() else None


def _cursor_text(cursor: tuple[int, str] | None) -> str:
    return "" if cursor is None else f"{cursor[0]}_{cursor[1]}"


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, window: str | None = None) -> Response:
    """Counts by state, failures, late and running runs, and activity over a time window."""
    label, span = parse_window(window)
    board = data.dashboard(request.app.state.store, span)
    peak = max([sum(b.values()) for b in board.activity] + [1])
    pools, more_pools = data_pools.pools(request.app.state.store, size=DASHBOARD_POOLS)
    return page(request, "dashboard.html", board=board, window=label, windows=WINDOWS, peak=peak,
                total=sum(board.counts.values()), pools=pools, more_pools=more_pools,
                pool_url=pool_url)  # fmt: skip


def run_query(params: QueryParams) -> tuple[data.RunQuery, dict[str, Any]]:
    """The runs list's query from its URL parameters, and the values its filter form shows."""
    label, span = parse_window(params.get("window"), default="7d")
    states = tuple(s for s in params.getlist("state") if s in StateType.__members__)

    def many(key: str) -> tuple[str, ...]:
        return tuple(v.strip() for raw in params.getlist(key) for v in raw.split(",") if v.strip())

    q = data.RunQuery(
        states=states, flows=many("flow"), deployments=many("deployment"), tags=many("tag"),
        exclude_tags=many("xtag"), pools=many("pool"), queues=many("queue"),
        name=params.get("name", "").strip(),
        since=datetime.now(timezone.utc) - span, before=_cursor(params.get("before")),
    )  # fmt: skip
    form = {"window": label, "states": states, "flows": q.flows, "deployments": q.deployments,
            "tags": q.tags, "xtags": q.exclude_tags, "pools": q.pools, "queues": q.queues,
            "name": q.name}  # fmt: skip
    return q, form


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request) -> Response:
    """Flow runs, filtered by the URL's query (state, flow, deployment, tags in and out, work
    pool and queue, name, window), newest first, keyset-paged."""
    q, form = run_query(request.query_params)
    result = data.runs_page(request.app.state.store, q)
    nxt = None
    if result.next_before is not None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "before"]
        params.append(("before", _cursor_text(result.next_before)))
        nxt = "/runs?" + urlencode(params)
    template = "runs_rows.html" if request.headers.get("hx-target") == "runs-table" else "runs.html"
    query = urlencode(
        [(k, v) for k, v in request.query_params.multi_items() if k not in ("before", "done")]
    )
    return page(request, template, result=result, form=form, windows=WINDOWS, next_url=nxt, query=query,
                states=list(StateType.__members__), done=request.query_params.get("done", ""))  # fmt: skip


@router.get("/ui/suggest", response_class=HTMLResponse)
def suggest(request: Request, what: str = "flow") -> Response:
    """Typeahead options (a datalist's ``<option>``s) from the server, never a capped list
    of what the page already loaded. The text is the ``q`` parameter, or the value of the
    filter input that asked (``flow=...``)."""
    q = next((v for k, v in request.query_params.multi_items() if k != "what"), "")
    q = q.rsplit(",", 1)[-1]
    try:
        names = data.suggest(request.app.state.store, what, q.strip())
    except ValueError as exc:
        return HTMLResponse(str(exc), status_code=400)
    return page(request, "suggest.html", names=names)


# -- a flow run -------------------------------------------------------------------------------

TABS = ("logs", "tasks", "artifacts", "states", "details")


def _tab_context(request: Request, view: data.FlowRunView, tab: str) -> dict[str, Any]:
    store = request.app.state.store
    params = request.query_params
    ctx: dict[str, Any] = {"tab": tab}
    if tab == "logs":
        level = int(params.get("level", "0") or 0)
        text = params.get("q", "")
        ctx.update(logs=data.logs(store, view.run.id, level=level, text=text), level=level, q=text)
    elif tab == "tasks":
        state = params.get("state", "")
        state = state if state in StateType.__members__ else ""
        offset = max(0, int(params.get("offset", "0") or 0))
        rows = data.task_runs_of(
            store, view.run.id, state=state, name=params.get("q", ""), offset=offset
        )
        ctx.update(task_runs=rows[: data.PAGE], more=len(rows) > data.PAGE, offset=offset,
                   state=state, q=params.get("q", ""))  # fmt: skip
    elif tab == "artifacts":
        ctx.update(artifacts=[art.view(a) for a in data.artifacts_of(store, view.run.id)])
    elif tab == "states":
        ctx.update(states=data.states_of(store, "flow_run", view.run.id))
    return ctx


@router.get("/flow-runs/{flow_run_id}", response_class=HTMLResponse)
def flow_run(request: Request, flow_run_id: str, tab: str = "logs") -> Response:
    """A flow run: header, tree and timeline, and one tab (logs, tasks, artifacts, states,
    details); an htmx request for a tab gets only that tab."""
    tab = tab if tab in TABS else "logs"
    store = request.app.state.store
    view = data.flow_run_view(store, flow_run_id)
    ctx = _tab_context(request, view, tab)
    if request.headers.get("hx-target") == "tab":
        return page(request, "flow_run_tab.html", view=view, **ctx)
    now = int(datetime.now(timezone.utc).timestamp() * 1e6)
    return page(request, "flow_run.html", view=view, tabs=TABS, live=not data.is_final(view.run),
                timeline=timeline(view.tree, now), **ctx)  # fmt: skip


@router.get("/flow-runs/{flow_run_id}/logs", response_class=HTMLResponse)
def flow_run_logs(request: Request, flow_run_id: str, level: int = 0, q: str = "",
                  after: str = "", task_run: str = "") -> Response:  # fmt: skip
    """Log lines of a run at a level or above, searched on the server over every line."""
    lines = data.logs(request.app.state.store, flow_run_id, task_run_id=task_run or None,
                      level=level, text=q, after=_cursor(after))  # fmt: skip
    return page(request, "log_lines.html", logs=lines, flow_run_id=flow_run_id, level=level, q=q,
                task_run=task_run, append=bool(after))  # fmt: skip


@router.get("/flow-runs/{flow_run_id}/logs.txt")
def download_logs(request: Request, flow_run_id: str) -> Response:
    """Every log line of a flow run as text, read in pages of 5,000."""
    store = request.app.state.store

    def lines() -> Iterator[bytes]:
        after = None
        while True:
            page_ = data.logs(store, flow_run_id, after=after, limit=5000)
            if not page_:
                return
            for log in page_:
                yield f"{log.timestamp.isoformat()} {log.level:>2} {log.name} {log.message}\n".encode()
            last = page_[-1]
            after = (int(last.timestamp.timestamp() * 1e6), last.id)

    headers = {"Content-Disposition": f'attachment; filename="flow-run-{flow_run_id}.log"'}
    return StreamingResponse(lines(), media_type="text/plain; charset=utf-8", headers=headers)


def _sse(event: str, payload: str, ident: str = "") -> bytes:
    body = "".join(f"data: {line}\n" for line in payload.splitlines() or [""])
    # The browser repeats the last id as Last-Event-ID when it reconnects on its own.
    head = f"id: {ident}\n" if ident else ""
    return f"{head}event: {event}\n{body}\n".encode()


@router.get("/flow-runs/{flow_run_id}/stream")
async def stream(request: Request, flow_run_id: str, after: str = "") -> Response:
    """Server-sent events while the run is not final: ``logs`` (new lines as HTML),
    ``state`` (the header's state badge) and ``end`` once it is final. Nothing is sent, and
    nothing is read, for a run that has ended."""
    store = request.app.state.store
    env = environment()

    async def events() -> AsyncIterator[bytes]:
        cursor = _cursor(request.headers.get("last-event-id") or after)
        last_state = None
        loop = asyncio.get_running_loop()
        stop_at = loop.time() + STREAM_FOR_S
        while loop.time() < stop_at:
            run = await run_in_threadpool(data.flow_run, store, flow_run_id)
            lines = await run_in_threadpool(data.logs, store, flow_run_id, after=cursor)
            if lines:
                last = lines[-1]
                cursor = (int(last.timestamp.timestamp() * 1e6), last.id)
                html = env.get_template("log_lines.html").render(
                    logs=lines, flow_run_id=flow_run_id, level=0, q="", task_run="", append=True,
                    live=True,
                )  # fmt: skip
                yield _sse("logs", html, _cursor_text(cursor))
            state = (run.state_type, run.state_name)
            if state != last_state:
                last_state = state
                yield _sse("state", env.get_template("state_badge.html").render(run=run))
            if data.is_final(run):
                yield _sse("end", run.state_name or "")
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(STREAM_EVERY_S)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.post("/flow-runs/{flow_run_id}/cancel", dependencies=[Depends(require_csrf)])
def cancel(request: Request, flow_run_id: str) -> Response:
    """Cancel a run: Cancelled at once if it never started (scheduled or paused, as Prefect
    does for a run without infrastructure), else Cancelling."""
    from riverrun.states import Cancelled, Cancelling

    store = request.app.state.store
    run = data.flow_run(store, flow_run_id)
    waiting = run.state_type in (StateType.SCHEDULED, StateType.PAUSED)
    state = Cancelled() if waiting else Cancelling()
    result = data.set_flow_run_state(store, flow_run_id, state)
    return _after_action(request, flow_run_id, result.status, result.reason)


@router.post("/flow-runs/{flow_run_id}/retry", dependencies=[Depends(require_csrf)])
def retry(request: Request, flow_run_id: str) -> Response:
    """Retry a finished run of a deployment: AwaitingRetry, for its worker to pick up."""
    from riverrun.states import AwaitingRetry

    store = request.app.state.store
    run = data.flow_run(store, flow_run_id)
    if run.deployment_id is None:
        return _after_action(request, flow_run_id, "REJECT",
                             "Only a run of a deployment can be retried from here; run its script again.")  # fmt: skip
    result = data.set_flow_run_state(store, flow_run_id, AwaitingRetry(), force=True)
    return _after_action(request, flow_run_id, result.status, result.reason)


def _after_action(request: Request, flow_run_id: str, status: str, reason: str | None) -> Response:
    if request.headers.get("hx-request") != "true":
        return RedirectResponse(f"/flow-runs/{flow_run_id}", status_code=303)
    run = data.flow_run(request.app.state.store, flow_run_id)
    message = None if status == "ACCEPT" else (reason or "The state change was refused.")
    response = page(request, "run_actions.html", run=run, message=message)
    if status == "ACCEPT":
        # The page's live stream picks the new state up; start one if it had ended.
        response.headers["HX-Trigger"] = json.dumps({"rr:state-changed": flow_run_id})
    return response


# -- a task run ---------------------------------------------------------------------------------


@router.get("/task-runs/{task_run_id}", response_class=HTMLResponse)
def task_run(request: Request, task_run_id: str) -> Response:
    """A task run: states, logs, inputs and their upstream runs, cache key, retries."""
    store = request.app.state.store
    run = data.task_run(store, task_run_id)
    flow_run = data.flow_run(store, run.flow_run_id) if run.flow_run_id else None
    logs = data.logs(store, run.flow_run_id, task_run_id=run.id) if run.flow_run_id else []
    return page(request, "task_run.html", run=run, flow_run=flow_run, logs=logs,
                states=data.states_of(store, "task_run", run.id),
                upstream=data.upstream_of(store, run))  # fmt: skip
