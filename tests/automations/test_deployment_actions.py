"""RunDeployment, PauseDeployment and ResumeDeployment act on real deployments, embedded (the
recording process evaluates) and with a server on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from riverrun import flow, tags
from riverrun.automations import (
    Automation,
    EventTrigger,
    PauseDeployment,
    ResumeDeployment,
    RunDeployment,
)
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, ReceivedEvent, emit_event
from riverrun.schemas.automations import InvalidAutomation

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]

FAILED_PRO = EventTrigger(
    expect={"riverrun.flow-run.Failed"},
    match_related={"riverrun.resource.id": "riverrun.tag.env:pro"},
)


@flow
def nightly() -> None:
    raise ValueError("disk full")


def _deployment(**fields: Any) -> str:
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("recover")
        return str(client.create_deployment(flow_id, "recover", **fields))


def _outcomes(timeout: float = 60.0) -> list[ReceivedEvent]:
    """The action outcome events, once there is at least one (bounded wait)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_events(
                filter=EventFilter(event_names=["riverrun.automation.action.*"])
            )
            if found or time.monotonic() > deadline:
                return found
            pause.wait(0.05)


def _fail_pro() -> None:
    with tags("env:pro"), pytest.raises(ValueError):
        nightly()


def _deployment_runs(deployment_id: str) -> list[Any]:
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
    return [r for r in runs if str(r.deployment_id) == deployment_id]


def test_run_deployment_creates_one_scheduled_run_with_rendered_parameters() -> None:
    deployment_id = _deployment(
        parameters={"env": "pre", "retries": 1}, job_variables={"image": "a"}
    )
    Automation(
        name="rerun on failure",
        trigger=FAILED_PRO,
        actions=[RunDeployment(
            deployment_id=deployment_id,
            parameters={"env": "pro", "cause": {"__riverrun_kind": "jinja",
                                                "template": "{{ flow_run.message }}"}},
            job_variables={"image": "b"},
        )],
    ).create()  # fmt: skip
    _fail_pro()
    (outcome,) = _outcomes()
    assert outcome.event == "riverrun.automation.action.executed", outcome.payload
    (run,) = _deployment_runs(deployment_id)
    assert str(run.id) == outcome.payload["flow_run_id"]
    assert run.state is not None and run.state.type.value == "SCHEDULED"
    assert run.parameters["env"] == "pro" and run.parameters["retries"] == 1
    assert str(run.parameters["cause"]).endswith("ValueError: disk full")
    assert run.idempotency_key is not None and run.idempotency_key.startswith("automation ")


def test_pause_then_resume_deployment_inferred_from_the_event() -> None:
    deployment_id = _deployment()
    Automation(
        name="pause on alarm",
        trigger=EventTrigger(expect={"shop.alarm"}),
        actions=[PauseDeployment(source="inferred")],
    ).create()
    emit_event(
        "shop.alarm",
        resource={"riverrun.resource.id": "shop.store.1"},
        related=[
            {
                "riverrun.resource.id": f"riverrun.deployment.{deployment_id}",
                "riverrun.resource.role": "deployment",
            }
        ],  # fmt: skip
    )
    (outcome,) = _outcomes()
    assert outcome.event == "riverrun.automation.action.executed", outcome.payload
    assert outcome.payload["deployment_id"] == deployment_id
    with get_client(sync_client=True) as client:
        assert client.read_deployment(deployment_id).paused is True


def test_resume_deployment_selected() -> None:
    deployment_id = _deployment(paused=True)
    Automation(
        name="resume on fix",
        trigger=EventTrigger(expect={"shop.fixed"}),
        actions=[ResumeDeployment(deployment_id=deployment_id)],
    ).create()
    emit_event("shop.fixed", resource={"riverrun.resource.id": "shop.store.1"})
    (outcome,) = _outcomes()
    assert outcome.event == "riverrun.automation.action.executed", outcome.payload
    with get_client(sync_client=True) as client:
        assert client.read_deployment(deployment_id).paused is False


def test_inferred_deployment_missing_from_the_event_is_recorded_as_failed() -> None:
    Automation(
        name="pause on alarm",
        trigger=EventTrigger(expect={"shop.alarm"}),
        actions=[PauseDeployment(source="inferred")],
    ).create()
    emit_event("shop.alarm", resource={"riverrun.resource.id": "shop.store.1"})
    (outcome,) = _outcomes()
    assert outcome.event == "riverrun.automation.action.failed"
    assert "No deployment could be inferred" in str(outcome.payload["reason"])


def test_run_deployment_with_a_template_that_does_not_render_is_refused() -> None:
    deployment_id = _deployment()
    bad = {"env": {"__riverrun_kind": "jinja", "template": "{{ flowrun.name }}"}}
    with pytest.raises(InvalidAutomation, match=r"actions\[0\]\.parameters\.env"):
        Automation(
            name="bad", trigger=FAILED_PRO,
            actions=[RunDeployment(deployment_id=deployment_id, parameters=bad)],
        ).create()  # fmt: skip
