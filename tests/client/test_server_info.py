"""What the client says about the API it talks to: ``hello``, ``api_version``,
``client_version`` (Prefect's names), embedded and against real servers."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

import riverrun
from riverrun._api.version import API_VERSION
from riverrun.client.orchestration import RiverrunClient, get_client


def test_hello_answers_a_wave(riverrun_home: Path) -> None:
    response = get_client(sync_client=True).hello()
    assert (response.status_code, response.json()) == (200, "👋")


def test_async_hello_answers_a_wave(riverrun_home: Path) -> None:
    response = asyncio.run(get_client().hello())
    assert response.json() == "👋"


def test_api_version_is_the_one_the_store_speaks(riverrun_home: Path) -> None:
    assert get_client(sync_client=True).api_version() == API_VERSION
    assert asyncio.run(get_client().api_version()) == API_VERSION


def test_client_version_is_riverrun_version_on_both_clients(riverrun_home: Path) -> None:
    assert get_client(sync_client=True).client_version() == riverrun.__version__
    assert get_client().client_version() == riverrun.__version__


@pytest.mark.single_mode("a property of the class, not of a store")
def test_client_version_is_a_plain_call_on_the_async_client() -> None:
    assert not inspect.iscoroutinefunction(RiverrunClient.client_version)
