"""The store's block methods on SQLite and on PostgreSQL (the same contract on both)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun.exceptions import ObjectAlreadyExists, ObjectNotFound
from riverrun.schemas.blocks import (
    OBFUSCATED,
    BlockDocumentCreate,
    BlockDocumentUpdate,
    BlockSchemaCreate,
    BlockTypeCreate,
)

pytestmark = pytest.mark.single_mode("the store itself, on both databases, no client")

FIELDS = {"properties": {"url": {"type": "string"}}, "secret_fields": ["url"]}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        st = Store(sqlite_url(tmp_path / "store.db"))
    else:
        # The store suite's PostgreSQL helpers (tests/store is not a package).
        sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
        from _pg import create_pg_database, drop_pg_database, pg_url

        name = create_pg_database()
        request.addfinalizer(lambda: drop_pg_database(name))
        st = Store(pg_url(name))
    try:
        yield st
    finally:
        st.dispose()


def _save(store: Store, name: str = "slack", url: str = "https://x/secret") -> str:
    block_type = store.create_block_type(BlockTypeCreate(name="Hook", slug="hook"))
    schema = store.create_block_schema(
        BlockSchemaCreate(fields=FIELDS, block_type_id=block_type.id)
    )
    doc = store.create_block_document(
        BlockDocumentCreate(
            name=name, data={"url": url}, block_schema_id=schema.id, block_type_id=block_type.id
        )
    )
    return doc.id


def test_block_type_is_upserted_by_slug(store: Store) -> None:
    first = store.create_block_type(BlockTypeCreate(name="Hook", slug="hook"))
    second = store.create_block_type(BlockTypeCreate(name="Hook", slug="hook", description="new"))

    assert first.id == second.id
    assert store.read_block_type_by_slug("hook").description == "new"


def test_block_schema_is_idempotent_by_checksum(store: Store) -> None:
    block_type = store.create_block_type(BlockTypeCreate(name="Hook", slug="hook"))

    a = store.create_block_schema(BlockSchemaCreate(fields=FIELDS, block_type_id=block_type.id))
    b = store.create_block_schema(BlockSchemaCreate(fields=FIELDS, block_type_id=block_type.id))

    assert a.id == b.id
    assert a.block_type is not None and a.block_type.slug == "hook"


def test_document_round_trips_and_masks_secrets_on_request(store: Store) -> None:
    _save(store)

    plain = store.read_block_document_by_name("slack", "hook", include_secrets=True)
    masked = store.read_block_documents(include_secrets=False)

    assert plain.data == {"url": "https://x/secret"}
    assert [d.data for d in masked] == [{"url": OBFUSCATED}]


def test_document_name_is_unique_per_type_unless_overwritten(store: Store) -> None:
    _save(store)

    with pytest.raises(ObjectAlreadyExists, match="overwrite=True"):
        _save(store)
    doc = store.read_block_document_by_name("slack", "hook")
    store.update_block_document(doc.id, BlockDocumentUpdate(data={"url": "https://x/new"}))

    assert store.read_block_document_by_name("slack", "hook").data == {"url": "https://x/new"}


def test_delete_document(store: Store) -> None:
    doc_id = _save(store)

    store.delete_block_document(doc_id)

    with pytest.raises(ObjectNotFound, match="No block named 'slack'"):
        store.read_block_document_by_name("slack", "hook")
