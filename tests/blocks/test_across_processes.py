"""Blocks saved in one process load in another (the embedded store on disk)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from riverrun.blocks.core import Block
from riverrun.blocks.notifications import SlackWebhook

from .conftest import HTTPReceiver


def _run(code: str, *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_slack_block_saved_here_notifies_from_another_process(receiver: HTTPReceiver) -> None:
    SlackWebhook(url=f"{receiver.url}/hook").save("slack")

    result = _run(
        """
        from riverrun.blocks.notifications import SlackWebhook
        SlackWebhook.load("slack").notify("Hello from Prefect!")
        """
    )

    assert result.returncode == 0, result.stderr
    assert receiver.requests[0].json == {"text": "Hello from Prefect!"}


def test_block_saved_in_another_process_loads_here_by_slug() -> None:
    result = _run(
        """
        from riverrun.blocks.system import Secret
        Secret(value="from-child").save("child")
        """
    )
    assert result.returncode == 0, result.stderr

    assert Block.load("secret/child").get() == "from-child"  # type: ignore[attr-defined]


def test_block_load_by_slug_imports_a_builtin_class_not_yet_imported() -> None:
    SlackWebhook(url="http://127.0.0.1/x").save("slack")

    result = _run(
        """
        import sys
        from riverrun.blocks.core import Block
        assert "riverrun.blocks.notifications" not in sys.modules
        print(type(Block.load("slack-webhook/slack")).__name__)
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SlackWebhook"


def test_block_load_by_slug_imports_the_module_that_saved_it(tmp_path: Path) -> None:
    (tmp_path / "team_blocks.py").write_text(
        "from riverrun.blocks.core import Block\n\nclass TeamConfig(Block):\n    owner: str\n"
    )
    saved = _run(
        "from team_blocks import TeamConfig\nTeamConfig(owner='data').save('team')\n", cwd=tmp_path
    )
    assert saved.returncode == 0, saved.stderr

    loaded = _run(
        "from riverrun.blocks.core import Block\nprint(Block.load('teamconfig/team').owner)\n",
        cwd=tmp_path,
    )

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "data"
