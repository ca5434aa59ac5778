"""The seed guide's examples (sections 1 and 6), run as a user runs them: `python main.py`.

Each example is the guide's code with `prefect` replaced by `riverrun` (and
`riverrun.schemas` where the guide imports `prefect.orion.schemas`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from riverrun.states import StateType


def run_main(tmp_path: Path, home: Path, code: str) -> subprocess.CompletedProcess[str]:
    main = tmp_path / "main.py"
    main.write_text(textwrap.dedent(code))
    env = {**os.environ, "RIVERRUN_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, str(main)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def client() -> Any:
    from riverrun.client import get_client

    with get_client(sync_client=True) as c:
        yield c


def test_1_1_first_flow(tmp_path: Path, riverrun_home: Path, client: Any) -> None:
    result = run_main(
        tmp_path,
        riverrun_home,
        """
        from riverrun import flow

        @flow
        def greet(name):
            print(f"Hello {name}")

        if __name__ == '__main__':
            greet("John")
        """,
    )
    assert "Hello John" in result.stdout
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.COMPLETED
    assert client.read_flow(run.flow_id).name == "greet"


def test_1_1_tasks_in_a_flow(tmp_path: Path, riverrun_home: Path, client: Any) -> None:
    result = run_main(
        tmp_path,
        riverrun_home,
        """
        from riverrun import flow
        from riverrun import task

        @task
        def greet(name):
            print(f"Hello {name}")

        @flow
        def good_morning():
            greet("John")
            greet("Sam")

        if __name__ == '__main__':
            good_morning()
        """,
    )
    assert "Hello John\nHello Sam" in result.stdout
    assert sorted(r.name for r in client.read_task_runs()) == ["greet-0", "greet-1"]


def test_1_1_flows_calling_flows(tmp_path: Path, riverrun_home: Path, client: Any) -> None:
    run_main(
        tmp_path,
        riverrun_home,
        """
        from riverrun import flow

        @flow # Now this is a flow
        def greet(name):
            print(f"Hello {name}")

        @flow
        def good_morning():
            greet("John")
            greet("Sam")

        if __name__ == '__main__':
            good_morning()
        """,
    )
    runs = client.read_flow_runs()
    assert len(runs) == 3
    assert sum(r.parent_task_run_id is not None for r in runs) == 2


def test_1_2_tags(tmp_path: Path, riverrun_home: Path, client: Any) -> None:
    run_main(
        tmp_path,
        riverrun_home,
        """
        from riverrun import flow, tags

        @flow
        def good_morning():
            pass

        with tags("env:pro", "type:greet"):
            good_morning() # Call any 'flow' you want
        """,
    )
    [run] = client.read_flow_runs()
    assert set(run.tags) == {"env:pro", "type:greet"}


def test_1_3_logs(tmp_path: Path, riverrun_home: Path, client: Any) -> None:
    result = run_main(
        tmp_path,
        riverrun_home,
        """
        from riverrun import flow
        from riverrun import get_run_logger

        @flow(name="greet")
        def greet(name):
            logger = get_run_logger()
            logger.info(f"Hello {name}")

        if __name__ == '__main__':
            greet("John")
        """,
    )
    assert "Hello John" in result.stderr
    [run] = client.read_flow_runs()
    assert client.read_flow(run.flow_id).name == "greet"
    assert "Hello John" in [log.message for log in client.read_logs()]


def test_4_naming_conventions(tmp_path: Path, riverrun_home: Path, client: Any) -> None:
    run_main(
        tmp_path,
        riverrun_home,
        """
        from riverrun import flow

        @flow(name="good_morning.greet")
        def greet(name):
            print(f"Hello {name}")

        @flow(name="good_morning")
        def good_morning():
            greet("John")
            greet("Sam")

        if __name__ == '__main__':
            good_morning()
        """,
    )
    names = sorted(f.name for f in client.read_flows())
    assert names == ["good_morning", "good_morning.greet"]


UPDATE_TAGS = """
import asyncio

from riverrun import get_run_logger
from riverrun.client import get_client
from riverrun.context import get_run_context


def update_tags(tags):
    logger = get_run_logger()
    if not tags:
        logger.warning("No tags passed to 'update_tags', nothing to do")
        return True

    logger.info(f"Adding {tags=} to current flow_run")

    # Read current flow
    flow_run = get_run_context().flow_run
    tags += flow_run.tags

    client = get_client()
    asyncio.run(client.update_flow_run(flow_run.id, tags=set(tags)))
    return True
"""


@pytest.mark.both_modes
@pytest.mark.postgres
def test_6_1_updating_tags_at_runtime(tmp_path: Path, riverrun_home: Path, client: Any) -> None:
    run_main(
        tmp_path,
        riverrun_home,
        UPDATE_TAGS
        + """
from riverrun import flow

@flow(name="good_morning.greet")
def greet(name):
    print(f"Hello {name}")

@flow(name="good_morning")
def good_morning(env):
    update_tags([f"env:{env}"])
    greet("John")
    greet("Sam")

if __name__ == '__main__':
    good_morning("pro")
""",
    )
    [parent] = [r for r in client.read_flow_runs() if r.parent_task_run_id is None]
    assert parent.tags == ["env:pro"]
    assert parent.state_type == StateType.COMPLETED


def test_6_2_querying_for_conditional_flows(tmp_path: Path, riverrun_home: Path) -> None:
    result = run_main(
        tmp_path,
        riverrun_home,
        UPDATE_TAGS
        + """
import asyncio
from datetime import datetime, timedelta

from riverrun import flow
from riverrun.client import get_client
from riverrun.schemas import filters
from riverrun.schemas import sorting


async def read_flow_runs(flow_run_filter=None, sort=sorting.FlowRunSort.START_TIME_DESC):
    client = get_client()
    return await client.read_flow_runs(flow_run_filter=flow_run_filter, sort=sort)


async def query_flow_runs(name_like, env, state_names, start_time_min):
    filter_params = {
        "name": filters.FlowRunFilterName(like_=name_like),
        "tags": filters.FlowRunFilterTags(all_=[f"env:{env}"]),
        "state": filters.FlowRunFilterState(
            name=filters.FlowRunFilterStateName(any_=state_names)
        ),
        "start_time": filters.FlowRunFilterStartTime(after_=start_time_min),
    }

    flow_run_filter = filters.FlowRunFilter(**filter_params)
    return await read_flow_runs(flow_run_filter)


@flow(name="vtasks.gcal.summary", flow_run_name="vtasks.gcal.summary")
def summary(env):
    update_tags([f"env:{env}"])


def already_ran():
    flow_runs = asyncio.run(
        query_flow_runs(
            name_like="vtasks.gcal.summary",
            env="pro",
            state_names=["Completed"],
            start_time_min=datetime.now() - timedelta(days=1),
        )
    )
    return bool(flow_runs)


print("before", already_ran())
summary("pre")
print("after pre", already_ran())
summary("pro")
print("after pro", already_ran())
""",
    )
    assert "before False" in result.stdout
    assert "after pre False" in result.stdout
    assert "after pro True" in result.stdout
