"""Blocks: block types, block schemas and saved block documents."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import operation
from riverrun.schemas import blocks as b


class BlocksAPI(Protocol):
    """The block operations."""

    @operation("POST", "/block_types/", body="block_type", status_code=201)
    def create_block_type(self, block_type: b.BlockTypeCreate) -> b.BlockType:
        """Create (or update, by slug) a block type."""
        ...

    @operation("PATCH", "/block_types/{block_type_id}", body="block_type", status_code=204)
    def update_block_type(self, block_type_id: str, block_type: b.BlockTypeUpdate) -> None:
        """Change a block type's presentation."""
        ...

    @operation("GET", "/block_types/slug/{slug}")
    def read_block_type_by_slug(self, slug: str) -> b.BlockType:
        """A block type by slug; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/block_types/filter")
    def read_block_types(self) -> list[b.BlockType]:
        """Every block type."""
        ...

    @operation("DELETE", "/block_types/{block_type_id}", status_code=204)
    def delete_block_type(self, block_type_id: str) -> None:
        """Delete a block type with its schemas and documents."""
        ...

    @operation("POST", "/block_schemas/", body="block_schema", status_code=201)
    def create_block_schema(self, block_schema: b.BlockSchemaCreate) -> b.BlockSchema:
        """Register a block schema (or return the one with the same checksum)."""
        ...

    @operation("GET", "/block_schemas/checksum/{checksum}")
    def read_block_schema_by_checksum(
        self, checksum: str, version: Optional[str] = None
    ) -> b.BlockSchema:
        """A block schema by checksum (and version); raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/block_schemas/filter", client=False)
    def read_block_schemas(self, block_type_id: Optional[str] = None) -> list[b.BlockSchema]:
        """Every block schema (of one type, if given), newest first."""
        ...

    @operation("POST", "/block_documents/", body="block_document", status_code=201, client=False)
    def create_block_document(
        self,
        block_document: b.BlockDocumentCreate,
        overwrite: bool = False,
        include_secrets: bool = True,
    ) -> b.BlockDocument:
        """Save a block; raises ``ObjectAlreadyExists`` if the name is taken and not
        ``overwrite``."""
        ...

    @operation(
        "PATCH", "/block_documents/{block_document_id}", body="block_document", status_code=204
    )
    def update_block_document(
        self, block_document_id: str, block_document: b.BlockDocumentUpdate
    ) -> None:
        """Replace or merge a saved block's values."""
        ...

    @operation("GET", "/block_documents/{block_document_id}")
    def read_block_document(
        self, block_document_id: str, include_secrets: bool = True
    ) -> b.BlockDocument:
        """A saved block by id; raises ``ObjectNotFound``."""
        ...

    @operation("GET", "/block_types/slug/{block_type_slug}/block_documents/name/{name}")
    def read_block_document_by_name(
        self, name: str, block_type_slug: str, include_secrets: bool = True
    ) -> b.BlockDocument:
        """A saved block by name and type slug; ``ObjectNotFound`` names the closest ones."""
        ...

    @operation("POST", "/block_documents/filter", client=False)
    def read_block_documents(
        self,
        block_type_slug: Optional[str] = None,
        include_secrets: bool = False,
        offset: int = 0,
        limit: Optional[int] = None,
    ) -> list[b.BlockDocument]:
        """Saved blocks (of one type, if given), by type then name; secrets masked by default."""
        ...

    @operation("DELETE", "/block_documents/{block_document_id}", status_code=204)
    def delete_block_document(self, block_document_id: str) -> None:
        """Delete a saved block by id; raises ``ObjectNotFound``."""
        ...
