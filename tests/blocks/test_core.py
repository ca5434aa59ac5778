"""The Block model: type metadata, save, load, delete, schemas and bad input."""

from __future__ import annotations

import asyncio
import uuid
from typing import Optional

import pytest
from pydantic import SecretStr

from riverrun.blocks.core import (
    Block,
    BlockNotSavedError,
    BlockValidationError,
    InvalidBlockRegistration,
    UnknownBlockType,
)
from riverrun.blocks.notifications import SlackWebhook
from riverrun.blocks.system import JSON, DateTime, Secret, String
from riverrun.exceptions import InvalidNameError, ObjectAlreadyExists, ObjectNotFound


class Warehouse(Block):
    """Connection settings of the data warehouse.

    More text that is not part of the description.
    """

    host: str
    port: int = 5432
    password: SecretStr

    def dsn(self) -> str:
        return f"{self.host}:{self.port}"


def _client():
    from riverrun.blocks.core import _sync_client

    return _sync_client()


def test_slug_comes_from_the_type_name() -> None:
    assert SlackWebhook.get_block_type_slug() == "slack-webhook"
    assert SlackWebhook.get_block_type_name() == "Slack Webhook"
    assert DateTime.get_block_type_slug() == "date-time"


def test_custom_block_slug_is_the_slugified_class_name_as_in_prefect() -> None:
    assert Warehouse.get_block_type_slug() == "warehouse"
    assert Warehouse.get_block_type_name() == "Warehouse"


def test_description_is_the_first_paragraph_of_the_docstring() -> None:
    assert Warehouse.get_description() == "Connection settings of the data warehouse."


def test_custom_block_saves_and_loads_without_registration_code() -> None:
    Warehouse(host="db", password="pw").save("prod")

    loaded = Warehouse.load("prod")

    assert loaded.dsn() == "db:5432"
    assert loaded.password.get_secret_value() == "pw"


def test_save_returns_the_document_id_and_remembers_the_name() -> None:
    block = String(value="x")

    doc_id = block.save("s")

    assert isinstance(doc_id, uuid.UUID)  # as Prefect's save returns
    assert block._block_document_id == str(doc_id)
    assert String.load("s")._block_document_id == str(doc_id)


def test_saving_a_taken_name_without_overwrite_says_to_pass_overwrite() -> None:
    String(value="a").save("name")

    with pytest.raises(ValueError, match="overwrite=True"):
        String(value="b").save("name")


def test_saving_a_taken_name_raises_object_already_exists() -> None:
    String(value="a").save("name")

    with pytest.raises(ObjectAlreadyExists):
        String(value="b").save("name")


def test_overwrite_replaces_the_values() -> None:
    String(value="a").save("name")

    String(value="b").save("name", overwrite=True)

    assert String.load("name").value == "b"


def test_same_name_may_be_used_by_two_block_types() -> None:
    String(value="a").save("shared")
    JSON(value={"a": 1}).save("shared")

    assert String.load("shared").value == "a"
    assert JSON.load("shared").value == {"a": 1}


def test_block_load_with_slug_and_name_returns_the_right_class() -> None:
    Warehouse(host="db", password="pw").save("prod")

    loaded = Block.load("warehouse/prod")

    assert isinstance(loaded, Warehouse)
    assert loaded.host == "db"


def test_block_load_without_a_slug_explains_the_form() -> None:
    with pytest.raises(ValueError, match="TYPE-SLUG/NAME"):
        Block.load("prod")


def test_loading_a_missing_name_suggests_the_closest_one() -> None:
    SlackWebhook(url="http://127.0.0.1/x").save("slack")

    with pytest.raises(ObjectNotFound) as info:
        SlackWebhook.load("slak")

    assert str(info.value) == (
        "No block named 'slak' of type 'slack-webhook'; did you mean 'slack'? "
        "`riverrun block ls` lists them."
    )


def test_loading_from_a_type_never_saved_says_so() -> None:
    with pytest.raises(ObjectNotFound, match="no block of that type was ever saved"):
        Warehouse.load("prod")


def test_loading_a_missing_name_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        String.load("nothing")


def test_system_blocks_round_trip() -> None:
    JSON(value={"k": [1, 2]}).save("j")
    DateTime(value="2024-01-02T03:04:05+00:00").save("d")
    Secret(value="shh").save("s")

    assert JSON.load("j").value == {"k": [1, 2]}
    assert DateTime.load("d").value.year == 2024
    assert Secret.load("s").get() == "shh"


def test_secret_block_holds_a_json_value_too() -> None:
    Secret(value={"user": "u", "token": "t"}).save("creds")

    assert Secret.load("creds").get() == {"user": "u", "token": "t"}


def test_class_delete_by_name() -> None:
    String(value="a").save("gone")

    String.delete("gone")

    with pytest.raises(ObjectNotFound):
        String.load("gone")


def test_instance_delete_deletes_the_loaded_block() -> None:
    String(value="a").save("gone")

    String.load("gone").delete()

    with pytest.raises(ObjectNotFound):
        String.load("gone")


def test_deleting_an_unsaved_instance_explains_what_to_do() -> None:
    with pytest.raises(BlockNotSavedError, match=r"String.delete\(NAME\)"):
        String(value="a").delete()


def test_async_twins_save_load_and_delete() -> None:
    async def main() -> str:
        await String(value="async").asave("a")
        loaded = await String.aload("a")
        await String.adelete("a")
        return loaded.value

    assert asyncio.run(main()) == "async"
    with pytest.raises(ObjectNotFound):
        String.load("a")


def test_anonymous_save_gets_a_generated_name() -> None:
    block = String(value="anon")

    block.save()

    assert block._is_anonymous is True
    assert block._block_document_name is not None
    assert String.load(block._block_document_name).value == "anon"


@pytest.mark.parametrize("name", ["a/b", "", "x%y"])
def test_names_with_reserved_characters_are_rejected(name: str) -> None:
    with pytest.raises(InvalidNameError):
        String(value="x").save(name)


def test_base_block_cannot_be_saved() -> None:
    with pytest.raises(InvalidBlockRegistration):
        Block().save("x")


def test_saving_registers_the_type_and_a_schema_with_secret_fields_and_capabilities() -> None:
    SlackWebhook(url="http://127.0.0.1/x").save("slack")

    with _client() as client:
        block_type = client.read_block_type_by_slug("slack-webhook")
        doc = client.read_block_document_by_name("slack", "slack-webhook")

    assert block_type.name == "Slack Webhook"
    assert block_type.description
    assert doc.block_schema is not None
    assert doc.block_schema.secret_fields == ["url"]
    assert doc.block_schema.capabilities == ["notify"]
    assert doc.block_schema.checksum.startswith("sha256:")


def test_registering_the_same_schema_twice_is_idempotent() -> None:
    Warehouse.register_type_and_schema()
    first = Warehouse._block_schema_id

    Warehouse.register_type_and_schema()

    assert Warehouse._block_schema_id == first


def test_changed_class_with_a_new_optional_field_loads_older_documents() -> None:
    class Settings(Block):
        a: int

    Settings(a=1).save("s")

    class Settings(Block):  # type: ignore[no-redef]
        a: int
        b: Optional[str] = None

    loaded = Settings.load("s")
    assert (loaded.a, loaded.b) == (1, None)


def test_changed_class_with_a_new_required_field_names_it_and_the_fix() -> None:
    class Settings(Block):
        a: int

    Settings(a=1).save("s")

    class Settings(Block):  # type: ignore[no-redef]
        a: int
        region: str

    with pytest.raises(BlockValidationError) as info:
        Settings.load("s")

    message = str(info.value)
    assert "'settings/s'" in message
    assert "older version of Settings" in message
    assert "field 'region': Field required" in message
    assert "save('s', overwrite=True)" in message


def test_validate_false_loads_stored_values_of_a_changed_class() -> None:
    class Settings(Block):
        a: int

    Settings(a=1).save("s")

    class Settings(Block):  # type: ignore[no-redef]
        a: int
        region: str

    assert Settings.load("s", validate=False).a == 1


def test_block_load_of_a_type_unknown_in_this_process_says_to_import_it() -> None:
    class Local(Block):
        x: int

    Local(x=1).save("l")
    from riverrun.blocks import core

    del core._REGISTRY["local"]

    with pytest.raises(UnknownBlockType, match="Import the module that defines it"):
        Block.load("local/l")


def test_repr_masks_secret_fields() -> None:
    text = repr(Warehouse(host="db", password="hunter2"))

    assert "hunter2" not in text
    assert "host='db'" in text


def test_repr_masks_a_field_marked_secret() -> None:
    assert "shh" not in repr(Secret(value={"token": "shh"}))


def test_most_recent_block_schema_of_a_type_is_the_one_saving_registered() -> None:
    SlackWebhook(url="http://127.0.0.1/x").save("slack-recent")

    with _client() as client:
        block_type = client.read_block_type_by_slug("slack-webhook")
        doc = client.read_block_document_by_name("slack-recent", "slack-webhook")
        schema = client.get_most_recent_block_schema_for_block_type(uuid.UUID(block_type.id))

    assert schema is not None and doc.block_schema is not None
    assert schema.id == doc.block_schema.id


def test_most_recent_block_schema_of_a_type_without_schemas_is_none() -> None:
    with _client() as client:
        assert client.get_most_recent_block_schema_for_block_type(uuid.uuid4()) is None
