"""The client suite runs in every mode of the switch in ``tests/conftest.py``: embedded, a
server on SQLite (auth on: the client sends its API key) and a server on PostgreSQL.

Each test's stores and writers are closed after it, so files never leak.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _close_stores(riverrun_home: object) -> Iterator[None]:
    yield
    from riverrun._recording import flush_pending
    from riverrun._store.embedded import close_writers
    from riverrun._store.service import close_stores

    flush_pending()
    close_stores()
    close_writers()
