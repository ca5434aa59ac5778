"""serve() with the embedded store: triggered and scheduled runs run in subprocesses; clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun.client import get_client
from riverrun.deployments import run_deployment

from .test_api import SF_EXPORT

NAME = "riverrun.emr.salesforce.sf_export/nightly"
# Embedded (the serving process schedules) and against a server (its scheduler service does).
pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout} s")


def _deployment_exists() -> Any:
    try:
        return get_client(sync_client=True).read_deployment_by_name(NAME)
    except Exception:  # noqa: BLE001 - not created yet (or the file is being created)
        return None


def _serve(tmp_path: Path, serve_call: str) -> subprocess.Popen[bytes]:
    script = textwrap.dedent(SF_EXPORT) + f'\n\nif __name__ == "__main__":\n    {serve_call}\n'
    (tmp_path / "serve_me.py").write_text(script)
    with (tmp_path / "serve.log").open("wb") as out:
        return subprocess.Popen([sys.executable, "serve_me.py"], cwd=tmp_path, env=dict(os.environ),
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


@pytest.fixture
def served(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = _serve(
        tmp_path, 'sf_export.serve(name="nightly", parameters={"env": "pre"}, limit=2)'
    )
    try:
        _wait_for(_deployment_exists)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.mark.slow
def test_triggered_run_runs_with_typed_parameters(served: subprocess.Popen[bytes]) -> None:
    run = run_deployment(NAME, parameters={"min_date": "2025-01-31T00:00:00"}, timeout=120)
    assert run.state_name == "Completed", run.state
    logs = get_client(sync_client=True).read_logs()
    assert any(
        "exporting pre from datetime.datetime(2025, 1, 31, 0, 0) as nightly" in x.message
        for x in logs
    )


@pytest.mark.slow
def test_sigterm_stops_cleanly_and_pauses_the_deployment(served: subprocess.Popen[bytes]) -> None:
    served.send_signal(signal.SIGTERM)
    assert served.wait(timeout=60) == 0
    assert get_client(sync_client=True).read_deployment_by_name(NAME).paused


@pytest.mark.slow
def test_served_schedule_creates_and_runs_auto_scheduled_runs(tmp_path: Path) -> None:
    process = _serve(
        tmp_path, 'sf_export.serve(name="nightly", interval=2, parameters={"env": "pro"})'
    )
    try:
        client = get_client(sync_client=True)

        def completed_auto_run() -> Any:
            return [
                r
                for r in client.read_flow_runs()
                if "auto-scheduled" in r.tags and r.state_name == "Completed"
            ]

        runs = _wait_for(completed_auto_run, timeout=120)
        assert runs[0].parameters == {"env": "pro"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


@pytest.mark.single_mode("which processes serve a deployment is read from RIVERRUN_HOME")
def test_pause_on_shutdown_sees_another_live_serving_process() -> None:
    from riverrun.deployments import serve as serving

    alive = serving._serving_dir("d") / f"{serving.socket.gethostname()}-{os.getppid()}"
    alive.parent.mkdir(parents=True)
    alive.touch()
    assert serving._served_elsewhere("d")
    alive.unlink()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = serving._serving_dir("d") / f"{serving.socket.gethostname()}-{dead.pid}"
    gone.touch()
    assert not serving._served_elsewhere("d")
    assert not gone.exists()


@pytest.mark.slow
def test_a_served_trigger_runs_the_deployment_when_its_event_happens(tmp_path: Path) -> None:
    from riverrun.events import emit_event

    trigger = 'DeploymentEventTrigger(expect={"shop.paid"}, parameters={"env": "pro"})'
    process = _serve(tmp_path, "from riverrun.events import DeploymentEventTrigger; "
                               f'sf_export.serve(name="nightly", triggers=[{trigger}])')  # fmt: skip
    try:
        client = get_client(sync_client=True)
        deployment = _wait_for(_deployment_exists)
        resource = f"riverrun.deployment.{deployment.id}"
        _wait_for(lambda: client.read_resource_related_automations(resource))
        emit_event("shop.paid", resource={"riverrun.resource.id": "shop.order.1"})

        def completed_run() -> Any:
            runs = client.read_flow_runs()
            return [r for r in runs if r.deployment_id and r.state_name == "Completed"]

        (run,) = _wait_for(completed_run, timeout=120)
        assert run.parameters == {"env": "pro"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


@pytest.mark.slow
def test_aserve_runs_several_deployments_in_one_process(tmp_path: Path) -> None:
    process = _serve(tmp_path, "import asyncio; from riverrun import aserve; asyncio.run(aserve("
                     'sf_export.to_deployment("nightly", parameters={"env": "pre"}), '
                     'sf_export.to_deployment("weekly", parameters={"env": "pro"})))')  # fmt: skip
    try:
        _wait_for(_deployment_exists)
        weekly = "riverrun.emr.salesforce.sf_export/weekly"
        runs = [run_deployment(name, timeout=120) for name in (NAME, weekly)]
        assert [(r.state_name, r.parameters["env"]) for r in runs] == [
            ("Completed", "pre"), ("Completed", "pro"),
        ]  # fmt: skip
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


@pytest.mark.slow
def test_pause_on_shutdown_false_leaves_the_deployment_active(tmp_path: Path) -> None:
    process = _serve(tmp_path, 'sf_export.serve(name="nightly", pause_on_shutdown=False)')
    try:
        _wait_for(_deployment_exists)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    assert not get_client(sync_client=True).read_deployment_by_name(NAME).paused


@pytest.mark.slow
def test_serving_again_after_a_pause_on_shutdown_resumes_the_deployment(tmp_path: Path) -> None:
    call = 'sf_export.serve(name="nightly", cron="0 2 * * *")'
    first = _serve(tmp_path, call)
    try:
        _wait_for(_deployment_exists)
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    client = get_client(sync_client=True)
    assert client.read_deployment_by_name(NAME).paused
    second = _serve(tmp_path, call)
    try:
        _wait_for(lambda: not client.read_deployment_by_name(NAME).paused)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)


BLOCKING = """
import time

from riverrun import flow


@flow(name="blocking")
def blocking() -> None:
    while True:  # runs until the serving process stops it
        time.sleep(0.05)


if __name__ == "__main__":
    blocking.serve(name="forever")
"""


@pytest.mark.slow
def test_sigterm_marks_the_run_it_had_started_crashed(tmp_path: Path) -> None:
    (tmp_path / "blocking.py").write_text(BLOCKING)
    process = subprocess.Popen([sys.executable, "blocking.py"], cwd=tmp_path, env=dict(os.environ),
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    client = get_client(sync_client=True)
    try:
        run = _wait_for(lambda: _trigger_once(client, "blocking/forever"))
        _wait_for(lambda: client.read_flow_run(run.id).state_name == "Running")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    assert client.read_flow_run(run.id).state_name == "Crashed"


def _trigger_once(client: Any, name: str) -> Any:
    try:
        client.read_deployment_by_name(name)
    except Exception:  # noqa: BLE001 - not created yet
        return None
    return run_deployment(name, timeout=0)


@pytest.mark.slow
def test_cli_run_with_watch_waits_for_the_served_run_to_complete(
    served: subprocess.Popen[bytes],
) -> None:
    from .test_cli import cli

    result = cli("deployment", "run", NAME, "--param", "env=snd", "--params",
                 '{"min_date": "2025-01-31T00:00:00", "timeout_mins": 5}', "--watch")  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = get_client(sync_client=True).read_flow_runs()
    assert run.state_name == "Completed"
    assert run.parameters == {"env": "snd", "min_date": "2025-01-31T00:00:00", "timeout_mins": 5}


@pytest.mark.slow
def test_serve_global_limit_is_the_deployments_concurrency_limit(tmp_path: Path) -> None:
    process = _serve(tmp_path, 'sf_export.serve(name="nightly", global_limit=1, limit=3)')
    try:
        deployment = _wait_for(_deployment_exists)
        assert deployment.concurrency_limit == 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
