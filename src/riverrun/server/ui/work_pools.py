"""Work pool pages: the list (status, limit, queues, workers online, runs waiting; pause and
resume) and one pool (its queues with their late runs, its workers, its recent runs), through
the work pool, queue and worker operations of the table (``_api/work_pools.py``...)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from riverrun.server.ui import data_pools, session
from riverrun.server.ui.catalog import offset_of
from riverrun.server.ui.render import page

router = APIRouter()
_csrf = [Depends(session.require_csrf)]
_SWITCH = {"pause": True, "resume": False}


def _unknown(request: Request, action: str) -> Response:
    return page(request, "error.html", status_code=404, status=404,
                message=f"Unknown action {action!r}: use pause or resume.")  # fmt: skip


def pool_url(name: str) -> str:
    """The page of a pool (its name quoted: a pool name may hold any character)."""
    return "/work-pools/" + quote(name, safe="")


@router.get("/work-pools", response_class=HTMLResponse)
def work_pools(request: Request) -> Response:
    """Every pool by name (a page at a time) with its counts and a pause/resume button."""
    offset = offset_of(request)
    rows, more = data_pools.pools(request.app.state.store, offset)
    return page(request, "work_pools.html", rows=rows, more=more, offset=offset, pool_url=pool_url)


@router.get("/work-pools/{name:path}", response_class=HTMLResponse)
def work_pool(request: Request, name: str) -> Response:
    """One pool: its queues, workers and recent runs."""
    view = data_pools.pool_view(request.app.state.store, name)
    return page(request, "work_pool.html", view=view, pool=view.pool, pool_url=pool_url)


@router.post("/work-pools/{name:path}/{action}", dependencies=_csrf)
def pool_switch(request: Request, name: str, action: str) -> Response:
    """Pause or resume a pool, then back to the list (or, with ``?back=pool``, the pool)."""
    if action not in _SWITCH:
        return _unknown(request, action)
    data_pools.set_pool_paused(request.app.state.store, name, paused=_SWITCH[action])
    back = pool_url(name) if request.query_params.get("back") == "pool" else "/work-pools"
    return RedirectResponse(back, status_code=303)


@router.post("/work-queues/{queue_id}/{action}", dependencies=_csrf)
def queue_switch(request: Request, queue_id: str, action: str) -> Response:
    """Pause or resume one queue, then back to its pool's page."""
    if action not in _SWITCH:
        return _unknown(request, action)
    queue = data_pools.set_queue_paused(request.app.state.store, queue_id, paused=_SWITCH[action])
    return RedirectResponse(pool_url(queue.work_pool_name or ""), status_code=303)
