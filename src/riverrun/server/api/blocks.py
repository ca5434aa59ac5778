"""Blocks: block types, block schemas and block documents (saved blocks).

Secret values arrive in plain (over loopback or TLS) and are encrypted by the store before
they reach the database; documents are read with secrets masked unless asked for.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from riverrun.schemas.blocks import (
    BlockDocument,
    BlockDocumentCreate,
    BlockDocumentUpdate,
    BlockSchema,
    BlockSchemaCreate,
    BlockType,
    BlockTypeCreate,
    BlockTypeUpdate,
)
from riverrun.server.api._common import NO_CONTENT, Body, Limit, Offset, json_response
from riverrun.server.deps import StoreDep

block_types = APIRouter(prefix="/block_types", tags=["blocks"])
block_schemas = APIRouter(prefix="/block_schemas", tags=["blocks"])
block_documents = APIRouter(prefix="/block_documents", tags=["blocks"])
routers = (block_types, block_schemas, block_documents)


# -- block types --------------------------------------------------------------------------


@block_types.post("/", response_model=BlockType)
def create_block_type(body: BlockTypeCreate, store: StoreDep) -> Response:
    """Create a block type, or update the one with the same slug."""
    return json_response(BlockType, store.create_block_type(body))


@block_types.post("/filter", response_model=list[BlockType])
def read_block_types(store: StoreDep) -> Response:
    """Every block type, by name."""
    return json_response(list[BlockType], store.read_block_types())


@block_types.get("/slug/{slug}", response_model=BlockType)
def read_block_type_by_slug(slug: str, store: StoreDep) -> Response:
    """A block type by slug (404 naming the closest slugs)."""
    return json_response(BlockType, store.read_block_type_by_slug(slug))


@block_types.patch("/{id}", status_code=NO_CONTENT)
def update_block_type(id: str, body: BlockTypeUpdate, store: StoreDep) -> Response:
    """Change a block type's logo, documentation URL, description or code example."""
    store.update_block_type(id, body)
    return Response(status_code=NO_CONTENT)


@block_types.delete("/{id}", status_code=NO_CONTENT)
def delete_block_type(id: str, store: StoreDep) -> Response:
    """Delete a block type with its schemas and saved blocks."""
    store.delete_block_type(id)
    return Response(status_code=NO_CONTENT)


@block_types.get("/slug/{slug}/block_documents/name/{name:path}", response_model=BlockDocument)
def read_block_document_by_name(
    slug: str, name: str, store: StoreDep, include_secrets: bool = False
) -> Response:
    """A saved block by type slug and name (404 naming the closest names)."""
    doc = store.read_block_document_by_name(name, slug, include_secrets)
    return json_response(BlockDocument, doc)


# -- block schemas ------------------------------------------------------------------------


class BlockSchemaQuery(Body):
    """Restrict block schemas to one type."""

    block_type_id: str | None = None


@block_schemas.post("/", response_model=BlockSchema)
def create_block_schema(body: BlockSchemaCreate, store: StoreDep) -> Response:
    """Register a block schema (idempotent by checksum and version)."""
    return json_response(BlockSchema, store.create_block_schema(body))


@block_schemas.post("/filter", response_model=list[BlockSchema])
def read_block_schemas(store: StoreDep, body: BlockSchemaQuery | None = None) -> Response:
    """Every block schema (of one type, if given), newest first."""
    type_id = body.block_type_id if body else None
    return json_response(list[BlockSchema], store.read_block_schemas(type_id))


@block_schemas.get("/checksum/{checksum}", response_model=BlockSchema)
def read_block_schema_by_checksum(
    checksum: str, store: StoreDep, version: str | None = None
) -> Response:
    """A block schema by checksum (and version; else the newest)."""
    return json_response(BlockSchema, store.read_block_schema_by_checksum(checksum, version))


# -- block documents ----------------------------------------------------------------------


class BlockDocumentQuery(Body):
    """Saved blocks of one type slug (or all), with or without secrets, paged."""

    block_type_slug: str | None = None
    include_secrets: bool = False
    limit: Limit = None
    offset: Offset = 0


@block_documents.post("/", response_model=BlockDocument)
def create_block_document(
    body: BlockDocumentCreate,
    store: StoreDep,
    overwrite: bool = False,
    include_secrets: bool = False,
) -> Response:
    """Save a block (409 if the name is taken and not ``overwrite``)."""
    doc = store.create_block_document(body, overwrite=overwrite, include_secrets=include_secrets)
    return json_response(BlockDocument, doc)


@block_documents.post("/filter", response_model=list[BlockDocument])
def read_block_documents(store: StoreDep, body: BlockDocumentQuery | None = None) -> Response:
    """Saved blocks, by type then name; secrets masked unless ``include_secrets``."""
    q = body or BlockDocumentQuery()
    docs = store.read_block_documents(block_type_slug=q.block_type_slug,
                                      include_secrets=q.include_secrets, offset=q.offset,
                                      limit=q.limit)  # fmt: skip
    return json_response(list[BlockDocument], docs)


@block_documents.get("/{id}", response_model=BlockDocument)
def read_block_document(id: str, store: StoreDep, include_secrets: bool = False) -> Response:
    """A saved block by ID (404 if none)."""
    return json_response(BlockDocument, store.read_block_document(id, include_secrets))


@block_documents.patch("/{id}", status_code=NO_CONTENT)
def update_block_document(id: str, body: BlockDocumentUpdate, store: StoreDep) -> Response:
    """Replace or merge a saved block's values."""
    store.update_block_document(id, body)
    return Response(status_code=NO_CONTENT)


@block_documents.delete("/{id}", status_code=NO_CONTENT)
def delete_block_document(id: str, store: StoreDep) -> Response:
    """Delete a saved block (404 if none)."""
    store.delete_block_document(id)
    return Response(status_code=NO_CONTENT)
