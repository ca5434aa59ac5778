"""Caching and persisted results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow, task
from riverrun.cache_policies import (
    FLOW_PARAMETERS,
    INPUTS,
    NO_CACHE,
    RUN_ID,
    TASK_SOURCE,
    CachePolicyWarning,
)
from riverrun.states import StateType


def _counting_task(**options: Any) -> tuple[Any, list[Any]]:
    calls: list[Any] = []

    @task(**options)
    def work(x: Any) -> Any:
        calls.append(x)
        return x

    return work, calls


def test_inputs_policy_reuses_result_for_same_inputs(client: Any) -> None:
    work, calls = _counting_task(cache_policy=INPUTS)

    @flow
    def f() -> list[Any]:
        return [work(1), work(1), work(2)]

    assert f() == [1, 1, 2]
    assert calls == [1, 2]
    assert sorted(r.state_name for r in client.read_task_runs()) == [
        "Cached",
        "Completed",
        "Completed",
    ]


def test_run_id_policy_caches_only_within_one_flow_run() -> None:
    work, calls = _counting_task(cache_policy=RUN_ID)

    @flow
    def f() -> None:
        work(1)
        work(1)

    f()
    f()
    assert calls == [1, 1]


def test_default_policy_without_persistence_does_not_cache() -> None:
    work, calls = _counting_task()

    @flow
    def f() -> None:
        work(1)
        work(1)

    f()
    assert calls == [1, 1]


def test_no_cache_policy_never_caches() -> None:
    work, calls = _counting_task(cache_policy=NO_CACHE)

    @flow
    def f() -> None:
        work(1)
        work(1)

    f()
    assert calls == [1, 1]


def test_cache_key_fn_decides_the_key() -> None:
    work, calls = _counting_task(cache_key_fn=lambda ctx, params: "always-the-same")

    @flow
    def f() -> list[Any]:
        return [work(1), work(2)]

    assert f() == [1, 1]
    assert calls == [1]


def test_refresh_cache_runs_again_and_updates_the_value() -> None:
    work, calls = _counting_task(cache_policy=INPUTS)
    refreshing = work.with_options(refresh_cache=True)

    @flow
    def f() -> None:
        work(1)
        refreshing(1)

    f()
    assert calls == [1, 1]


def test_cache_expiration_in_the_past_is_a_miss() -> None:
    work, calls = _counting_task(cache_policy=INPUTS, cache_expiration=timedelta(seconds=-1))

    @flow
    def f() -> None:
        work(1)
        work(1)

    f()
    assert calls == [1, 1]


def test_policies_combine_with_plus_and_minus() -> None:
    combined = INPUTS + TASK_SOURCE + FLOW_PARAMETERS
    assert len(combined.policies) == 3  # type: ignore[attr-defined]
    work, calls = _counting_task(cache_policy=INPUTS - "x")

    @flow
    def f() -> list[Any]:
        return [work(1), work(2)]

    assert f() == [1, 1]
    assert calls == [1]


def test_unhashable_input_warns_naming_it_and_runs_uncached() -> None:
    lock = threading.Lock()
    work, calls = _counting_task(cache_policy=INPUTS)

    @flow
    def f() -> None:
        work(lock)

    with pytest.warns(CachePolicyWarning, match="Input 'x'"):
        f()
    assert calls == [lock]


def test_different_tasks_with_same_inputs_do_not_share_cache() -> None:
    first, first_calls = _counting_task(cache_policy=INPUTS)

    @task(cache_policy=INPUTS)
    def other(x: Any) -> str:
        return "other"

    @flow
    def f() -> list[Any]:
        return [first(1), other(1)]

    assert f() == [1, "other"]


def test_cached_value_survives_a_new_process(tmp_path: Path, riverrun_home: Path) -> None:
    script = tmp_path / "cached.py"
    marker = tmp_path / "calls"
    script.write_text(
        textwrap.dedent(
            f"""
            from riverrun import flow, task
            from riverrun.cache_policies import INPUTS

            @task(cache_policy=INPUTS)
            def expensive(x):
                with open({str(marker)!r}, "a") as fh:
                    fh.write("called\\n")
                return x * 10

            @flow
            def f():
                return expensive(4)

            print(f())
            """
        )
    )
    env = {**os.environ, "RIVERRUN_HOME": str(riverrun_home)}
    outputs = [
        subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    ]
    assert [o.strip() for o in outputs] == ["40", "40"]
    assert marker.read_text().count("called") == 1


def test_json_serializer_writes_readable_results(riverrun_home: Path) -> None:
    @task(persist_result=True, result_serializer="json")
    def make() -> dict[str, int]:
        return {"a": 1}

    @flow
    def f() -> dict[str, int]:
        return make()

    assert f() == {"a": 1}
    files = [p for p in (riverrun_home / "storage").iterdir() if not p.name.startswith(".")]
    # Prefect's result record: metadata, and the value as the JSON serializer's text.
    records = [json.loads(p.read_bytes()) for p in files]
    assert any(
        r["metadata"]["serializer"]["type"] == "json" and json.loads(r["result"]) == {"a": 1}
        for r in records
    )


def test_unserializable_result_with_persistence_fails_clearly(client: Any) -> None:
    @task(persist_result=True)
    def make() -> Any:
        return threading.Lock()

    @flow
    def f() -> Any:
        return make(return_state=True)

    state = f(return_state=True)
    assert state.type == StateType.FAILED
    [task_run] = client.read_task_runs()
    assert "cannot be pickled" in (task_run.state.message or "")
