"""The server's knobs as settings: a real server honours them, a flag overrides them, and a bad
value stops `riverrun server start` with one line naming the setting and the fix."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from riverrun._internal.clock import now_us
from riverrun._store.testing import flow_run_event
from riverrun.server.testing import ServerProcess

_DAY = 86_400 * 1_000_000
_JSON = {"content-type": "application/json"}


def _post_oversized(server: ServerProcess, size: int) -> httpx.Response:
    return httpx.post(f"{server.api_url}/events", content=b"x" * size, headers=_JSON, timeout=30)


def test_max_body_bytes_setting_is_the_limit_the_413_names(home: Path) -> None:
    with ServerProcess(home, env={"RIVERRUN_SERVER_MAX_BODY_BYTES": "4096"}) as server:
        small = httpx.post(f"{server.api_url}/events", json={"events": [flow_run_event()]})
        big = _post_oversized(server, 4097)
    assert small.status_code == 200
    assert big.status_code == 413 and "limit of 4096 bytes" in big.json()["detail"]


def test_max_body_size_flag_overrides_the_setting(home: Path) -> None:
    env = {"RIVERRUN_SERVER_MAX_BODY_BYTES": "4096"}
    with ServerProcess(home, env=env, args=["--max-body-size", "8KiB"]) as server:
        response = _post_oversized(server, 8193)
    assert response.status_code == 413 and "limit of 8192 bytes" in response.json()["detail"]


def _exists(server: ServerProcess, run_id: str) -> bool:
    status = httpx.get(f"{server.api_url}/flow_runs/{run_id}", timeout=30).status_code
    assert status in (200, 404)
    return status == 200


def _assert_old_runs_are_deleted_again_and_again(server: ServerProcess) -> None:
    """Old runs posted one after another each vanish; a fresh run stays.

    Without a short interval the first pass comes 30 s after start and the next an hour
    later, so the second old run could not vanish within the bound.
    """
    fresh = flow_run_event(flow_name="fresh")
    httpx.post(f"{server.api_url}/events", json={"events": [fresh]}).raise_for_status()
    for _ in range(2):
        old = flow_run_event(flow_name="old", created=now_us() - 2 * _DAY)
        httpx.post(f"{server.api_url}/events", json={"events": [old]}).raise_for_status()
        deadline = time.monotonic() + 20
        while _exists(server, old["id"]):
            assert time.monotonic() < deadline, "retention never deleted the old run"
            time.sleep(0.05)
    assert _exists(server, fresh["id"])


def test_retention_interval_setting_sets_how_often_old_runs_are_deleted(home: Path) -> None:
    env = {"RIVERRUN_RETENTION_DAYS": "1", "RIVERRUN_RETENTION_INTERVAL_SECONDS": "0.2"}
    with ServerProcess(home, env=env) as server:
        _assert_old_runs_are_deleted_again_and_again(server)


def test_retention_interval_flag_overrides_the_setting(home: Path) -> None:
    env = {"RIVERRUN_RETENTION_DAYS": "1", "RIVERRUN_RETENTION_INTERVAL_SECONDS": "3600"}
    with ServerProcess(home, env=env, args=["--retention-interval", "0.2s"]) as server:
        _assert_old_runs_are_deleted_again_and_again(server)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("RIVERRUN_SERVER_MAX_BODY_BYTES", "0", "expected a number > 0"),
        ("RIVERRUN_SERVER_MAX_BODY_BYTES", "10MiB", "expected a whole number"),
        ("RIVERRUN_RETENTION_INTERVAL_SECONDS", "-5", "expected a number > 0"),
        ("RIVERRUN_RETENTION_INTERVAL_SECONDS", "hourly", "expected a number"),
    ],
)
def test_invalid_setting_stops_start_with_one_line_naming_it_and_the_fix(
    home: Path, name: str, value: str, expected: str
) -> None:
    done = ServerProcess(home, env={name: value}).cli("server", "start")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"Error: Setting {name} from the environment is invalid")
    assert expected in done.stderr and f"riverrun config set {name}=" in done.stderr


@pytest.mark.parametrize(
    ("option", "value"), [("--max-body-size", "0"), ("--retention-interval", "0s")]
)
def test_zero_option_stops_start_naming_the_option(home: Path, option: str, value: str) -> None:
    done = ServerProcess(home).cli("server", "start", option, value)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"Invalid value for '{option}'" in done.stderr
