"""The web UI: server-rendered pages at ``/`` beside the JSON API at ``/api``.

Jinja2 templates, htmx for partial updates, a small framework-free script for the timeline
and the live stream, SSE for live logs and states. Every file the browser loads is served
from the installed package (no CDN, no web fonts, nothing written at run time), and the
pages reach the store only through ``ui.data``. The UI is a sub-application mounted after
the API's routes, so its errors are HTML pages while the API's stay JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from riverrun.exceptions import InvalidFilterError, ObjectNotFound
from riverrun.server.ui import session
from riverrun.server.ui.render import STATIC, page


class _Static(StaticFiles):
    """The package's static files; URLs carry a content hash, so they are cached for good."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def create_ui(parent: FastAPI) -> FastAPI:
    """The UI as an ASGI app sharing the parent's store and configuration."""
    from riverrun.server.ui import (
        automations,
        bulk,
        catalog,
        concurrency,
        deployments,
        runs,
        variables,
        work_pools,
    )

    ui = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    ui.state.store = parent.state.store
    ui.state.config = parent.state.config
    ui.mount("/static", _Static(directory=STATIC), name="static")
    guarded = [Depends(session.require_session)]
    ui.include_router(catalog.public)
    ui.include_router(bulk.router, dependencies=guarded)
    ui.include_router(runs.router, dependencies=guarded)
    ui.include_router(deployments.router, dependencies=guarded)
    ui.include_router(automations.router, dependencies=guarded)
    ui.include_router(work_pools.router, dependencies=guarded)
    ui.include_router(concurrency.router, dependencies=guarded)
    ui.include_router(variables.router, dependencies=guarded)
    ui.include_router(catalog.router, dependencies=guarded)

    @ui.exception_handler(session.LoginRequired)
    async def _login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, session.LoginRequired)
        from urllib.parse import urlencode

        target = "/login?" + urlencode({"next": request.url.path, "reason": exc.reason})
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @ui.exception_handler(session.CsrfFailed)
    async def _csrf(request: Request, _exc: Exception) -> Response:
        return _error(request, 403, "This form has expired or came from another site. "
                                    "Reload the page and try again.")  # fmt: skip

    @ui.exception_handler(ObjectNotFound)
    async def _missing(request: Request, exc: Exception) -> Response:
        return _error(request, 404, str(exc))

    @ui.exception_handler(InvalidFilterError)
    async def _invalid(request: Request, exc: Exception) -> Response:
        return _error(request, 422, str(exc))

    @ui.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: Any) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": f"No API route {request.url.path}; see /api/docs."},
                                status_code=exc.status_code)  # fmt: skip
        text = "There is no page here." if exc.status_code == 404 else str(exc.detail)
        return _error(request, exc.status_code, text)

    return ui


def _error(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", status_code=status, status=status, message=message)


def mount(app: FastAPI) -> None:
    """Serve the UI at ``/`` of ``app`` (after its own routes, so ``/api`` comes first)."""
    app.mount("/", create_ui(app), name="ui")
