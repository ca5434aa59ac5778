"""What a trigger was counting survives a server killed and restarted: the service rebuilds
it from the stored events at start, and a firing already acted on is not acted on again."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from riverrun._internal.clock import now_us
from riverrun.automations import Automation, DoNothing, EventTrigger, Posture
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter
from riverrun.server.testing import ServerProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    from riverrun._store.service import close_stores

    proc = ServerProcess(tmp_path / "server").start()
    close_stores()
    monkeypatch.setenv("RIVERRUN_API_URL", proc.api_url)
    try:
        yield proc
    finally:
        proc.stop()


def _kill_and_restart(server: ServerProcess) -> None:
    assert server.pid is not None
    os.kill(server.pid, signal.SIGKILL)
    server.stop()  # reaps the killed process
    server.start()


def _post(server: ServerProcess, name: str) -> None:
    event = {"kind": "event", "id": str(uuid.uuid4()), "occurred": now_us(), "event": name,
             "resource": {"riverrun.resource.id": "shop.store.1"}, "related": [],
             "payload": {}, "follows": None}  # fmt: skip
    response = httpx.post(f"{server.api_url}/events", json={"events": [event]}, timeout=30)
    assert response.status_code == 200, response.text


def _outcomes(automation: Automation) -> list[str]:
    with get_client(sync_client=True) as client:
        found = client.read_events(filter=EventFilter(
            event_names=["riverrun.automation.action.*"],
            resource_ids=[f"riverrun.automation.{automation.id}"],
        ), limit=None)  # fmt: skip
    return [e.event for e in found]


def _wait_for(automation: Automation, count: int, timeout: float = 60.0) -> None:
    """Until ``automation`` has ``count`` outcomes (bounded): the service has evaluated
    every event received before the one that fired it."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while len(_outcomes(automation)) < count:
        assert time.monotonic() < deadline, f"{automation.name} did not act {count} time(s)"
        pause.wait(0.1)


def _automations() -> tuple[Automation, Automation]:
    counting = Automation(
        name="two alarms",
        trigger=EventTrigger(expect={"shop.alarm"}, threshold=2, within=timedelta(minutes=10)),
        actions=[DoNothing()],
    ).create()
    sentinel = Automation(
        name="sentinel", trigger=EventTrigger(expect={"shop.sentinel"}), actions=[DoNothing()]
    ).create()
    return counting, sentinel


def test_a_count_in_progress_survives_a_killed_server(server: ServerProcess) -> None:
    counting, sentinel = _automations()
    _post(server, "shop.alarm")
    _post(server, "shop.sentinel")
    _wait_for(sentinel, 1)
    assert _outcomes(counting) == []
    _kill_and_restart(server)
    _post(server, "shop.alarm")
    _post(server, "shop.sentinel")
    _wait_for(sentinel, 2)
    assert _outcomes(counting) == ["riverrun.automation.action.executed"]


def test_a_firing_is_not_acted_on_again_after_a_restart(server: ServerProcess) -> None:
    counting, sentinel = _automations()
    _post(server, "shop.alarm")
    _post(server, "shop.alarm")
    _wait_for(counting, 1)
    _kill_and_restart(server)
    _post(server, "shop.sentinel")
    _wait_for(sentinel, 1)
    assert _outcomes(counting) == ["riverrun.automation.action.executed"]


def test_a_proactive_window_open_at_the_kill_fires_once_after_it(server: ServerProcess) -> None:
    watched = Automation(
        name="no completion",
        trigger=EventTrigger(posture=Posture.Proactive, after={"shop.started"},
                             expect={"shop.completed"}, within=timedelta(seconds=3)),
        actions=[DoNothing()],
    ).create()  # fmt: skip
    sentinel = Automation(
        name="sentinel", trigger=EventTrigger(expect={"shop.sentinel"}), actions=[DoNothing()]
    ).create()
    _post(server, "shop.started")
    _post(server, "shop.sentinel")
    _wait_for(sentinel, 1)
    _kill_and_restart(server)
    _wait_for(watched, 1)
    _kill_and_restart(server)
    _post(server, "shop.sentinel")
    _wait_for(sentinel, 2)
    assert _outcomes(watched) == ["riverrun.automation.action.executed"]
