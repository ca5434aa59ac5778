"""Block types, schemas and documents in the store, with secret fields encrypted at rest.

Encryption happens here, in the service layer, so that every way in (the embedded client
in-process, the server's routes for a remote client) stores the same thing: the client
sends secret values in plain (over loopback or TLS) and the store replaces each value a
schema's ``secret_fields`` names with a Fernet token before it reaches the database.

The key lives outside the database: ``RIVERRUN_SERVER_ENCRYPTION_KEY`` when set (a server
with a shared PostgreSQL), else ``$RIVERRUN_HOME/fernet.key``, created on first use with
mode 0600.
"""

from __future__ import annotations

import difflib
import json
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from riverrun._internal.clock import from_us, now_us
from riverrun._internal.ids import new_id
from riverrun._store.encryption import decrypt_data, encrypt_data
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas.blocks import (
    DEFAULT_BLOCK_SCHEMA_VERSION,
    BlockDocument,
    BlockDocumentCreate,
    BlockDocumentUpdate,
    BlockSchema,
    BlockSchemaCreate,
    BlockType,
    BlockTypeCreate,
    BlockTypeUpdate,
    mask_secrets,
    schema_checksum,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row


class BlockStoreMixin:
    """Block persistence methods mixed into ``Store`` (which provides ``begin``/``connect``)."""

    if TYPE_CHECKING:

        def begin(self) -> AbstractContextManager[Connection]: ...

        def connect(self) -> AbstractContextManager[Connection]: ...

    # -- block types -------------------------------------------------------------------

    def create_block_type(self, block_type: BlockTypeCreate) -> BlockType:
        """Create a block type, or update the presentation of the one with the same slug."""
        from sqlalchemy import insert, select, update

        from riverrun._store.tables import block_type as t

        now = now_us()
        values = block_type.model_dump()
        with self.begin() as conn:
            row = conn.execute(select(t).where(t.c.slug == block_type.slug)).first()
            if row is None:
                conn.execute(insert(t).values(id=new_id(), created=now, updated=now, **values))
            else:
                changed = {k: v for k, v in values.items() if getattr(row, k) != v}
                if changed:
                    conn.execute(update(t).where(t.c.id == row.id).values(updated=now, **changed))
            row = conn.execute(select(t).where(t.c.slug == block_type.slug)).one()
        return _block_type(row)

    def update_block_type(self, block_type_id: str, block_type: BlockTypeUpdate) -> None:
        """Change a block type's logo, documentation URL, description or code example."""
        from sqlalchemy import update

        from riverrun._store.tables import block_type as t

        values = block_type.model_dump(exclude_unset=True)
        with self.begin() as conn:
            result = conn.execute(
                update(t).where(t.c.id == block_type_id).values(updated=now_us(), **values)
            )
        if result.rowcount == 0:
            raise ObjectNotFound(f"No block type with id {block_type_id!r}.")

    def read_block_type_by_slug(self, slug: str) -> BlockType:
        """The block type with this slug; ``ObjectNotFound`` names the closest slugs."""
        from sqlalchemy import select

        from riverrun._store.tables import block_type as t

        with self.connect() as conn:
            row = conn.execute(select(t).where(t.c.slug == slug)).first()
            if row is None:
                slugs = list(conn.execute(select(t.c.slug)).scalars())
        if row is None:
            raise ObjectNotFound(
                f"No block type {slug!r}{_did_you_mean(slug, slugs)} "
                "`riverrun block type ls` lists them; a custom type is registered when a "
                "block of it is first saved, or with `riverrun block register -m MODULE`."
            )
        return _block_type(row)

    def read_block_types(self) -> list[BlockType]:
        """Every block type, by name."""
        from sqlalchemy import select

        from riverrun._store.tables import block_type as t

        with self.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.name)).all()
        return [_block_type(r) for r in rows]

    def delete_block_type(self, block_type_id: str) -> None:
        """Delete a block type with its schemas and documents."""
        from sqlalchemy import delete

        from riverrun._store.tables import block_document, block_schema
        from riverrun._store.tables import block_type as t

        with self.begin() as conn:
            # Explicit, not ON DELETE CASCADE alone: SQLite only cascades with foreign_keys on.
            conn.execute(
                delete(block_document).where(block_document.c.block_type_id == block_type_id)
            )
            conn.execute(delete(block_schema).where(block_schema.c.block_type_id == block_type_id))
            result = conn.execute(delete(t).where(t.c.id == block_type_id))
        if result.rowcount == 0:
            raise ObjectNotFound(f"No block type with id {block_type_id!r}.")

    # -- block schemas -----------------------------------------------------------------

    def create_block_schema(self, block_schema: BlockSchemaCreate) -> BlockSchema:
        """Register a schema; registering the same checksum and version again is a no-op."""
        from sqlalchemy import insert, select

        from riverrun._store.tables import block_schema as s

        checksum = block_schema.checksum or schema_checksum(block_schema.fields)
        version = block_schema.version or DEFAULT_BLOCK_SCHEMA_VERSION
        where = (s.c.checksum == checksum) & (s.c.version == version)
        with self.begin() as conn:
            row = conn.execute(select(s).where(where)).first()
            if row is None:
                conn.execute(
                    insert(s).values(
                        id=new_id(),
                        checksum=checksum,
                        block_type_id=block_schema.block_type_id,
                        fields=json.dumps(block_schema.fields),
                        capabilities=json.dumps(block_schema.capabilities),
                        version=version,
                        created=now_us(),
                    )
                )
                row = conn.execute(select(s).where(where)).one()
        return self._with_type(_block_schema(row))

    def read_block_schema_by_checksum(
        self, checksum: str, version: str | None = None
    ) -> BlockSchema:
        """The schema with this checksum (and version, if given; else the newest)."""
        from sqlalchemy import select

        from riverrun._store.tables import block_schema as s

        query = select(s).where(s.c.checksum == checksum)
        if version is not None:
            query = query.where(s.c.version == version)
        with self.connect() as conn:
            row = conn.execute(query.order_by(s.c.created.desc())).first()
        if row is None:
            raise ObjectNotFound(f"No block schema with checksum {checksum!r}.")
        return self._with_type(_block_schema(row))

    def read_block_schemas(self, block_type_id: str | None = None) -> list[BlockSchema]:
        """Every block schema (of one type, if given), newest first."""
        from sqlalchemy import select

        from riverrun._store.tables import block_schema as s

        query = select(s).order_by(s.c.created.desc())
        if block_type_id is not None:
            query = query.where(s.c.block_type_id == block_type_id)
        with self.connect() as conn:
            rows = conn.execute(query).all()
        return [_block_schema(r) for r in rows]

    def _with_type(self, schema: BlockSchema) -> BlockSchema:
        from sqlalchemy import select

        from riverrun._store.tables import block_type as t

        with self.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == schema.block_type_id)).one()
        schema.block_type = _block_type(row)
        return schema

    # -- block documents ---------------------------------------------------------------

    def create_block_document(
        self,
        block_document: BlockDocumentCreate,
        overwrite: bool = False,
        include_secrets: bool = True,
    ) -> BlockDocument:
        """Save a block's values under a name, encrypting its secret fields.

        Raises ``ObjectAlreadyExists`` if a block of that type already has the name and
        ``overwrite`` is false; with ``overwrite`` the values and schema are replaced.
        """
        from sqlalchemy import insert, select, update

        from riverrun._store.tables import block_document as d

        now = now_us()
        with self.begin() as conn:
            schema = _schema_by_id(conn, block_document.block_schema_id)
            data = json.dumps(encrypt_data(block_document.data, schema.secret_fields))
            existing = conn.execute(
                select(d.c.id).where(
                    (d.c.block_type_id == block_document.block_type_id)
                    & (d.c.name == block_document.name)
                )
            ).first()
            if existing is not None and not overwrite:
                slug = _type_slug(conn, block_document.block_type_id)
                raise ObjectAlreadyExists(
                    f"A block named {block_document.name!r} of type {slug!r} already exists; "
                    "pass overwrite=True to replace it."
                )
            if existing is None:
                doc_id = new_id()
                conn.execute(
                    insert(d).values(
                        id=doc_id,
                        name=block_document.name,
                        block_type_id=block_document.block_type_id,
                        block_schema_id=block_document.block_schema_id,
                        data=data,
                        is_anonymous=block_document.is_anonymous,
                        created=now,
                        updated=now,
                    )
                )
            else:
                doc_id = existing.id
                conn.execute(
                    update(d)
                    .where(d.c.id == doc_id)
                    .values(block_schema_id=block_document.block_schema_id, data=data, updated=now)
                )
        return self.read_block_document(doc_id, include_secrets=include_secrets)

    def update_block_document(
        self, block_document_id: str, block_document: BlockDocumentUpdate
    ) -> None:
        """Replace (or merge into) a saved block's values, possibly under a newer schema."""
        from sqlalchemy import select, update

        from riverrun._store.tables import block_document as d

        with self.begin() as conn:
            row = conn.execute(select(d).where(d.c.id == block_document_id)).first()
            if row is None:
                raise ObjectNotFound(f"No block document with id {block_document_id!r}.")
            old_schema = _schema_by_id(conn, row.block_schema_id)
            schema_id = block_document.block_schema_id or row.block_schema_id
            schema = _schema_by_id(conn, schema_id)
            data = dict(block_document.data)
            if block_document.merge_existing_data:
                old = decrypt_data(json.loads(row.data), old_schema.secret_fields, row.name)
                data = {**old, **data}
            conn.execute(
                update(d)
                .where(d.c.id == block_document_id)
                .values(
                    block_schema_id=schema_id,
                    data=json.dumps(encrypt_data(data, schema.secret_fields)),
                    updated=now_us(),
                )
            )

    def read_block_document(
        self, block_document_id: str, include_secrets: bool = True
    ) -> BlockDocument:
        """A saved block by id."""
        from riverrun._store.tables import block_document as d

        docs = self._read_documents(d.c.id == block_document_id, include_secrets)
        if not docs:
            raise ObjectNotFound(f"No block document with id {block_document_id!r}.")
        return docs[0]

    def read_block_document_by_name(
        self, name: str, block_type_slug: str, include_secrets: bool = True
    ) -> BlockDocument:
        """A saved block by type slug and name; ``ObjectNotFound`` names the closest names."""
        from sqlalchemy import select

        from riverrun._store.tables import block_document as d
        from riverrun._store.tables import block_type as t

        docs = self._read_documents(
            (t.c.slug == block_type_slug) & (d.c.name == name), include_secrets
        )
        if docs:
            return docs[0]
        with self.connect() as conn:
            type_id = conn.execute(select(t.c.id).where(t.c.slug == block_type_slug)).scalar()
            if type_id is None:
                slugs = list(conn.execute(select(t.c.slug)).scalars())
                raise ObjectNotFound(
                    f"No block named {name!r} of type {block_type_slug!r}: no block of that "
                    f"type was ever saved{_did_you_mean(block_type_slug, slugs)} "
                    "`riverrun block ls` lists the saved blocks."
                )
            names = list(
                conn.execute(select(d.c.name).where(d.c.block_type_id == type_id)).scalars()
            )
        raise ObjectNotFound(
            f"No block named {name!r} of type {block_type_slug!r}{_did_you_mean(name, names)} "
            "`riverrun block ls` lists them."
        )

    def read_block_documents(
        self,
        block_type_slug: str | None = None,
        include_secrets: bool = False,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[BlockDocument]:
        """Saved blocks (of one type, if given), by type then name; secrets masked by default."""
        from sqlalchemy import true

        from riverrun._store.tables import block_type as t

        where = t.c.slug == block_type_slug if block_type_slug is not None else true()
        return self._read_documents(where, include_secrets, offset=offset, limit=limit)

    def delete_block_document(self, block_document_id: str) -> None:
        """Delete a saved block by id."""
        from sqlalchemy import delete

        from riverrun._store.tables import block_document as d

        with self.begin() as conn:
            result = conn.execute(delete(d).where(d.c.id == block_document_id))
        if result.rowcount == 0:
            raise ObjectNotFound(f"No block document with id {block_document_id!r}.")

    def _read_documents(
        self,
        where: Any,
        include_secrets: bool,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[BlockDocument]:
        from sqlalchemy import select

        from riverrun._store.tables import block_document as d
        from riverrun._store.tables import block_schema as s
        from riverrun._store.tables import block_type as t

        query = (
            select(d, s, t)
            .join(t, t.c.id == d.c.block_type_id)
            .join(s, s.c.id == d.c.block_schema_id)
            .where(where)
            .order_by(t.c.slug, d.c.name)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.connect() as conn:
            rows = conn.execute(query).all()
        nd, ns = len(d.c), len(s.c)
        return [
            document_from_rows(
                dict(zip(d.c.keys(), row[:nd], strict=True)),
                dict(zip(s.c.keys(), row[nd : nd + ns], strict=True)),
                dict(zip(t.c.keys(), row[nd + ns :], strict=True)),
                include_secrets,
            )
            for row in rows
        ]


def document_from_rows(
    doc_row: dict[str, Any],
    schema_row: dict[str, Any],
    type_row: dict[str, Any],
    include_secrets: bool,
) -> BlockDocument:
    """A ``BlockDocument`` from its ``block_document``, ``block_schema`` and ``block_type``
    rows, secrets decrypted or masked (shared with ``sqlite_reads``, the CLI's read path)."""
    schema = _block_schema(schema_row)
    btype = _block_type(type_row)
    schema.block_type = btype
    stored = json.loads(doc_row["data"])
    if include_secrets:
        data = decrypt_data(stored, schema.secret_fields, f"{btype.slug}/{doc_row['name']}")
    else:
        data = mask_secrets(stored, schema.secret_fields)
    return BlockDocument(
        id=doc_row["id"],
        name=doc_row["name"],
        data=data,
        block_schema_id=schema.id,
        block_schema=schema,
        block_type_id=btype.id,
        block_type=btype,
        block_type_name=btype.name,
        is_anonymous=bool(doc_row["is_anonymous"]),
        created=from_us(doc_row["created"]),
        updated=from_us(doc_row["updated"]),
    )


# -- rows to schemas -------------------------------------------------------------------


def _get(row: Any, key: str) -> Any:
    return row[key] if isinstance(row, dict) else getattr(row, key)


def _block_type(row: Row | dict[str, Any]) -> BlockType:
    return BlockType(
        id=_get(row, "id"),
        name=_get(row, "name"),
        slug=_get(row, "slug"),
        logo_url=_get(row, "logo_url"),
        documentation_url=_get(row, "documentation_url"),
        description=_get(row, "description"),
        code_example=_get(row, "code_example"),
        created=from_us(_get(row, "created")),
        updated=from_us(_get(row, "updated")),
    )


def _block_schema(row: Row | dict[str, Any]) -> BlockSchema:
    return BlockSchema(
        id=_get(row, "id"),
        checksum=_get(row, "checksum"),
        fields=json.loads(_get(row, "fields")),
        block_type_id=_get(row, "block_type_id"),
        capabilities=json.loads(_get(row, "capabilities")),
        version=_get(row, "version"),
        created=from_us(_get(row, "created")),
    )


def _schema_by_id(conn: Connection, block_schema_id: str) -> BlockSchema:
    from sqlalchemy import select

    from riverrun._store.tables import block_schema as s

    row = conn.execute(select(s).where(s.c.id == block_schema_id)).first()
    if row is None:
        raise ObjectNotFound(
            f"No block schema with id {block_schema_id!r}; register the block type first "
            "(saving a block does it, or `riverrun block register`)."
        )
    return _block_schema(row)


def _type_slug(conn: Connection, block_type_id: str) -> str:
    from sqlalchemy import select

    from riverrun._store.tables import block_type as t

    return str(conn.execute(select(t.c.slug).where(t.c.id == block_type_id)).scalar())


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=3, cutoff=0.5)
    if not close:
        return "."
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
