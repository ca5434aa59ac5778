"""What the server's routes share: fast JSON out (request bodies come from ``riverrun._api.wire``),
and the answer to an ``/api`` path or method no route serves."""

from __future__ import annotations

import copy
import re
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from riverrun._api.wire import Body, adapter
from riverrun.schemas import encoding

__all__ = ["Body", "add_unmatched_route", "json_response"]


def json_response(tp: Any, value: Any, status_code: int = 200) -> Response:
    """Serialize ``value`` as ``tp`` straight to JSON bytes.

    Returning a ``Response`` skips FastAPI's re-validation of the route's ``response_model``
    (which still documents the shape in OpenAPI); the objects come from the store already
    validated.
    """
    # pydantic's JSON writes NaN and the infinities as null; the one encoder keeps them (as
    # Python's json writes them, which every riverrun client reads), so a parameter of NaN
    # reads back as embedded gives it. About 3 ms more for a page of 200 runs.
    content = encoding.dumps(adapter(tp).dump_python(value)).encode()
    return Response(content=content, status_code=status_code, media_type="application/json")


# The methods a spec's path item may list.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY")


def _spec_paths(app: FastAPI) -> list[tuple[re.Pattern[str], int, str]]:
    """Each path of the app's spec as a pattern, its number of parameters, and its methods."""
    found = []
    for path, item in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
        methods = ", ".join(sorted(m.upper() for m in item if m.upper() in _METHODS))
        found.append((re.compile(pattern + "$"), path.count("{"), methods))
    return found


class _Unmatched:
    """The ASGI app of the last ``/api`` route (any method, TRACE and QUERY included)."""

    def __init__(self) -> None:
        self.paths: list[tuple[re.Pattern[str], int, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        if not self.paths:
            self.paths.extend(_spec_paths(request.app))
        path = request.url.path
        matching = sorted((params, allow) for pattern, params, allow in self.paths
                          if pattern.match(path))  # fmt: skip
        # A method the path serves reached here only because a parameter did not match its
        # route (an ID holding a slash): that object is not found, the method is fine.
        if matching and request.method not in matching[0][1].split(", "):
            allow = matching[0][1]
            detail = f"{request.method} is not served at {path}; it answers {allow}."
            response: Response = JSONResponse({"detail": detail}, status_code=405,
                                              headers={"Allow": allow})  # fmt: skip
        else:
            response = JSONResponse(
                {"detail": f"No API route {path}; see /api/docs."}, status_code=404
            )
        await response(scope, receive, send)


def add_unmatched_route(app: FastAPI) -> None:
    """Add a last route under ``/api``, for every method: 405 with ``Allow`` for a path the
    spec lists with other methods, else 404 naming the path.

    Without it the UI, mounted at ``/``, would take a ``TRACE /api/health`` and answer 404 as
    if the path did not exist. ``Allow`` is what the spec lists for the most specific of its
    paths that matches (``/flow_runs/filter`` is POST, not the methods of
    ``/flow_runs/{flow_run_id}``), so the answer and the spec agree. Call it after every API
    router is included (it matches every path) and before the UI is mounted.
    """
    from starlette.routing import Route

    # An ASGI app as endpoint with ``methods=None``: the route matches every method.
    app.router.routes.append(
        Route("/api/{rest:path}", _Unmatched(), methods=None, include_in_schema=False)
    )


def exact_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI spec say exactly what the server's validation does, in place.

    - A discriminated union's tag is required in each member (pydantic leaves it optional
      when it has a default, yet a body without it cannot be told apart and is a 422).
    - Whole-number bounds are integers (FastAPI's spec model writes ``maximum: 2**62`` as the
      float ``4.611686018427388e+18``, which readers take as a float bound).
    - A set's items need not be unique in a request (pydantic's set takes ``["a", "a"]`` as
      ``{"a"}``): ``uniqueItems`` would promise a refusal the server does not make.
    - The values a filter matches against are plain scalars (``riverrun._api.wire.Body``
      refuses objects there), where the filter schemas say ``list[Any]``.
    - A duration is seconds or ISO 8601 text as pydantic writes it (``P1Y35DT3.25S``), where
      pydantic's schema says JSON Schema's ``duration``, RFC 3339's, which has no fractions
      of a second and no years without months: the server reads and writes both forms.
    - A path parameter is never empty (``minLength: 1``).
    """
    components = spec.get("components", {}).get("schemas", {})
    _scalar_filter_values(components)

    def member(ref: str) -> dict[str, Any] | None:
        name = ref.rsplit("/", 1)[-1]
        found = components.get(name)
        return found if isinstance(found, dict) else None

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        tag = (
            node.get("discriminator", {}).get("propertyName")
            if isinstance(node.get("discriminator"), dict)
            else None
        )
        if tag:
            for choice in node.get("oneOf") or node.get("anyOf") or []:
                target = member(choice["$ref"]) if "$ref" in choice else choice
                if target is not None and tag in target.get("properties", {}):
                    required = target.setdefault("required", [])
                    if tag not in required:
                        required.append(tag)
        if node.get("uniqueItems") is True:
            del node["uniqueItems"]
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            value = node.get(bound)
            if type(value) is float and value.is_integer() and node.get("type") == "integer":
                node[bound] = int(value)
        for value in node.values():
            walk(value)
        # After the walk below it, which would find the RFC 3339 member again.
        if node.get("type") == "string" and node.get("format") == "duration":
            rest = {k: v for k, v in node.items() if k not in ("type", "format")}
            node.clear()
            node.update(rest, anyOf=copy.deepcopy(_DURATION))

    walk(spec)
    _nonempty_path_parameters(spec)
    return spec


def _nonempty_path_parameters(spec: dict[str, Any]) -> None:
    """A path parameter is never empty: ``/task_runs//set_state`` is not a call of
    ``/task_runs/{id}/set_state`` (clients such as schemathesis collapse the ``//`` and reach
    ``/task_runs/{id}`` with another method, a 405), so the spec says ``minLength: 1``."""
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)


# What pydantic writes for a timedelta: days and seconds, with years of 365 days split off.
_ISO_DATE = r"(\d+Y(\d+D)?|\d+D)"
_ISO_TIME = r"T(\d+H(\d+M)?(\d+(\.\d+)?S)?|\d+M(\d+(\.\d+)?S)?|\d+(\.\d+)?S)"
_DURATION = [
    {"type": "number"},
    {"type": "string", "format": "duration"},
    {"type": "string", "pattern": f"^-?P({_ISO_DATE}({_ISO_TIME})?|{_ISO_TIME})$"},
]

_SCALAR = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]}


def _scalar_filter_values(components: dict[str, Any]) -> None:
    from riverrun.schemas.filters import RiverrunFilterBaseModel

    names: set[str] = set()
    todo = [RiverrunFilterBaseModel]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    for name in names & components.keys():
        for prop in components[name].get("properties", {}).values():
            for choice in prop.get("anyOf", [prop]):
                if choice.get("type") == "array" and not choice.get("items"):
                    choice["items"] = _SCALAR
