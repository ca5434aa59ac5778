"""Block methods of the client whose Prefect shape differs from the operation they use
(the other block operations are generated from the table, as they are).

Secret values travel in plain between client and store (in-process, or over loopback/TLS
to a server); the store encrypts them before they reach the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union
from uuid import UUID

if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI
    from riverrun.schemas.blocks import BlockDocument, BlockDocumentCreate, BlockSchema


class BlockClientMixin:
    """Prefect-shaped block methods mixed into the sync client."""

    _backend: StoreAPI

    def read_block_schemas(self) -> list[BlockSchema]:
        """Every registered block schema, newest first."""
        return self._backend.read_block_schemas()

    def get_most_recent_block_schema_for_block_type(
        self, block_type_id: Union[UUID, str]
    ) -> Optional[BlockSchema]:
        """The newest schema of a block type, or None if it has none."""
        schemas = self._backend.read_block_schemas(block_type_id=str(block_type_id))
        return schemas[0] if schemas else None

    def create_block_document(
        self,
        block_document: BlockDocumentCreate,
        include_secrets: bool = True,
        overwrite: bool = False,
    ) -> BlockDocument:
        """Save a block; raises ``ObjectAlreadyExists`` if the name is taken and not
        ``overwrite``."""
        return self._backend.create_block_document(
            block_document, overwrite=overwrite, include_secrets=include_secrets
        )

    def read_block_documents(
        self,
        block_schema_type: Optional[str] = None,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
        include_secrets: bool = True,
    ) -> list[BlockDocument]:
        """Saved blocks (of one type slug, if given), by type then name."""
        return self._backend.read_block_documents(
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
