"""The concurrency page: global concurrency limits (limit, active slots, slot decay, on/off)
and task-run tag limits (limit, slots held), each with a create form checked on the server by
the API's own models and a delete button, through ``_api/concurrency_limits.py``.

Names travel in the form body, not the path: a tag may hold ``/`` or ``:``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riverrun.server.ui import data_pools, session
from riverrun.server.ui.render import page

router = APIRouter()
_csrf = [Depends(session.require_csrf)]
_EMPTY_GLOBAL = {"name": "", "limit": "", "slot_decay_per_second": "", "active": "on"}
_EMPTY_TAG = {"tag": "", "concurrency_limit": ""}


def _page(request: Request, *, status_code: int = 200, glob: dict[str, Any] | None = None,
          tag: dict[str, Any] | None = None) -> Response:  # fmt: skip
    found = data_pools.limits(request.app.state.store)
    return page(request, "concurrency.html", status_code=status_code, limits=found,
                glob=glob or {"values": _EMPTY_GLOBAL, "errors": {}},
                tag=tag or {"values": _EMPTY_TAG, "errors": {}},
                notice=request.query_params.get("notice", ""), shown=data_pools.LIMITS_SHOWN)  # fmt: skip


def _done(notice: str) -> Response:
    return RedirectResponse("/concurrency?" + urlencode({"notice": notice}), status_code=303)


@router.get("/concurrency", response_class=HTMLResponse)
def concurrency(request: Request) -> Response:
    """Global and tag concurrency limits, with their forms."""
    return _page(request)


async def _create(request: Request, kind: str,
                  create: Callable[[Any, dict[str, str]], dict[str, str]], key: str) -> Response:  # fmt: skip
    form = dict(await session.form_pairs(request))
    errors = await run_in_threadpool(create, request.app.state.store, form)
    if errors:
        state = {"values": form, "errors": errors}
        return await run_in_threadpool(lambda: _page(request, status_code=422, **{kind: state}))
    return _done(f"Saved the limit {form.get(key, '').strip()!r}.")


@router.post("/concurrency/global", response_class=HTMLResponse, dependencies=_csrf)
async def create_global(request: Request) -> Response:
    """Create a global limit; a value refused comes back at its field with the reason."""
    return await _create(request, "glob", data_pools.create_global_limit, "name")


@router.post("/concurrency/tags", response_class=HTMLResponse, dependencies=_csrf)
async def create_tag(request: Request) -> Response:
    """Create or resize a tag limit; a value refused comes back at its field."""
    return await _create(request, "tag", data_pools.create_tag_limit, "tag")


def _switch(active: bool) -> Callable[[Any, str], None]:
    return lambda store, name: data_pools.set_global_limit_active(store, name, active)


# Per kind: the form field naming the limit, and per action what it does and what it says.
_ACTIONS: dict[str, tuple[str, dict[str, tuple[Callable[[Any, str], None], str]]]] = {
    "global": ("name", {
        "activate": (_switch(True), ""), "deactivate": (_switch(False), ""),
        "delete": (data_pools.delete_global_limit, "Deleted the limit {!r}."),
    }),
    "tags": ("tag", {
        "reset": (data_pools.reset_tag_limit, "Freed the slots of {!r}."),
        "delete": (data_pools.delete_tag_limit, "Deleted the limit on {!r}."),
    }),
}  # fmt: skip


@router.post("/concurrency/{kind}/{action}", dependencies=_csrf)
async def limit_action(request: Request, kind: str, action: str) -> Response:
    """On a global limit: activate, deactivate or delete; on a tag limit: reset (free its
    slots) or delete. The limit's name (or tag) is in the form."""
    key, actions = _ACTIONS.get(kind, ("", {}))
    if action not in actions:
        return page(request, "error.html", status_code=404, status=404,
                    message=f"Unknown action {action!r} on {kind!r} limits: use "
                            f"{', '.join(actions) or 'global or tags'}.")  # fmt: skip
    name = dict(await session.form_pairs(request)).get(key, "")
    act, notice = actions[action]
    await run_in_threadpool(act, request.app.state.store, name)
    return (
        _done(notice.format(name)) if notice else RedirectResponse("/concurrency", status_code=303)
    )
