"""Every error a route can meet, as a 4xx with a message that names the problem and the fix.

Bodies are ``{"detail": "<message>"}`` (plus ``errors`` for validation failures), so the
HTTP client can raise the same exceptions the embedded store raises.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from riverrun.exceptions import (
    InvalidFilterError,
    ObjectAlreadyExists,
    ObjectNotFound,
    StoreLocked,
)
from riverrun.server.deps import BadBatch


def _json(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


async def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            return _json(400, f"Malformed JSON body: {ctx.get('error', 'cannot be parsed')}. "
                              "Send a JSON document with Content-Type: application/json.")  # fmt: skip
    lines = [f"{_where(e.get('loc', ()))}: {e.get('msg')}" for e in errors[:10]]
    more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
    clean = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")}
             for e in errors[:50]]  # fmt: skip
    return _json(422, "Invalid request: " + "; ".join(lines) + more, errors=clean)


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return _json(404, str(exc))


async def _conflict(_request: Request, exc: Exception) -> JSONResponse:
    return _json(409, str(exc))


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    return _json(422, str(exc))


async def _locked(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "1"})


async def _bad_data(_request: Request, exc: Exception) -> JSONResponse:
    # The driver's message names the column or constraint; the SQL and parameters are
    # left out (they may be long, and they are the request's own data anyway).
    orig = getattr(exc, "orig", None) or exc
    reason = str(orig).splitlines()[0][:300]
    return _json(422, f"The database rejected a value in the request: {reason}.")


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    from riverrun._store.errors import bad_data_errors
    from riverrun.schemas.automations import InvalidAutomation

    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ObjectNotFound, _not_found)
    app.add_exception_handler(ObjectAlreadyExists, _conflict)
    app.add_exception_handler(InvalidFilterError, _invalid)
    app.add_exception_handler(StoreLocked, _locked)
    app.add_exception_handler(BadBatch, _invalid)
    app.add_exception_handler(InvalidAutomation, _invalid)
    for exc_type in bad_data_errors():
        app.add_exception_handler(exc_type, _bad_data)
