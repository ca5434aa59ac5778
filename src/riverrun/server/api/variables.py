"""Variables: filter, read by name, create, update, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas.actions import VariableCreate, VariableUpdate
from riverrun.schemas.sorting import VariableSort
from riverrun.server.api._common import NO_CONTENT, Body, Limit, Offset, json_response
from riverrun.server.deps import StoreDep

router = APIRouter(prefix="/variables", tags=["variables"])


class VariableQuery(Body):
    """A variable filter, order (default by name) and page."""

    variable_filter: f.VariableFilter | None = None
    sort: VariableSort | None = None
    limit: Limit = None
    offset: Offset = 0


@router.post("/filter", response_model=list[o.Variable])
def read_variables(store: StoreDep, body: VariableQuery | None = None) -> Response:
    """Variables matching the filter."""
    body = body or VariableQuery()
    found = store.read_variables(variable_filter=body.variable_filter, sort=body.sort,
                                 limit=body.limit, offset=body.offset)  # fmt: skip
    return json_response(list[o.Variable], found)


@router.get("/name/{name:path}", response_model=o.Variable)
def read_variable_by_name(name: str, store: StoreDep) -> Response:
    """One variable (404 if none)."""
    found = store.read_variable_by_name(name)
    if found is None:
        raise ObjectNotFound(f"No variable named {name!r}; create it with POST /api/variables/.")
    return json_response(o.Variable, found)


@router.post("/", response_model=o.Variable, status_code=201)
def create_variable(body: VariableCreate, store: StoreDep) -> Response:
    """Create a variable (409 if the name is taken)."""
    created = store.create_variable(body.name, body.value, body.tags)
    return json_response(o.Variable, created, status_code=201)


@router.patch("/name/{name:path}", response_model=o.Variable)
def update_variable(name: str, body: VariableUpdate, store: StoreDep) -> Response:
    """Change a variable's value (if given) and tags (if given); 404 if none."""
    changes: dict[str, Any] = {"tags": body.tags}
    if "value" in body.model_fields_set:
        changes["value"] = body.value
    return json_response(o.Variable, store.update_variable(name, **changes))


@router.put("/name/{name:path}", response_model=o.Variable)
def set_variable(name: str, body: VariableUpdate, store: StoreDep) -> Response:
    """Create the variable or overwrite its value (and tags, if given)."""
    return json_response(o.Variable, store.set_variable(name, body.value, body.tags))


@router.delete("/name/{name:path}", status_code=NO_CONTENT)
def delete_variable_by_name(name: str, store: StoreDep) -> Response:
    """Delete a variable (404 if none)."""
    store.delete_variable_by_name(name)
    return Response(status_code=NO_CONTENT)
