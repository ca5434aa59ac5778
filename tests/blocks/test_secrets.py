"""Secret fields: encrypted at rest with a key kept outside the database, masked when listed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import Field, SecretStr

from riverrun.blocks.core import Block, _sync_client
from riverrun.blocks.fields import SecretDict
from riverrun.blocks.notifications import CustomWebhookNotificationBlock, SlackWebhook
from riverrun.blocks.system import Secret
from riverrun.exceptions import StoreError
from riverrun.schemas.blocks import OBFUSCATED

PLAINTEXT = "xoxb-plaintext-canary-7c1f"


class Api(Block):
    endpoint: str
    token: SecretStr
    headers: SecretDict = Field(default_factory=lambda: SecretDict({}))
    note: str = Field(default="", json_schema_extra={"secret": True})


def _database_bytes(home: Path) -> bytes:
    files = sorted(home.glob("riverrun.db*"))
    assert files, f"no database files under {home}"
    return b"".join(f.read_bytes() for f in files)


@pytest.mark.single_mode("the embedded store's own key and file")
def test_secret_values_never_reach_the_database_file(riverrun_home: Path) -> None:
    SlackWebhook(url=f"https://hooks.example/{PLAINTEXT}").save("slack")
    Secret(value=PLAINTEXT + "-2").save("s")
    Api(endpoint="https://api", token=PLAINTEXT + "-3", headers={"X": PLAINTEXT + "-4"}).save("a")

    raw = _database_bytes(riverrun_home)

    assert PLAINTEXT.encode() not in raw
    assert b"https://api" in raw  # non-secret fields are stored as they are


def test_secret_values_are_decrypted_on_load() -> None:
    Api(endpoint="e", token="t0k", headers={"Authorization": "Bearer x"}, note="n").save("a")

    loaded = Api.load("a")

    assert loaded.token.get_secret_value() == "t0k"
    assert loaded.headers.get_secret_value() == {"Authorization": "Bearer x"}
    assert loaded.note == "n"


def test_secret_fields_cover_secretstr_secretdict_and_marked_fields() -> None:
    assert Api.secret_fields() == ["token", "headers.*", "note"]


@pytest.mark.single_mode("the embedded store's own key and file")
def test_key_file_is_created_with_mode_0600(riverrun_home: Path) -> None:
    Secret(value="x").save("s")

    key = riverrun_home / "fernet.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.single_mode("the embedded store's own key and file")
def test_key_from_the_environment_is_used_instead_of_the_file(
    riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("RIVERRUN_SERVER_ENCRYPTION_KEY", Fernet.generate_key().decode())

    Secret(value="x").save("s")

    assert not (riverrun_home / "fernet.key").exists()
    assert Secret.load("s").get() == "x"


@pytest.mark.single_mode("the embedded store's own key and file")
def test_a_different_key_gives_a_clear_error(
    riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    Secret(value="x").save("s")
    monkeypatch.setenv("RIVERRUN_SERVER_ENCRYPTION_KEY", Fernet.generate_key().decode())

    with pytest.raises(StoreError, match="not the one they were saved with"):
        Secret.load("s")


def test_listing_masks_secrets_and_keeps_secret_dict_keys() -> None:
    Api(endpoint="e", token="t0k", headers={"Authorization": "Bearer x"}).save("a")

    with _sync_client() as client:
        [doc] = client.read_block_documents(include_secrets=False)

    assert doc.data["token"] == OBFUSCATED
    assert doc.data["headers"] == {"Authorization": OBFUSCATED}
    assert doc.data["endpoint"] == "e"


def test_read_by_name_without_secrets_masks_them() -> None:
    SlackWebhook(url="https://hooks.example/abc").save("slack")

    with _sync_client() as client:
        doc = client.read_block_document_by_name("slack", "slack-webhook", include_secrets=False)

    assert doc.data["url"] == OBFUSCATED


@pytest.mark.single_mode("the embedded store's own key and file")
def test_custom_webhook_secrets_are_encrypted_at_rest(riverrun_home: Path) -> None:
    CustomWebhookNotificationBlock(
        name="n", url="https://x/{{token}}", secrets={"token": PLAINTEXT}
    ).save("hook")

    assert PLAINTEXT.encode() not in _database_bytes(riverrun_home)
    loaded = CustomWebhookNotificationBlock.load("hook")
    assert loaded.secrets.get_secret_value() == {"token": PLAINTEXT}


def test_secret_dict_shows_keys_but_not_values() -> None:
    shown = str(SecretDict({"Authorization": "Bearer x"}))

    assert "Authorization" in shown
    assert "Bearer x" not in shown
