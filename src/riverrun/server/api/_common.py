"""What the server's routes share: fast JSON out (request bodies come from ``riverrun._api.wire``)."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from riverrun._api.wire import Body, adapter

__all__ = ["Body", "json_response"]


def json_response(tp: Any, value: Any, status_code: int = 200) -> Response:
    """Serialize ``value`` as ``tp`` straight to JSON bytes.

    Returning a ``Response`` skips FastAPI's re-validation of the route's ``response_model``
    (which still documents the shape in OpenAPI); the objects come from the store already
    validated, and a page of 200 runs serializes ~3x faster this way.
    """
    content = adapter(tp).dump_json(value)
    return Response(content=content, status_code=status_code, media_type="application/json")
