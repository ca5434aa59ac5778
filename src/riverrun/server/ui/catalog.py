"""Pages about what runs use: flows, blocks (catalog, create and edit from the block schema),
variables, artifacts, settings/about, and the login page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas.blocks import BlockDocument, BlockSchema, BlockType
from riverrun.server.ui import artifacts as art
from riverrun.server.ui import data, forms, session
from riverrun.server.ui.render import page
from riverrun.server.ui.runs import WINDOWS

router = APIRouter()
public = APIRouter()


def offset_of(request: Request) -> int:
    """The `offset` of a paged list from the URL (0 when missing or not a number)."""
    text = request.query_params.get("offset", "0")
    return max(0, int(text)) if text.isdigit() else 0


def _listing(
    request: Request,
    template: str,
    key: str,
    read: Callable[..., list[Any]],
    q: str,
    **extra: Any,
) -> Response:
    """A page of a list searched by name on the server, read one row past the page."""
    offset = offset_of(request)
    rows = read(request.app.state.store, q.strip(), offset)
    context: dict[str, Any] = {
        key: rows[: data.PAGE],
        "more": len(rows) > data.PAGE,
        "offset": offset,
        "q": q,
        **extra,
    }
    return page(request, template, **context)


@router.get("/flows", response_class=HTMLResponse)
def flows(request: Request, q: str = "") -> Response:
    """Flows by name, searched on the server."""
    return _listing(request, "flows.html", "flows", data.flows, q)


@router.get("/flows/{flow_id}", response_class=HTMLResponse)
def flow(request: Request, flow_id: str) -> Response:
    """A flow: its deployments and its latest runs."""
    store = request.app.state.store
    found = data.flow(store, flow_id)
    result = data.runs_page(store, data.RunQuery(flows=(found.name,)))
    return page(request, "flow.html", flow=found, deployments=data.deployments_of(store, flow_id),
                result=result)  # fmt: skip


# -- blocks -----------------------------------------------------------------------------------


@router.get("/blocks", response_class=HTMLResponse)
def blocks(request: Request) -> Response:
    """Saved blocks, and the catalog of block types to create one from."""
    store = request.app.state.store
    offset = offset_of(request)
    docs = data.block_documents(store, offset)
    return page(request, "blocks.html", documents=docs[: data.PAGE], more=len(docs) > data.PAGE,
                offset=offset, types=data.block_types(store))  # fmt: skip


def _block_form(request: Request, block_type: BlockType, schema: BlockSchema | None,
                doc: BlockDocument | None, values: dict[str, Any] | None,
                errors: dict[str, str], name: str = "", status: int = 200,
                submitted: dict[str, str] | None = None) -> Response:  # fmt: skip
    fields = (
        forms.render_form(schema.fields, values, errors, submitted=submitted) if schema else None
    )
    return page(request, "block_form.html", block_type=block_type, doc=doc, fields=fields,
                errors=errors, name=name or (doc.name if doc else ""), status_code=status)  # fmt: skip


@router.get("/blocks/new/{slug}", response_class=HTMLResponse)
def new_block(request: Request, slug: str) -> Response:
    """The form to create a block of a type, drawn from its newest schema."""
    store = request.app.state.store
    block_type = data.block_type(store, slug)
    return _block_form(
        request, block_type, data.block_schema_of(store, block_type.id), None, None, {}
    )


@router.get("/blocks/{block_id}", response_class=HTMLResponse)
def edit_block(request: Request, block_id: str) -> Response:
    """The form to edit a saved block; secret fields are never sent to the browser."""
    store = request.app.state.store
    doc = data.block_document(store, block_id)
    block_type = data.block_type(store, doc.block_type.slug) if doc.block_type else None
    if block_type is None:
        raise ObjectNotFound(f"The block {block_id!r} has no type.")
    return _block_form(request, block_type, doc.block_schema, doc, doc.data, {})


@router.post(
    "/blocks/save/{slug}", response_class=HTMLResponse, dependencies=[Depends(session.require_csrf)]
)
async def save_block(request: Request, slug: str) -> Response:
    """Create or update a block from the submitted form; errors come back at their fields."""
    from starlette.concurrency import run_in_threadpool

    pairs = await session.form_pairs(request)
    return await run_in_threadpool(_save_block, request, slug, pairs)


def _save_block(request: Request, slug: str, pairs: list[tuple[str, str]]) -> Response:
    store = request.app.state.store
    block_type = data.block_type(store, slug)
    fields = dict(pairs)
    doc_id = fields.get("document_id", "")
    doc = data.block_document(store, doc_id, include_secrets=True) if doc_id else None
    schema = (doc.block_schema if doc else None) or data.block_schema_of(store, block_type.id)
    if schema is None:
        raise ObjectNotFound(
            f"The block type {slug!r} has no schema yet; register it with `riverrun block register`."
        )
    name = fields.get("name", "").strip()
    secrets = {path: _dig(doc.data, path) for path in schema.secret_fields} if doc else {}
    values, errors = forms.parse_form(schema.fields, pairs, secrets=secrets)
    if not doc and not name:
        errors["name"] = "Give the block a name (letters, digits and dashes)."
    if errors:
        shown = {**(doc.data if doc else {}), **values}
        return _block_form(
            request, block_type, schema, doc, shown, errors, name, status=422, submitted=fields
        )
    try:
        saved = data.save_block_document(store, name=name, block_type=block_type, schema=schema,
                                         data=values, existing=doc)  # fmt: skip
    except ObjectAlreadyExists as exc:
        return _block_form(
            request, block_type, schema, doc, values, {"name": str(exc)}, name, status=422
        )
    return RedirectResponse(f"/blocks/{saved.id}?saved=1", status_code=303)


def _dig(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# -- variables, artifacts, settings ----------------------------------------------------------


@router.get("/variables", response_class=HTMLResponse)
def variables(request: Request, q: str = "") -> Response:
    """Variables by name, searched on the server."""
    return _listing(request, "variables.html", "variables", data.variables, q,
                    new={"values": {"name": "", "value": "", "tags": ""}, "errors": {}},
                    notice=request.query_params.get("notice", ""))  # fmt: skip


@router.get("/artifacts", response_class=HTMLResponse)
def artifacts(request: Request) -> Response:
    """The latest artifacts of every run."""
    rows = data.artifacts_of(request.app.state.store)
    return page(request, "artifacts.html", artifacts=[art.view(a) for a in rows])


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request) -> Response:
    """Version, database and auth of this server."""
    return page(request, "settings.html", about=data.about(request.app.state.store),
                config=request.app.state.config, windows=WINDOWS)  # fmt: skip


# -- login ----------------------------------------------------------------------------------------


def _safe_next(target: str) -> str:
    # Only a path on this server: never an address elsewhere (an open redirect).
    return target if target.startswith("/") and not target.startswith("//") else "/"


@public.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", reason: str = "") -> Response:
    """The login form: an API key in, a session cookie out."""
    return page(request, "login.html", next=_safe_next(next), error=reason or None)


@public.post("/login", response_class=HTMLResponse, dependencies=[Depends(session.require_csrf)])
async def login(request: Request) -> Response:
    """Check the key; on success set the session cookie and go where the user was going."""
    from starlette.concurrency import run_in_threadpool

    form = dict(await session.form_pairs(request))
    key = form.get("api_key", "").strip()
    target = _safe_next(form.get("next", "/"))
    if not key:
        return page(request, "login.html", next=target, error="Paste an API key.", status_code=422)
    problem = await run_in_threadpool(session.check_key, request.app.state.store, key)
    if problem:
        return page(request, "login.html", next=target, error=problem, status_code=401)
    response = RedirectResponse(target, status_code=303)
    session.start_session(response, key)
    return response


@public.post("/logout", dependencies=[Depends(session.require_csrf)])
def logout() -> Response:
    """End the session."""
    response = RedirectResponse("/login", status_code=303)
    session.end_session(response)
    return response
