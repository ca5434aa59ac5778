"""Fixtures for the automation tests: the block tests' real receivers on 127.0.0.1.

The HTTP and SMTP receivers are defined once, in ``tests/blocks/conftest.py``; this loads
that module by path and uses its fixtures.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _blocks_conftest() -> ModuleType:
    path = Path(__file__).parent.parent / "blocks" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_blocks_receivers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


_receivers = _blocks_conftest()
receiver = _receivers.receiver
smtp_server = _receivers.smtp_server
refused_url = _receivers.refused_url
HTTPReceiver = _receivers.HTTPReceiver


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries a few milliseconds apart (the blocks' own and the action deliveries')."""
    from riverrun._automations import runner
    from riverrun.blocks.abstract import NotificationBlock

    monkeypatch.setattr(NotificationBlock, "_retry_backoff_seconds", 0.01)
    monkeypatch.setattr(runner, "BACKOFF_S", 0.01)


def _action_outcomes(timeout: float = 60.0) -> list[Any]:
    """The action outcome events, once there is at least one (bounded wait)."""
    from riverrun.client.orchestration import get_client
    from riverrun.events import EventFilter

    names = ["riverrun.automation.action.*"]
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_events(filter=EventFilter(event_names=names))
            if found or time.monotonic() > deadline:
                return found
            pause.wait(0.05)


@pytest.fixture
def action_outcomes() -> Callable[..., list[Any]]:
    """Waits (bounded) for the automation action outcome events and returns them."""
    return _action_outcomes
