"""Block methods of the client, named as Prefect's (the async client derives from them).

Secret values travel in plain between client and store (in-process, or over loopback/TLS
to a server); the store encrypts them before they reach the database.
"""

from __future__ import annotations

from typing import Any, Optional

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


class BlockClientMixin:
    """Block methods mixed into the sync client (the async client derives from it)."""

    def _block_backend(self) -> Any:
        """Where block calls go: an object with the ``BlockStoreMixin`` methods.

        The embedded store itself, or the HTTP transport's adapter in remote mode.
        """
        return self._store  # type: ignore[attr-defined]

    def create_block_type(self, block_type: BlockTypeCreate) -> BlockType:
        """Create a block type, or update the one with the same slug."""
        return self._block_backend().create_block_type(block_type)

    def update_block_type(self, block_type_id: str, block_type: BlockTypeUpdate) -> None:
        """Change a block type's logo, documentation URL, description or code example."""
        self._block_backend().update_block_type(block_type_id, block_type)

    def read_block_type_by_slug(self, slug: str) -> BlockType:
        """A block type by slug; raises ``ObjectNotFound``."""
        return self._block_backend().read_block_type_by_slug(slug)

    def read_block_types(self) -> list[BlockType]:
        """Every registered block type."""
        return self._block_backend().read_block_types()

    def delete_block_type(self, block_type_id: str) -> None:
        """Delete a block type with its schemas and saved blocks."""
        self._block_backend().delete_block_type(block_type_id)

    def create_block_schema(self, block_schema: BlockSchemaCreate) -> BlockSchema:
        """Register a block schema (idempotent by checksum and version)."""
        return self._block_backend().create_block_schema(block_schema)

    def read_block_schema_by_checksum(
        self, checksum: str, version: Optional[str] = None
    ) -> BlockSchema:
        """A block schema by checksum (and version); raises ``ObjectNotFound``."""
        return self._block_backend().read_block_schema_by_checksum(checksum, version)

    def read_block_schemas(self) -> list[BlockSchema]:
        """Every registered block schema, newest first."""
        return self._block_backend().read_block_schemas()

    def create_block_document(
        self,
        block_document: BlockDocumentCreate,
        include_secrets: bool = True,
        overwrite: bool = False,
    ) -> BlockDocument:
        """Save a block; raises ``ObjectAlreadyExists`` if the name is taken and not
        ``overwrite``."""
        return self._block_backend().create_block_document(
            block_document, overwrite=overwrite, include_secrets=include_secrets
        )

    def update_block_document(
        self, block_document_id: str, block_document: BlockDocumentUpdate
    ) -> None:
        """Replace or merge a saved block's values."""
        self._block_backend().update_block_document(block_document_id, block_document)

    def delete_block_document(self, block_document_id: str) -> None:
        """Delete a saved block by id; raises ``ObjectNotFound``."""
        self._block_backend().delete_block_document(block_document_id)

    def read_block_document(
        self, block_document_id: str, include_secrets: bool = True
    ) -> BlockDocument:
        """A saved block by id; raises ``ObjectNotFound``."""
        return self._block_backend().read_block_document(block_document_id, include_secrets)

    def read_block_document_by_name(
        self, name: str, block_type_slug: str, include_secrets: bool = True
    ) -> BlockDocument:
        """A saved block by name and type slug; ``ObjectNotFound`` names the closest ones."""
        return self._block_backend().read_block_document_by_name(
            name, block_type_slug, include_secrets
        )

    def read_block_documents(
        self,
        block_schema_type: Optional[str] = None,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
        include_secrets: bool = True,
    ) -> list[BlockDocument]:
        """Saved blocks (of one type slug, if given), by type then name."""
        return self._block_backend().read_block_documents(
            block_type_slug=block_schema_type,
            include_secrets=include_secrets,
            offset=offset or 0,
            limit=limit,
        )

    def read_block_documents_by_type(
        self,
        block_type_slug: str,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
        include_secrets: bool = True,
    ) -> list[BlockDocument]:
        """Saved blocks of one type."""
        return self.read_block_documents(block_type_slug, offset, limit, include_secrets)
