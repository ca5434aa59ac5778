"""The API routes of every operation in the table, derived from its one definition.

For each operation of ``riverrun._api``: its path parameters come from the path, its other
parameters from a request body derived from its signature (or from the query string for GET and
DELETE), the store method of the same name serves it, and its answer is its return type as
JSON (204 when it returns nothing). Routes run in the threadpool: the store is synchronous;
a long poll that waits runs on its own limiter (``riverrun.server.long_poll``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Optional

from fastapi import APIRouter, Query, Request, Response
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool
from starlette.convertors import PathConvertor, register_url_convertor

from riverrun._api.operation import Operation
from riverrun._api.store_api import operations
from riverrun._api.wire import (
    answers_none_with_404,
    body_is_optional,
    body_model,
    body_parameter,
    json_type_check,
    query_parameters,
    query_type,
    returns_nothing,
)
from riverrun.server import long_poll
from riverrun.server.api._common import json_response
from riverrun.server.deps import StoreDep

_KW = inspect.Parameter.KEYWORD_ONLY
_BODY = "body"
_STORE = "store"
_REQUEST = "request"


class _NamePathConvertor(PathConvertor):
    """A ``{name:path}`` parameter: any text, slashes included, but never empty.

    Starlette's ``path`` matches the empty string, so ``PATCH /v2/concurrency_limits/`` would
    reach the PATCH of ``/v2/concurrency_limits/{name}`` with no name (a 422) where the spec
    lists only POST there (a 405).
    """

    regex = ".+"


_NAME_PATH = "riverrun_name_path"


def _route_path(path: str) -> str:
    """The path as the router matches it: ``{x:path}`` takes at least one character."""
    return path.replace(":path}", f":{_NAME_PATH}}}")


def operation_routers() -> list[APIRouter]:
    """One router per resource of the table, with a route per operation."""
    register_url_convertor(_NAME_PATH, _NamePathConvertor())
    routers: dict[str, APIRouter] = {}
    for op in operations():
        tag = op.resource.removesuffix("API")
        router = routers.setdefault(op.resource, APIRouter(tags=[tag]))
        responses: dict[int | str, dict[str, Any]] = {}
        # An answer with no content says so in the spec (the 201 of ``create_logs`` too, not
        # only the 204s), rather than promising JSON it does not send.
        plain: dict[str, Any] = {"response_class": Response} if returns_nothing(op) else {}
        if op.route.rejected_status is not None:
            responses[op.route.rejected_status] = {
                "description": "The orchestration policy rejected the state; the body carries "
                "the reason and the current state.",
                "model": op.return_type,
            }
        router.add_api_route(
            _route_path(op.route.path),
            _endpoint(op),
            methods=[op.route.method],
            name=op.name,
            operation_id=op.name,
            summary=op.doc.splitlines()[0] if op.doc else op.name,
            description=op.doc,
            status_code=op.route.status_code,
            response_model=None if returns_nothing(op) else op.return_type,
            responses=responses or None,
            **plain,
        )
    return list(routers.values())


def _checked(tp: Any) -> Any:
    """``tp`` as a body is read: first its JSON types checked against its schema (no ``0`` for
    ``false``), then validated by pydantic."""
    return Annotated[tp, BeforeValidator(json_type_check(tp))]


def _endpoint(op: Operation) -> Callable[..., Response | Awaitable[Response]]:
    params = [inspect.Parameter(_STORE, _KW, annotation=StoreDep)]
    params += [inspect.Parameter(n, _KW, annotation=str) for n in op.route.path_params]
    model = body_model(op)
    whole = body_parameter(op)
    if model is not None:
        optional = body_is_optional(op)
        body_type: Any = _checked(model)
        params.append(inspect.Parameter(_BODY, _KW, annotation=Optional[body_type] if optional else body_type,
                                        default=None if optional else inspect.Parameter.empty))  # fmt: skip
    elif whole is not None:
        params.append(inspect.Parameter(whole.name, _KW, annotation=_checked(whole.annotation)))
    for p in query_parameters(op):
        # ``Query()`` inside ``Annotated``: with ``default=Query(...)`` FastAPI drops the
        # annotation's validators (the strict query boolean).
        required = p.default is inspect.Parameter.empty
        params.append(inspect.Parameter(p.name, _KW, annotation=Annotated[query_type(p.annotation), Query()],
                                        default=inspect.Parameter.empty if required else p.default))  # fmt: skip
    path_params = op.route.path_params
    method_name = op.name

    def arguments_of(values: dict[str, Any]) -> dict[str, Any]:
        arguments = {name: values.pop(name) for name in path_params}
        body = values.pop(_BODY, None)
        if body is not None:
            arguments.update({name: getattr(body, name) for name in body.model_fields_set})
        arguments.update(values)
        return arguments

    def endpoint(**values: Any) -> Response:
        store = values.pop(_STORE)
        result = getattr(store, method_name)(**arguments_of(values))
        return _answer(op, result)

    if long_poll.is_long_poll(op):
        return _long_poll_endpoint(op, params, arguments_of)
    endpoint.__name__ = op.name
    endpoint.__doc__ = op.doc
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return endpoint


def _long_poll_endpoint(
    op: Operation,
    params: list[inspect.Parameter],
    arguments_of: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[..., Awaitable[Response]]:
    """An endpoint that parks on the long-poll limiter when asked to wait, so parked polls
    never hold the threads other requests need."""

    async def endpoint(**values: Any) -> Response:
        request: Request = values.pop(_REQUEST)
        store = values.pop(_STORE)
        arguments = arguments_of(values)
        wait = arguments.get(long_poll.LONG_POLL_PARAMETER) or 0
        if wait > 0:
            arguments[long_poll.LONG_POLL_PARAMETER] = long_poll.capped_wait(request.app, wait)
        call = functools.partial(getattr(store, op.name), **arguments)
        if wait > 0:
            result = await long_poll.run_parked(request, call)
        else:
            result = await run_in_threadpool(call)
        return _answer(op, result)

    endpoint.__name__ = op.name
    endpoint.__doc__ = op.doc
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(_REQUEST, _KW, annotation=Request), *params]
    )
    return endpoint


def _answer(op: Operation, result: Any) -> Response:
    if op.route.rejected_status is not None and getattr(result, "status", "ACCEPT") != "ACCEPT":
        body = result.model_dump(mode="json")
        body["detail"] = f"State {result.status.lower()}ed: {result.reason}"
        return json_response(dict, body, status_code=op.route.rejected_status)
    if returns_nothing(op):
        return Response(status_code=op.route.status_code)
    if result is None and answers_none_with_404(op):
        # An Optional answer that is None is a 404, as Prefect's API answers it.
        detail = f"Nothing found: {op.name} ({op.doc.splitlines()[0] if op.doc else ''})"
        return json_response(dict, {"detail": detail}, status_code=404)
    return json_response(op.return_type, result, status_code=op.route.status_code)
