"""Variable forms: create a variable, edit its value and tags, delete it, through the variable
operations of the table (``_api/variables.py``). The list itself is ``catalog.variables``.

Names travel in the query string or the form body, not the path: a name may hold ``/``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.server.ui import data, session
from riverrun.server.ui.catalog import offset_of
from riverrun.server.ui.render import page

router = APIRouter()
_csrf = [Depends(session.require_csrf)]
EMPTY = {"name": "", "value": "", "tags": ""}


def names(text: str) -> list[str]:
    """Comma-separated tags, stripped, without blanks or repeats."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def _value(text: str, errors: dict[str, str]) -> Any:
    """The value typed as JSON (``"text"`` with quotes, ``42``, ``{"a": 1}``...)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        errors["value"] = (f"Not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}): "
                           'a text needs double quotes, such as "hello"; numbers, true, false, '
                           "null, lists and objects are written as in JSON.")  # fmt: skip
        return None


def values_of(variable: Any) -> dict[str, str]:
    """A variable as its form shows it (the value as indented JSON)."""
    return {"name": variable.name, "value": json.dumps(variable.value, indent=2),
            "tags": ", ".join(variable.tags)}  # fmt: skip


def create(store: data.UIStore, form: dict[str, str]) -> dict[str, str]:
    """Create a variable from the form; errors by field (no name, a name taken, not JSON)."""
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    if not name:
        errors["name"] = "Give the variable a name, such as slack_channel."
    value = _value(form.get("value", ""), errors)
    if errors:
        return errors
    try:
        store.create_variable(name, value, names(form.get("tags", "")))
    except ObjectAlreadyExists as exc:
        return {"name": str(exc)}
    return {}


def update(store: data.UIStore, name: str, form: dict[str, str]) -> dict[str, str]:
    """Change a variable's value and tags; errors by field."""
    errors: dict[str, str] = {}
    value = _value(form.get("value", ""), errors)
    if errors:
        return errors
    store.update_variable(name, value, names(form.get("tags", "")))
    return {}


def _list(request: Request, status_code: int, state: dict[str, Any]) -> Response:
    offset = offset_of(request)
    rows = data.variables(request.app.state.store, "", offset)
    return page(request, "variables.html", status_code=status_code, variables=rows[: data.PAGE],
                more=len(rows) > data.PAGE, offset=offset, q="", new=state, notice="")  # fmt: skip


def _done(notice: str) -> Response:
    return RedirectResponse("/variables?" + urlencode({"notice": notice}), status_code=303)


@router.post("/variables", response_class=HTMLResponse, dependencies=_csrf)
async def create_variable(request: Request) -> Response:
    """Create a variable; a value refused comes back at its field with what was typed."""
    form = dict(await session.form_pairs(request))
    errors = await run_in_threadpool(create, request.app.state.store, form)
    if errors:
        state = {"values": form, "errors": errors}
        return await run_in_threadpool(_list, request, 422, state)
    return _done(f"Created the variable {form.get('name', '').strip()!r}.")


def _edit_page(request: Request, name: str, status_code: int = 200,
               state: dict[str, Any] | None = None) -> Response:  # fmt: skip
    found = request.app.state.store.read_variable_by_name(name)
    if found is None:
        raise ObjectNotFound(f"No variable named {name!r}; the Variables page lists them.")
    form = state or {"values": values_of(found), "errors": {}}
    return page(request, "variable.html", status_code=status_code, variable=found, form=form)


@router.get("/variables/edit", response_class=HTMLResponse)
def edit_variable(request: Request, name: str = "") -> Response:
    """One variable's form: its value as JSON and its tags."""
    return _edit_page(request, name)


@router.post("/variables/edit", response_class=HTMLResponse, dependencies=_csrf)
async def save_variable(request: Request, name: str = "") -> Response:
    """Save a variable's value and tags, then back to the list."""
    form = dict(await session.form_pairs(request))
    errors = await run_in_threadpool(update, request.app.state.store, name, form)
    if errors:
        state = {"values": {**form, "name": name}, "errors": errors}
        return await run_in_threadpool(_edit_page, request, name, 422, state)
    return _done(f"Saved the variable {name!r}.")


@router.post("/variables/delete", dependencies=_csrf)
async def delete_variable(request: Request) -> Response:
    """Delete the variable named in the form."""
    name = dict(await session.form_pairs(request)).get("name", "")
    await run_in_threadpool(request.app.state.store.delete_variable_by_name, name)
    return _done(f"Deleted the variable {name!r}.")
