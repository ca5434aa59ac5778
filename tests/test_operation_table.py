"""The operation table is the one definition: the store, the routes, the backends and the
clients all follow it, and the generated client source is current."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from riverrun._api.store_api import operations
from riverrun._api.wire import body_model
from riverrun._store.service import Store
from riverrun.client._codegen import SYNC_ON_BOTH_CLIENTS
from riverrun.client.orchestration import RiverrunClient, SyncRiverrunClient, get_client
from riverrun.exceptions import RiverrunHTTPStatusError
from riverrun.server.testing import ServerProcess
from riverrun.settings import temporary_settings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("table-server")) as proc:
        yield proc


def test_generated_client_source_is_current() -> None:
    done = subprocess.run([sys.executable, "-m", "riverrun.client._codegen", "--check"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("op", operations(), ids=lambda op: op.name)
def test_the_store_serves_each_operation_with_its_parameters(op: object) -> None:
    store_method = getattr(Store, op.name)  # type: ignore[attr-defined]
    store_params = [(p.name, p.kind) for p in inspect.signature(store_method).parameters.values()]
    op_params = [(p.name, p.kind) for p in op.signature.parameters.values()]  # type: ignore[attr-defined]
    assert store_params == op_params


def test_every_operation_has_its_route_in_the_openapi_spec(server: ServerProcess) -> None:
    spec = httpx.get(server.api_url + "/openapi.json", timeout=30).json()
    found = {
        (method.upper(), "/api" + op_path): detail.get("operationId")
        for path, methods in spec["paths"].items()
        for method, detail in methods.items()
        for op_path in [path.removeprefix("/api")]
    }
    for op in operations():
        path = op.route.path.replace(":path", "")
        assert found.get((op.route.method, "/api" + path)) == op.name, op.name


def test_async_client_methods_have_real_signatures_and_are_coroutines() -> None:
    params = inspect.signature(RiverrunClient.read_flow_runs).parameters
    assert list(params) == ["self", "flow_filter", "flow_run_filter", "task_run_filter",
                            "deployment_filter", "sort", "limit", "offset"]  # fmt: skip
    assert asyncio.iscoroutinefunction(RiverrunClient.read_flow_runs)
    assert RiverrunClient.read_flow_runs.__doc__ == SyncRiverrunClient.read_flow_runs.__doc__


def test_every_public_sync_method_has_an_async_twin() -> None:
    sync_names = {n for n, _ in inspect.getmembers(SyncRiverrunClient, inspect.isfunction)
                  if not n.startswith("_")}  # fmt: skip
    for name in sync_names - SYNC_ON_BOTH_CLIENTS:
        assert asyncio.iscoroutinefunction(getattr(RiverrunClient, name)), name


def test_an_unknown_field_in_a_request_body_is_refused_naming_it(server: ServerProcess) -> None:
    answer = httpx.post(server.api_url + "/flow_runs/filter", json={"limti": 5}, timeout=30)
    assert answer.status_code == 422
    assert "limti" in answer.text


@pytest.mark.parametrize("limit", [-1, True, 2**63])
def test_derived_bodies_refuse_a_limit_that_is_not_a_page_size(limit: object) -> None:
    model = body_model(next(op for op in operations() if op.name == "read_flow_runs"))
    assert model is not None
    with pytest.raises(ValueError):
        model.model_validate({"limit": limit})


def test_a_server_url_without_api_finds_the_api_under_it(server: ServerProcess) -> None:
    root = server.api_url.removesuffix("/api")
    with temporary_settings(api_url=root):
        with get_client(sync_client=True) as client:
            assert client.read_flow_runs(limit=1) == []


def test_a_url_that_is_not_a_riverrun_api_names_the_setting(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "other") as proc:
        wrong = proc.api_url + "/not-the-api"
        with temporary_settings(api_url=wrong):
            with get_client(sync_client=True) as client:
                with pytest.raises(RiverrunHTTPStatusError, match="RIVERRUN_API_URL"):
                    client.read_flow_runs(limit=1)


def test_a_client_of_another_api_version_is_told_both_versions(server: ServerProcess) -> None:
    answer = httpx.post(server.api_url + "/flow_runs/filter", json={},
                        headers={"X-Riverrun-API-Version": "999", "X-Riverrun-Version": "9.9.9"},
                        timeout=30)  # fmt: skip
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "9.9.9" in detail and "API version 999" in detail and "API version 1" in detail


def test_every_answer_says_the_servers_api_version(server: ServerProcess) -> None:
    answer = httpx.get(server.api_url + "/health", timeout=30)
    assert answer.headers["X-Riverrun-API-Version"] == "1"
