"""Helpers for engine tests: read what a run recorded through the public sync client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def client() -> Iterator[Any]:
    from riverrun.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        yield c
