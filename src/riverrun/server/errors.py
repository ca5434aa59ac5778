"""Every error a route can meet, as a 4xx with a message that names the problem and the fix.

Bodies are ``{"detail": "<message>"}`` (plus ``errors`` for validation failures), so the
HTTP client can raise the same exceptions the embedded store raises.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from riverrun.exceptions import (
    InvalidConcurrencyRequest,
    InvalidFilterError,
    InvalidLeaseError,
    InvalidNameError,
    InvalidWorkPoolError,
    ObjectAlreadyExists,
    ObjectNotFound,
    ParameterTypeError,
    StoreCorrupt,
    StoreFull,
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


async def _invalid_work_pool(_request: Request, exc: Exception) -> JSONResponse:
    # The client raises InvalidWorkPoolError (a ValueError) again from this ``error`` field.
    return _json(422, str(exc), error="InvalidWorkPoolError")


async def _default_queue_kept(_request: Request, exc: Exception) -> JSONResponse:
    # Well-formed, but in conflict with the pool's state: a 409, as the spec allows a DELETE.
    return _json(409, str(exc), error="InvalidWorkPoolError")


async def _invalid_name(_request: Request, exc: Exception) -> JSONResponse:
    # The client raises InvalidNameError (a ValueError) again from this ``error`` field.
    return _json(422, str(exc), error="InvalidNameError")


async def _parameters(_request: Request, exc: Exception) -> JSONResponse:
    # The client raises ParameterTypeError again from this ``error`` field.
    return _json(422, str(exc), error="ParameterTypeError")


async def _concurrency(_request: Request, exc: Exception) -> JSONResponse:
    # The client raises InvalidConcurrencyRequest again from this ``error`` field.
    return _json(422, str(exc), error="InvalidConcurrencyRequest")


async def _model(_request: Request, exc: Exception) -> JSONResponse:
    # A store building a model from the request's values (a deployment's fields) found them
    # out of range: the request was bad, not the server.
    from pydantic import ValidationError

    assert isinstance(exc, ValidationError)
    lines = [f"{_where(e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()[:10]]
    return _json(422, "Invalid request: " + "; ".join(lines))


async def _locked(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "1"})


async def _unwritable(_request: Request, exc: Exception) -> JSONResponse:
    # The server's disk is full or its file malformed: the request was fine; clients keep
    # their events and retry (an operator has to act, so not too often).
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})


async def _bad_data(_request: Request, exc: Exception) -> JSONResponse:
    # The driver's message names the column or constraint; the SQL and parameters are
    # left out (they may be long, and they are the request's own data anyway).
    orig = getattr(exc, "orig", None) or exc
    reason = str(orig).splitlines()[0][:300]
    if "FOREIGN KEY" in reason.upper():
        # A reference to a row that does not exist (a block schema of an unknown block type):
        # the object named is not found, as the spec's 404 says.
        return _json(404, f"The request refers to an object that does not exist ({reason}); "
                          "create it first or check its ID.")  # fmt: skip
    return _json(422, f"The database rejected a value in the request: {reason}.")


async def _unencodable(_request: Request, exc: Exception) -> JSONResponse:
    # JSON can carry a lone UTF-16 surrogate (``"\\ud800"``) that no database can store or
    # compare as text; the driver fails to encode it.
    return _json(422, "A text value in the request holds a lone surrogate (such as \\ud800), "
                      "which is not valid Unicode and cannot be stored or searched; send valid "
                      f"UTF-8 text ({exc}).")  # fmt: skip


_DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
# What the handlers above (and auth, limits, malformed JSON) answer, by status: documented on
# every operation they can reach, so the spec says what the server answers.
_ANSWERS: dict[str, str] = {
    "400": "Malformed JSON body.",
    "401": "No API key, or one that is wrong, expired or revoked (auth on).",
    "404": "No such object.",
    "409": "An object with that name or ID exists already.",
    "413": "The request body exceeds the server's limit (its answer names `limit`).",
    "429": "Too many failed API key checks; retry after `Retry-After` seconds.",
    "503": "The database stayed locked, its disk is full or its file malformed; retry after "
    "`Retry-After` seconds.",
}
_WITH_BODY = {"400", "413"}
_PUBLIC = {"/api/health"}


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    from riverrun.server.api._common import exact_spec

    exact_spec(schema)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorDetail"] = {
        "title": "ErrorDetail", "type": "object", "required": ["detail"],
        "properties": {"detail": {"type": "string"}, "limit": {"type": "integer"}},
    }  # fmt: skip
    # The 422 body is ``{"detail": "<message>", "errors": [...]}`` (``_validation``), not
    # FastAPI's default list of errors under ``detail``.
    error = {"type": "object", "properties": {"loc": {"type": "array"}, "msg": {"type": "string"},
                                              "type": {"type": "string"}}}  # fmt: skip
    components["HTTPValidationError"] = {
        "title": "HTTPValidationError", "type": "object", "required": ["detail"],
        "properties": {"detail": {"type": "string"}, "errors": {"type": "array", "items": error}},
    }  # fmt: skip
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, why in _ANSWERS.items():
                if status in _WITH_BODY and "requestBody" not in operation:
                    continue
                if path in _PUBLIC and status in {"401", "429"}:
                    continue
                responses.setdefault(status, {"description": why,
                                              "content": {"application/json": {"schema": _DETAIL}}})  # fmt: skip
            responses.setdefault("422", {"description": "Invalid request.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}})  # fmt: skip
    return schema


def document_answers(app: FastAPI) -> None:
    """Make the app's OpenAPI spec document every error answer a route can give."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            import warnings

            from pydantic.json_schema import PydanticJsonSchemaWarning

            with warnings.catch_warnings():
                # Two notes pydantic makes while FastAPI derives the spec, both about what the
                # spec rightly leaves out: an ``UNSET`` default (no default, so none is
                # listed) and the alias FastAPI gives a whole-body parameter (a single body
                # is not embedded, so its name never appears).
                warnings.simplefilter("ignore", PydanticJsonSchemaWarning)
                warnings.filterwarnings(
                    "ignore",
                    message=r".*attribute with value .* was provided to the `Field\(\)` function",
                )
                app.openapi_schema = _document(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    # Starlette's 405 lists the methods of the first route matching the path only; a path
    # served by several routes (GET and DELETE of one object) must list them all.
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.routing import Match

    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code != 405:
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    methods.discard("HEAD")
    headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(methods))}
    return JSONResponse({"detail": exc.detail}, status_code=405, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on the app, and document their answers in its spec."""
    from starlette.exceptions import HTTPException as StarletteHTTPException

    document_answers(app)
    app.add_exception_handler(StarletteHTTPException, _method_not_allowed)
    from riverrun._store.errors import bad_data_errors
    from riverrun.schemas.automations import InvalidAutomation

    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ObjectNotFound, _not_found)
    app.add_exception_handler(ObjectAlreadyExists, _conflict)
    app.add_exception_handler(InvalidFilterError, _invalid)
    app.add_exception_handler(InvalidConcurrencyRequest, _concurrency)
    app.add_exception_handler(InvalidLeaseError, _invalid)
    app.add_exception_handler(InvalidWorkPoolError, _invalid_work_pool)
    from riverrun._store.work_queues import DefaultQueueKept

    app.add_exception_handler(DefaultQueueKept, _default_queue_kept)
    app.add_exception_handler(InvalidNameError, _invalid_name)
    app.add_exception_handler(ParameterTypeError, _parameters)
    from pydantic import ValidationError

    app.add_exception_handler(ValidationError, _model)
    app.add_exception_handler(StoreLocked, _locked)
    app.add_exception_handler(StoreFull, _unwritable)
    app.add_exception_handler(StoreCorrupt, _unwritable)
    app.add_exception_handler(BadBatch, _invalid)
    app.add_exception_handler(UnicodeEncodeError, _unencodable)
    app.add_exception_handler(InvalidAutomation, _invalid)
    for exc_type in bad_data_errors():
        app.add_exception_handler(exc_type, _bad_data)
