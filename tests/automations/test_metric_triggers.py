"""Metric triggers: Prefect's classes build, and an automation with one is refused naming
the trigger and what to use instead — embedded, over HTTP and from the CLI (Prefect 3.9.1's
open-source server answers 422 to one; only Prefect Cloud evaluates them, D22)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from riverrun._cli.main import app
from riverrun.automations import (
    Automation,
    CompoundTrigger,
    DoNothing,
    EventTrigger,
    MetricTrigger,
    MetricTriggerOperator,
    MetricTriggerQuery,
    RiverrunMetric,
)
from riverrun.events import DeploymentMetricTrigger


def _metric() -> MetricTrigger:
    return MetricTrigger(
        match={"riverrun.resource.id": "riverrun.deployment.*"},
        metric=MetricTriggerQuery(name=RiverrunMetric.successes, threshold=0.9,
                                  operator=MetricTriggerOperator.LT),
    )  # fmt: skip


def test_a_metric_trigger_builds_with_prefects_fields_and_defaults() -> None:
    dumped = _metric().model_dump(mode="json")
    assert dumped["type"] == "metric" and dumped["posture"] == "Metric"
    assert dumped["metric"] == {"name": "successes", "threshold": 0.9, "operator": "<",
                                "range": 300.0, "firing_for": 300.0}  # fmt: skip


def test_a_metric_query_under_five_minutes_is_refused() -> None:
    with pytest.raises(ValueError, match="minimum range is 300 seconds"):
        MetricTriggerQuery(name="duration", threshold=60, operator=">", range=timedelta(minutes=1))


@pytest.mark.both_modes
def test_an_automation_with_a_metric_trigger_is_refused_naming_the_trigger() -> None:
    with pytest.raises(ValueError, match=r"trigger\n.*evaluated only by Prefect Cloud.*SLA"):
        Automation(name="slow deploys", trigger=_metric(), actions=[DoNothing()]).create()


def test_a_metric_trigger_nested_in_a_compound_is_refused() -> None:
    nested = CompoundTrigger(triggers=[EventTrigger(expect={"x"})], require="any")
    data = nested.model_dump(mode="json")
    data["triggers"].append(_metric().model_dump(mode="json"))
    with pytest.raises(ValueError, match="metric triggers"):
        Automation(name="mixed", trigger=data, actions=[DoNothing()])


def test_a_deployment_metric_trigger_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="evaluated only by Prefect Cloud"):
        DeploymentMetricTrigger(metric={"name": "lateness", "threshold": 600, "operator": ">"})


# A raw HTTP body: a test of the server modes only (embedded has no HTTP to send it over).
@pytest.mark.parametrize(
    "riverrun_mode",
    ["server-sqlite", pytest.param("server-postgres", marks=pytest.mark.postgres)],
    indirect=True,
)
def test_the_server_answers_422_naming_the_trigger(riverrun_mode: str) -> None:
    key = os.environ.get("RIVERRUN_API_KEY")
    body = {"name": "slow", "trigger": _metric().model_dump(mode="json"),
            "actions": [{"type": "do-nothing"}]}  # fmt: skip
    answer = httpx.post(os.environ["RIVERRUN_API_URL"] + "/automations/", json=body,
                        headers={"Authorization": f"Bearer {key}"} if key else {})  # fmt: skip
    assert answer.status_code == 422
    assert "trigger" in answer.text and "Prefect Cloud" in answer.text


def test_cli_create_refuses_a_metric_trigger_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "metric.yaml"
    path.write_text(
        "name: slow\ntrigger:\n  posture: Metric\n  metric: {name: duration, threshold: 600, "
        "operator: '>'}\nactions:\n  - type: do-nothing\n"
    )
    result = CliRunner().invoke(app, ["automation", "create", "-f", str(path)])
    assert result.exit_code == 1
    assert "trigger" in result.output and "Prefect Cloud" in result.output
