"""Blocks through a riverrun server: saved by one process, loaded by another, secrets
encrypted by the server (its key, its database), never by the client."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from riverrun.blocks.notifications import SlackWebhook
from riverrun.server.testing import ServerProcess

from .conftest import HTTPReceiver

pytestmark = [
    pytest.mark.slow,
    pytest.mark.single_mode("starts a server of its own, with its own key"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("blocks-server-home")) as proc:
        yield proc


@pytest.fixture
def remote(server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> ServerProcess:
    monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
    return server


def test_guide_section_3_works_through_the_server(
    remote: ServerProcess, receiver: HTTPReceiver, tmp_path: Path
) -> None:
    SlackWebhook(url=f"{receiver.url}/hook").save("slack", overwrite=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    env.update(RIVERRUN_API_URL=remote.api_url, RIVERRUN_HOME=str(tmp_path / "other-machine"))
    code = """
        from riverrun.blocks.notifications import SlackWebhook

        slack_webhook_block = SlackWebhook.load("slack") # The name of the block you just created
        slack_webhook_block.notify("Hello from Prefect!")
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert receiver.requests[-1].json == {"text": "Hello from Prefect!"}


def test_secrets_are_encrypted_by_the_server_not_the_client(
    remote: ServerProcess, riverrun_home: Path
) -> None:
    secret_url = "http://127.0.0.1:9/very-secret-webhook-token"
    SlackWebhook(url=secret_url).save("secret-hook", overwrite=True)
    raw = b"".join(p.read_bytes() for p in remote.home.glob("riverrun.db*"))
    assert b"very-secret-webhook-token" not in raw
    assert (remote.home / "fernet.key").exists()
    assert not (riverrun_home / "fernet.key").exists()
    assert SlackWebhook.load("secret-hook").url.get_secret_value() == secret_url
