"""What every resource module shares: paging bounds, request bodies' base, fast JSON out."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

# PostgreSQL's LIMIT/OFFSET are bigints; anything past this is a mistake, not a page.
_MAX_PAGE = 2**62

Limit = Annotated[int | None, Field(default=None, ge=0, le=_MAX_PAGE)]
Offset = Annotated[int, Field(default=0, ge=0, le=_MAX_PAGE)]


class Body(BaseModel):
    """Base of the API's request bodies: an unknown field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def json_response(tp: Any, value: Any, status_code: int = 200) -> Response:
    """Serialize ``value`` as ``tp`` straight to JSON bytes.

    Returning a ``Response`` skips FastAPI's re-validation of the route's ``response_model``
    (which still documents the shape in OpenAPI); the objects come from the store already
    validated, and a page of 200 runs serializes ~3x faster this way.
    """
    content = _adapter(tp).dump_json(value)
    return Response(content=content, status_code=status_code, media_type="application/json")


NO_CONTENT = 204
