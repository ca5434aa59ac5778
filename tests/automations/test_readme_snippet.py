"""README's five-line "notify Slack when a pro run fails" works as printed, in every mode.

The snippet is taken from README.md as a user copies it, with only the Slack URL pointed at
a real HTTP receiver on 127.0.0.1; it and a failing flow each run in their own process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

FAILING_PRO_RUN = """
import riverrun
from riverrun import flow

@flow
def etl():
    raise ValueError("disk full")

with riverrun.tags("env:pro"):
    try:
        etl()
    except ValueError:
        pass
"""


def _snippet() -> str:
    text = README.read_text()
    found = re.search(
        r"<!-- readme-notify-snippet -->\n(?:<!-- fmt:off -->\n)?```python\n(.*?)```", text, re.S
    )
    assert found is not None, "README.md has lost its notification snippet"
    return found.group(1)


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script)], env=dict(os.environ), cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def _received(receiver: Any, timeout: float = 60.0) -> list[Any]:
    """The receiver's requests once there is one (bounded wait: a server delivers later)."""
    deadline, pause = time.monotonic() + timeout, threading.Event()
    while not receiver.requests and time.monotonic() < deadline:
        pause.wait(0.05)
    return list(receiver.requests)


def test_the_readme_snippet_is_five_lines() -> None:
    lines = [line for line in _snippet().splitlines() if line.strip()]
    assert len(lines) == 5, lines


@pytest.mark.both_modes
def test_the_readme_snippet_notifies_slack_when_a_pro_run_fails(
    receiver: Any, tmp_path: Path
) -> None:
    snippet = _snippet().replace("https://hooks.slack.com/services/T000/B000/XXXX",
                                 receiver.url + "/slack")  # fmt: skip
    created = _run(snippet, tmp_path)
    assert created.returncode == 0, created.stderr
    failed = _run(FAILING_PRO_RUN, tmp_path)
    assert failed.returncode == 0, failed.stderr
    [message] = _received(receiver)
    assert message.path == "/slack"
    # Slack's text is the subject (Prefect's default one, renamed) above the rendered body.
    subject, body = message.json["text"].split("\n", 1)
    assert subject == "*Riverrun automated notification*"
    assert re.fullmatch(r"\S+ failed: .*ValueError: disk full", body), body
