"""A deployment's SLA, violated by a real run, notifies through an automation: embedded (the
``serve()`` process checks the SLA and acts) and against a real server (its SLA service does).

The served flow runs until the test lets it go, so it is Running past its one-second
``TimeToCompletionSla``; the automation calls a real webhook receiver on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun.automations import Automation, CallWebhook, EventTrigger
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.client import get_client
from riverrun.deployments import run_deployment

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres, pytest.mark.slow]

NAME = "held/held"
SERVED = """
import time
from pathlib import Path

from riverrun import flow
from riverrun._experimental.sla.objects import TimeToCompletionSla


@flow(name="held")
def held(release: str) -> None:
    deadline = time.monotonic() + 120
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


if __name__ == "__main__":
    held.serve(name="held", _sla=TimeToCompletionSla(name="quick", duration=1, severity="high"))
"""


def _wait_for(check: Callable[[], Any], timeout: float = 90.0) -> Any:
    deadline, pause = time.monotonic() + timeout, threading.Event()
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        pause.wait(0.1)
    raise AssertionError(f"condition not met within {timeout} s")


def _deployment() -> Any:
    try:
        return get_client(sync_client=True).read_deployment_by_name(NAME)
    except Exception:  # noqa: BLE001 - not stored yet
        return None


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Any]:
    (tmp_path / "served.py").write_text(textwrap.dedent(SERVED))
    env = {**os.environ, "RIVERRUN_SERVER_SERVICES_SLA_LOOP_SECONDS": "0.2"}
    with (tmp_path / "serve.log").open("wb") as out:
        process = subprocess.Popen([sys.executable, "served.py"], cwd=tmp_path, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield _wait_for(_deployment)
    finally:
        (tmp_path / "release").touch()
        process.terminate()
        process.wait(timeout=60)


def test_a_run_past_its_time_to_completion_sla_calls_the_webhook(
    served: Any, receiver: Any, tmp_path: Path
) -> None:
    hook = CustomWebhookNotificationBlock(name="hook", url=receiver.url + "/sla",
                                          json_data={"text": "{{body}}"}, retries=0)  # fmt: skip
    hook.save("hook", overwrite=True)
    Automation(
        name="sla breached",
        trigger=EventTrigger(
            expect={"riverrun.sla.violation"},
            match_related={"riverrun.resource.id": f"riverrun.deployment.{served.id}"},
        ),
        actions=[CallWebhook(
            block_document_id=uuid.UUID(str(hook._block_document_id)),
            payload="{{ event.payload.sla_name }} {{ event.payload.severity }} {{ event.resource.id }}",
        )],
    ).create()  # fmt: skip
    run = run_deployment(NAME, parameters={"release": str(tmp_path / "release")}, timeout=0)
    [request] = _wait_for(lambda: list(receiver.requests))
    assert request.path == "/sla"
    assert request.json["text"] == f"quick high riverrun.flow-run.{run.id}"
