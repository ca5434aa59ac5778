"""Faults against a real riverrun server: bad keys, a key revoked mid-run, oversized values,
the server back while processes still hold a spool. Flows run as real processes."""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from riverrun._store.api_keys import create_api_key, revoke_api_key
from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store, open_store
from riverrun.server.testing import ServerProcess, free_port

from ._harness import (
    assert_runs_complete,
    flow_env,
    recorded,
    riverrun_cli,
    run_flow,
    spooled_events,
    start_flow,
    wait_until,
)

pytestmark = pytest.mark.slow


def _keys(server: ServerProcess) -> Store:
    # The server's own file, changed in this process: a CLI process per key costs seconds.
    return open_store(sqlite_url(server.home / "riverrun.db"))


def _create_key(server: ServerProcess, name: str) -> str:
    return create_api_key(_keys(server), name)[1]


def test_bad_keys_in_a_loop_never_lock_out_a_valid_client_on_the_same_address(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "server-home", auth=True)
    key = _create_key(server, "team")
    statuses: Counter[int] = Counter()
    stop = threading.Event()

    def attack() -> None:
        same = f"rr_{secrets.token_hex(8)}"
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                for bad in (same, f"rr_{secrets.token_hex(8)}"):
                    headers = {"Authorization": f"Bearer {bad}"}
                    statuses[client.post(f"{server.api_url}/events", json={"events": []},
                                         headers=headers).status_code] += 1  # fmt: skip

    with server:
        attacker = threading.Thread(target=attack, daemon=True)
        attacker.start()
        wait_until(lambda: statuses[429] > 0, "the bad keys to be throttled")
        done = run_flow(tmp_path / "work", tmp_path / "client-home", 40,
                        api_url=server.api_url, api_key=key)  # fmt: skip
        stop.set()
        attacker.join(30)
        assert done.returncode == 0, done.stderr
        assert "WARNING" not in done.stderr
        assert_runs_complete(recorded(server.api_url, key), runs=1, n=40)
    assert spooled_events(tmp_path / "client-home" / "spool") == []
    assert set(statuses) <= {401, 429}


def test_a_key_revoked_mid_run_keeps_every_event_until_a_valid_key_delivers_them(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "server-home", auth=True)
    key = _create_key(server, "laptop")
    client_home = tmp_path / "client-home"
    gate = tmp_path / "work" / "gate"
    with server:
        proc = start_flow(
            tmp_path / "work", client_home, 30, gate, api_url=server.api_url, api_key=key
        )
        wait_until(
            lambda: (tmp_path / "work" / "halfway").exists(), "the flow to be halfway", proc=proc
        )
        revoke_api_key(_keys(server), "laptop")
        gate.write_text("go")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "result 30" in out, err
        assert err.count("WARNING") == 1 and "RIVERRUN_API_KEY" in err
        assert spooled_events(client_home / "spool")
        assert not (client_home / "spool" / "rejected").exists()
        new_key = _create_key(server, "laptop-2")
        flushed = riverrun_cli(
            client_home, "spool", "flush", api_url=server.api_url, api_key=new_key
        )
        assert flushed.returncode == 0, flushed.stderr
        assert_runs_complete(recorded(server.api_url, new_key), runs=1, n=30)
    assert spooled_events(client_home / "spool") == []


OVERSIZED = """
from riverrun import flow, task, get_run_logger

@task
def shout(text):
    get_run_logger().info(text)
    return len(text)

@task
def step(i):
    get_run_logger().info(f"line {i}")
    return i

@flow(name="oversized")
def job(blob: str):
    for i in range(5):
        step(i)
    shout("x" * (11 * 1024 * 1024))
    return len(blob)

print("result", job("p" * (11 * 1024 * 1024)))
"""


def test_an_11_mb_parameter_and_log_line_are_stored_truncated_and_the_run_is_whole(
    tmp_path: Path,
) -> None:
    script = tmp_path / "oversized.py"
    script.write_text(OVERSIZED)
    with ServerProcess(tmp_path / "server-home") as server:
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                              env=flow_env(tmp_path / "client-home", api_url=server.api_url))  # fmt: skip
        assert done.returncode == 0, done.stderr
        found = recorded(server.api_url)
    [run] = found["flow_runs"]
    assert run["state_type"] == "COMPLETED"
    assert "truncated by riverrun: 11534" in run["parameters"]["blob"]
    assert len(found["task_runs"]) == 6
    assert all(t["state_type"] == "COMPLETED" for t in found["task_runs"])
    big = [log["message"] for log in found["logs"] if log["message"].startswith("xxx")]
    assert len(big) == 1 and "truncated by riverrun" in big[0] and len(big[0]) <= 1024 * 1024
    assert {f"line {i}" for i in range(5)} <= {log["message"] for log in found["logs"]}
    assert not (tmp_path / "client-home" / "spool" / "rejected").exists()


def test_processes_still_holding_a_spool_deliver_it_before_they_exit_once_the_server_answers(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "server-home", port=free_port())
    gates = [tmp_path / f"work-{i}" / "gate" for i in range(5)]
    procs = [start_flow(g.parent, tmp_path / f"client-{i}", 200, g, api_url=server.api_url)
             for i, g in enumerate(gates)]  # fmt: skip
    for gate, proc in zip(gates, procs, strict=True):
        wait_until(
            lambda g=gate: (g.parent / "halfway").exists(), "every flow to be halfway", proc=proc
        )
    with server:
        for gate in gates:
            gate.write_text("go")
        results = [proc.communicate(timeout=120) for proc in procs]
        assert [p.returncode for p in procs] == [0] * 5, [err for _, err in results]
        assert not any("wait in" in err for _, err in results), [err for _, err in results]
        assert_runs_complete(recorded(server.api_url), runs=5, n=200)
    for i in range(5):
        assert spooled_events(tmp_path / f"client-{i}" / "spool") == []
