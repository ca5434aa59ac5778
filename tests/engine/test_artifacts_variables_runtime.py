"""Artifacts, variables and riverrun.runtime."""

from __future__ import annotations

from typing import Any

import pytest

from riverrun import flow, task
from riverrun.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from riverrun.exceptions import ObjectAlreadyExists
from riverrun.variables import Variable


def test_artifacts_are_stored_with_their_runs(client: Any) -> None:
    @task
    def report() -> None:
        create_table_artifact([{"a": 1}], key="numbers")

    @flow
    def f() -> None:
        create_markdown_artifact("# Done", key="summary", description="the summary")
        create_link_artifact("https://example.org", link_text="docs", key="docs-link")
        report()

    f()
    artifacts = {a.key: a for a in client.read_artifacts()}
    [run] = client.read_flow_runs()
    assert artifacts["summary"].data == "# Done"
    assert artifacts["summary"].flow_run_id == run.id
    assert artifacts["numbers"].task_run_id is not None
    # A link is stored as markdown, as Prefect 3.9.1 does.
    assert (artifacts["docs-link"].type, artifacts["docs-link"].data) == (
        "markdown",
        "[docs](https://example.org)",
    )


def test_invalid_artifact_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="lowercase letters, numbers and dashes"):
        create_markdown_artifact("x", key="Bad Key")


def test_variables_set_get_unset() -> None:
    assert Variable.get("env", default="none") == "none"
    Variable.set("env", "pro")
    assert Variable.get("env") == "pro"
    with pytest.raises(ObjectAlreadyExists, match="overwrite=True"):
        Variable.set("env", "pre")
    Variable.set("env", {"name": "pre"}, overwrite=True)
    assert Variable.get("env") == {"name": "pre"}
    assert Variable.unset("env") is True
    assert Variable.get("env") is None


def test_runtime_exposes_current_runs() -> None:
    from riverrun import runtime

    @task(tags=["t"])
    def inner(x: int) -> tuple[Any, ...]:
        return runtime.task_run.name, runtime.task_run.parameters, runtime.flow_run.id is not None

    @flow(flow_run_name="run-{n}")
    def outer(n: int) -> tuple[Any, ...]:
        return runtime.flow_run.name, runtime.flow_run.parameters, inner(n)

    assert outer(2) == ("run-2", {"n": 2}, ("inner-0", {"x": 2}, True))
    assert runtime.flow_run.id is None
