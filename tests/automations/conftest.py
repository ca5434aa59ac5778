"""Fixtures for the automation tests: the block tests' real receivers on 127.0.0.1.

The HTTP and SMTP receivers are defined once, in ``tests/blocks/conftest.py``; this loads
that module by path and uses its fixtures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
