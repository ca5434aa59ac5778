"""Work pool pages: the list (status, limit, queues, workers online, runs waiting; pause and
resume; a form to create a pool), one pool (its queues with their late runs, its workers, its
recent runs; forms to edit it and to add a queue) and one queue's edit page, through the work
pool, queue and worker operations of the table (``_api/work_pools.py``...)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riverrun.exceptions import InvalidWorkPoolError
from riverrun.server.ui import data_pools, session
from riverrun.server.ui.catalog import offset_of
from riverrun.server.ui.render import page, pool_url

router = APIRouter()
_csrf = [Depends(session.require_csrf)]
_SWITCH = {"pause": True, "resume": False}


def _unknown(request: Request, action: str) -> Response:
    return page(request, "error.html", status_code=404, status=404,
                message=f"Unknown action {action!r}: use pause, resume or delete.")  # fmt: skip


def _noticed(url: str, notice: str) -> Response:
    return RedirectResponse(url + "?" + urlencode({"notice": notice}), status_code=303)


def _form(values: dict[str, str], errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"values": values, "errors": errors or {}}


def _list_page(request: Request, *, status_code: int = 200,
               new: dict[str, Any] | None = None) -> Response:  # fmt: skip
    offset = offset_of(request)
    rows, more = data_pools.pools(request.app.state.store, offset)
    return page(request, "work_pools.html", status_code=status_code, rows=rows, more=more,
                offset=offset, pool_url=pool_url, new=new or _form(data_pools.EMPTY_POOL),
                notice=request.query_params.get("notice", ""))  # fmt: skip


@router.get("/work-pools", response_class=HTMLResponse)
def work_pools(request: Request) -> Response:
    """Every pool by name (a page at a time) with its counts, a pause/resume button and the
    form to create a pool."""
    return _list_page(request)


@router.post("/work-pools", response_class=HTMLResponse, dependencies=_csrf)
async def create_pool(request: Request) -> Response:
    """Create a pool; a value refused comes back at its field with the reason."""
    form = dict(await session.form_pairs(request))
    errors = await run_in_threadpool(data_pools.create_pool, request.app.state.store, form)
    if errors:
        state = _form(form, errors)
        return await run_in_threadpool(lambda: _list_page(request, status_code=422, new=state))
    name = form.get("name", "").strip()
    return _noticed(pool_url(name), f"Created the work pool {name!r}.")


def _pool_page(request: Request, name: str, *, status_code: int = 200,
               edit: dict[str, Any] | None = None, queue: dict[str, Any] | None = None) -> Response:  # fmt: skip
    view = data_pools.pool_view(request.app.state.store, name)
    return page(request, "work_pool.html", status_code=status_code, view=view, pool=view.pool,
                pool_url=pool_url, edit=edit or _form(data_pools.pool_values(view.pool)),
                new_queue=queue or _form(data_pools.EMPTY_QUEUE), open_edit=edit is not None,
                notice=request.query_params.get("notice", ""))  # fmt: skip


@router.post("/work-pools/{name:path}/edit", response_class=HTMLResponse, dependencies=_csrf)
async def edit_pool(request: Request, name: str) -> Response:
    """Save a pool's description, concurrency limit, base job template and pause switch."""
    form = dict(await session.form_pairs(request))
    errors = await run_in_threadpool(data_pools.update_pool, request.app.state.store, name, form)
    if errors:
        state = _form({**form, "name": name}, errors)
        return await run_in_threadpool(
            lambda: _pool_page(request, name, status_code=422, edit=state)
        )
    return _noticed(pool_url(name), f"Saved the work pool {name!r}.")


@router.post("/work-pools/{name:path}/queues", response_class=HTMLResponse, dependencies=_csrf)
async def create_queue(request: Request, name: str) -> Response:
    """Add a queue to a pool; a value refused comes back at its field."""
    form = dict(await session.form_pairs(request))
    errors = await run_in_threadpool(data_pools.create_queue, request.app.state.store, name, form)
    if errors:
        state = _form(form, errors)
        return await run_in_threadpool(
            lambda: _pool_page(request, name, status_code=422, queue=state)
        )
    return _noticed(pool_url(name), f"Added the queue {form.get('name', '').strip()!r}.")


@router.get("/work-pools/{name:path}", response_class=HTMLResponse)
def work_pool(request: Request, name: str) -> Response:
    """One pool: its queues, workers and recent runs, and its forms."""
    return _pool_page(request, name)


@router.post("/work-pools/{name:path}/{action}", dependencies=_csrf)
def pool_action(request: Request, name: str, action: str) -> Response:
    """Pause or resume a pool, then back to the list (or, with ``?back=pool``, the pool); or
    delete it, then back to the list."""
    store = request.app.state.store
    if action == "delete":
        data_pools.delete_pool(store, name)
        return _noticed("/work-pools", f"Deleted the work pool {name!r}.")
    if action not in _SWITCH:
        return _unknown(request, action)
    data_pools.set_pool_paused(store, name, paused=_SWITCH[action])
    back = pool_url(name) if request.query_params.get("back") == "pool" else "/work-pools"
    return RedirectResponse(back, status_code=303)


def _queue_page(request: Request, queue_id: str, *, status_code: int = 200,
                edit: dict[str, Any] | None = None) -> Response:  # fmt: skip
    queue = request.app.state.store.read_work_queue(queue_id)
    pool = request.app.state.store.read_work_pool(queue.work_pool_name or "")
    return page(request, "work_queue.html", status_code=status_code, queue=queue, pool=pool,
                pool_url=pool_url, default=queue.id == pool.default_queue_id,
                edit=edit or _form(data_pools.queue_values(queue)))  # fmt: skip


@router.get("/work-queues/{queue_id}", response_class=HTMLResponse)
def work_queue(request: Request, queue_id: str) -> Response:
    """One queue's edit form (name, description, priority, limit, paused) and its delete."""
    return _queue_page(request, queue_id)


def _save_queue(store: Any, queue_id: str, form: dict[str, str]) -> tuple[Any, dict[str, str]]:
    queue = store.read_work_queue(queue_id)
    pool = store.read_work_pool(queue.work_pool_name or "")
    default = queue.id == pool.default_queue_id
    return queue, data_pools.update_queue(store, queue, form, default=default)


@router.post("/work-queues/{queue_id}", response_class=HTMLResponse, dependencies=_csrf)
async def edit_queue(request: Request, queue_id: str) -> Response:
    """Save a queue, then back to its pool; a value refused comes back at its field."""
    form = dict(await session.form_pairs(request))
    queue, errors = await run_in_threadpool(_save_queue, request.app.state.store, queue_id, form)
    if errors:
        state = _form(form, errors)
        return await run_in_threadpool(
            lambda: _queue_page(request, queue_id, status_code=422, edit=state)
        )
    name = form.get("name", "").strip() or queue.name
    return _noticed(pool_url(queue.work_pool_name or ""), f"Saved the queue {name!r}.")


@router.post("/work-queues/{queue_id}/{action}", dependencies=_csrf)
def queue_action(request: Request, queue_id: str, action: str) -> Response:
    """Pause, resume or delete one queue, then back to its pool's page."""
    store = request.app.state.store
    if action == "delete":
        try:
            gone = data_pools.delete_queue(store, queue_id)
        except InvalidWorkPoolError as exc:
            return page(request, "error.html", status_code=409, status=409, message=str(exc))
        return _noticed(pool_url(gone.work_pool_name or ""), f"Deleted the queue {gone.name!r}.")
    if action not in _SWITCH:
        return _unknown(request, action)
    queue = data_pools.set_queue_paused(store, queue_id, paused=_SWITCH[action])
    return RedirectResponse(pool_url(queue.work_pool_name or ""), status_code=303)
