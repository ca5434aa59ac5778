"""Block types, schemas and documents as the client, the server and the store exchange them.

Also the pure helpers every side needs to treat secret fields the same way: walking the
dotted ``secret_fields`` paths of a schema (``"url"``, ``"headers.*"``, ``"child.token"``)
and masking their values. No I/O and no heavy imports here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: What every listing, repr and CLI shows in place of a secret value.
OBFUSCATED = "**********"

#: Version of a block schema whose class sets no ``_block_schema_version`` (as Prefect).
DEFAULT_BLOCK_SCHEMA_VERSION = "non-versioned"


class _BlockModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class BlockType(_BlockModel):
    """A kind of block (``slack-webhook``): its name, slug, logo and description."""

    id: str
    name: str
    slug: str
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None
    created: datetime | None = None
    updated: datetime | None = None


class BlockSchema(_BlockModel):
    """One version of a block type's fields, identified by the checksum of its JSON schema."""

    id: str
    checksum: str
    fields: dict[str, Any] = Field(default_factory=dict)
    block_type_id: str
    block_type: BlockType | None = None
    capabilities: list[str] = Field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION
    created: datetime | None = None

    @property
    def secret_fields(self) -> list[str]:
        """Dotted paths of the fields stored encrypted and shown masked."""
        return list(self.fields.get("secret_fields", []))


class BlockDocument(_BlockModel):
    """A saved block: a name, its type, the schema it was saved with, and its field values.

    Secret values in ``data`` are plain only when read with ``include_secrets=True``;
    otherwise they are ``**********``.
    """

    id: str
    name: str
    data: dict[str, Any] = Field(default_factory=dict)
    block_schema_id: str
    block_schema: BlockSchema | None = None
    block_type_id: str
    block_type: BlockType | None = None
    block_type_name: str | None = None
    is_anonymous: bool = False
    created: datetime | None = None
    updated: datetime | None = None


class BlockTypeCreate(_BlockModel):
    """Create (or update, by slug) a block type."""

    name: str
    slug: str
    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None


class BlockTypeUpdate(_BlockModel):
    """Change the presentation of a block type."""

    logo_url: str | None = None
    documentation_url: str | None = None
    description: str | None = None
    code_example: str | None = None


class BlockSchemaCreate(_BlockModel):
    """Register a version of a block type's fields (idempotent by checksum and version)."""

    fields: dict[str, Any] = Field(default_factory=dict)
    block_type_id: str
    capabilities: list[str] = Field(default_factory=list)
    version: str = DEFAULT_BLOCK_SCHEMA_VERSION
    checksum: str | None = None


class BlockDocumentCreate(_BlockModel):
    """Save a block's values under a name; secret values travel in plain and are encrypted
    by the store."""

    name: str
    data: dict[str, Any] = Field(default_factory=dict)
    block_schema_id: str
    block_type_id: str
    is_anonymous: bool = False


class BlockDocumentUpdate(_BlockModel):
    """Replace (or merge into) a saved block's values, possibly under a newer schema."""

    block_schema_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    merge_existing_data: bool = True


def transform_secrets(
    data: dict[str, Any], secret_fields: list[str], fn: Callable[[Any], Any]
) -> dict[str, Any]:
    """A copy of ``data`` with ``fn`` applied to every value a secret path names.

    A path is dotted; ``*`` stands for every key of a mapping (or item of a list), so
    ``"headers.*"`` names each header value but keeps the header names readable. Paths
    naming a missing key or a ``None`` value are skipped.
    """
    result = _deep_copy(data)
    for path in secret_fields:
        result = _apply(result, path.split("."), fn)
    return result


def mask_secrets(data: dict[str, Any], secret_fields: list[str]) -> dict[str, Any]:
    """A copy of ``data`` with every secret value replaced by ``**********``."""
    return transform_secrets(data, secret_fields, lambda _value: OBFUSCATED)


def schema_checksum(fields: dict[str, Any]) -> str:
    """The checksum of a block schema's fields: SHA-256 of their canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _apply(node: Any, parts: list[str], fn: Callable[[Any], Any]) -> Any:
    if not parts:
        return node if node is None else fn(node)
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, dict):
            return {k: _apply(v, rest, fn) for k, v in node.items()}
        if isinstance(node, list):
            return [_apply(v, rest, fn) for v in node]
        return node
    if isinstance(node, dict) and head in node:
        node = dict(node)
        node[head] = _apply(node[head], rest, fn)
    return node


__all__ = [
    "DEFAULT_BLOCK_SCHEMA_VERSION",
    "OBFUSCATED",
    "BlockDocument",
    "BlockDocumentCreate",
    "BlockDocumentUpdate",
    "BlockSchema",
    "BlockSchemaCreate",
    "BlockType",
    "BlockTypeCreate",
    "BlockTypeUpdate",
    "mask_secrets",
    "schema_checksum",
    "transform_secrets",
]
