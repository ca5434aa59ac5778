"""Commands a flow makes about its own run see what the run recorded before them, in every
mode and on every database, also under load. (The guide's own ``update_tags``, section 6.1,
runs in every mode in ``tests/test_guide.py``.)"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow
from riverrun.client import get_client
from riverrun.context import get_run_context

pytestmark = pytest.mark.postgres


@flow(name="good_morning")
def good_morning(env: str) -> str:
    flow_run = get_run_context().flow_run
    asyncio.run(get_client().update_flow_run(flow_run.id, tags={f"env:{env}", *flow_run.tags}))
    return env


def test_update_flow_run_on_the_current_run_adds_its_tags(client: Any) -> None:
    good_morning("pro")
    [run] = client.read_flow_runs()
    assert run.tags == ["env:pro"]
    assert run.state.name == "Completed"


def test_update_flow_run_renames_the_current_run(client: Any) -> None:
    @flow
    def renamed() -> None:
        run_id = get_run_context().flow_run.id
        with get_client(sync_client=True) as c:
            c.update_flow_run(run_id, name="a-new-name")

    renamed()
    [run] = client.read_flow_runs()
    assert run.name == "a-new-name"


def test_update_flow_run_from_many_flows_at_once_sees_each_run(client: Any) -> None:
    with ThreadPoolExecutor(max_workers=12) as pool:
        envs = list(pool.map(good_morning, [f"t{i}" for i in range(24)]))
    runs = client.read_flow_runs()
    assert sorted(r.tags[0] for r in runs) == sorted(f"env:{e}" for e in envs)


_MANY = """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor
    from riverrun import flow
    from riverrun.client import get_client
    from riverrun.context import get_run_context

    @flow(name="good_morning")
    def good_morning(env):
        flow_run = get_run_context().flow_run
        asyncio.run(get_client().update_flow_run(flow_run.id, tags={f"env:{env}"}))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(good_morning, [f"p{PROC}-{i}" for i in range(6)]))
"""


@pytest.mark.slow
def test_update_flow_run_from_flows_in_many_processes_sees_each_run(
    client: Any, tmp_path: Path
) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(_MANY).replace("PROC", str(p))],
            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for p in range(3)
    ]  # fmt: skip
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    tags = sorted(r.tags[0] for r in client.read_flow_runs(limit=100))
    assert tags == sorted(f"env:p{p}-{i}" for p in range(3) for i in range(6))
