"""Deployment triggers: ``to_deployment(triggers=...)`` makes automations the deployment owns,
replaced at each apply, that run it when their events happen — embedded (the recording
process evaluates) and with a server on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from riverrun import flow
from riverrun.automations import Automation, DoNothing, EventTrigger, RunDeployment
from riverrun.client.orchestration import get_client
from riverrun.events import DeploymentCompoundTrigger, DeploymentEventTrigger, emit_event
from riverrun.exceptions import ObjectNotFound

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]

PAID = DeploymentEventTrigger(
    expect={"shop.order.paid"},
    match={"riverrun.resource.id": "shop.order.*"},
    parameters={"who": "trigger"},
)


@flow
def greet(who: str = "world") -> str:
    return f"hi {who}"


def _owned(deployment_id: uuid.UUID) -> list[Any]:
    with get_client(sync_client=True) as client:
        related = client.read_resource_related_automations(f"riverrun.deployment.{deployment_id}")
    return [a for a in related if a.owner_resource == f"riverrun.deployment.{deployment_id}"]


def _runs_of(deployment_id: uuid.UUID, timeout: float = 60.0) -> list[Any]:
    """The deployment's flow runs, once there is at least one (bounded wait)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    with get_client(sync_client=True) as client:
        while True:
            runs = [
                r for r in client.read_flow_runs() if str(r.deployment_id) == str(deployment_id)
            ]
            if runs or time.monotonic() > deadline:
                return runs
            pause.wait(0.05)


def test_applying_twice_keeps_one_automation_per_trigger() -> None:
    triggers = [PAID, DeploymentEventTrigger(name="on refund", expect={"shop.order.refunded"})]
    first = greet.to_deployment("shop", triggers=triggers).apply()
    second = greet.to_deployment("shop", triggers=triggers).apply()
    assert first == second
    owned = _owned(second)
    assert sorted(a.name for a in owned) == ["on refund", "shop__automation_1"]
    (run_action,) = next(a for a in owned if a.name == "shop__automation_1").actions
    assert isinstance(run_action, RunDeployment)
    assert run_action.source == "selected" and run_action.deployment_id == second
    assert run_action.parameters == {"who": "trigger"}
    assert PAID.name is None  # the caller's trigger is copied, not renamed


def test_an_event_matching_the_trigger_runs_the_deployment_with_its_parameters(
    action_outcomes: Callable[[], list[Any]],
) -> None:
    deployment_id = greet.to_deployment("shop", triggers=[PAID]).apply()
    emit_event("shop.order.paid", resource={"riverrun.resource.id": "shop.order.7"})
    (outcome,) = action_outcomes()
    assert outcome.event == "riverrun.automation.action.executed", outcome.payload
    (run,) = _runs_of(deployment_id)
    assert run.parameters == {"who": "trigger"}
    assert run.state is not None and run.state.type.value == "SCHEDULED"


def test_an_event_of_another_resource_runs_nothing(
    action_outcomes: Callable[[], list[Any]],
) -> None:
    deployment_id = greet.to_deployment("shop", triggers=[PAID]).apply()
    Automation(name="marker", trigger=EventTrigger(expect={"shop.done"}),
               actions=[DoNothing()]).create()  # fmt: skip
    emit_event("shop.order.paid", resource={"riverrun.resource.id": "warehouse.7"})
    emit_event("shop.done", resource={"riverrun.resource.id": "shop.done"})
    (outcome,) = action_outcomes()  # the marker's, after the unmatched event was evaluated
    assert outcome.resource.name == "marker"
    assert _runs_of(deployment_id, timeout=0) == []


def test_applying_without_triggers_removes_the_ones_it_owned() -> None:
    greet.to_deployment("shop", triggers=[PAID]).apply()
    deployment_id = greet.to_deployment("shop").apply()
    assert _owned(deployment_id) == []


def test_a_plain_event_trigger_runs_the_deployment_with_its_defaults() -> None:
    plain = EventTrigger(expect={"shop.order.paid"})
    deployment = greet.to_deployment("shop", triggers=[plain])
    assert isinstance(deployment.triggers[0], DeploymentEventTrigger)
    (automation,) = _owned(deployment.apply())
    assert automation.name == "shop__automation_1"
    assert automation.actions[0].parameters is None  # type: ignore[union-attr]
    assert automation.trigger == plain


def test_a_compound_trigger_is_stored_as_a_plain_compound_trigger() -> None:
    compound = DeploymentCompoundTrigger(
        require="all", triggers=[EventTrigger(expect={"a"}), EventTrigger(expect={"b"})],
        parameters={"who": "both"},
    )  # fmt: skip
    (automation,) = _owned(greet.to_deployment("shop", triggers=[compound]).apply())
    assert automation.trigger.type == "compound"
    assert "parameters" not in automation.trigger.model_dump()


def test_related_automations_include_those_that_run_the_deployment_and_deleting_keeps_them() -> (
    None
):
    deployment_id = greet.to_deployment("shop", triggers=[PAID]).apply()
    Automation(name="rerun", trigger=EventTrigger(expect={"x"}),
               actions=[RunDeployment(deployment_id=deployment_id)]).create()  # fmt: skip
    Automation(name="unrelated", trigger=EventTrigger(expect={"x"}), actions=[DoNothing()]).create()
    resource = f"riverrun.deployment.{deployment_id}"
    with get_client(sync_client=True) as client:
        related = client.read_resource_related_automations(resource)
        assert sorted(a.name for a in related) == ["rerun", "shop__automation_1"]
        assert client.delete_resource_owned_automations(resource) is None
        assert sorted(a.name for a in client.read_automations()) == ["rerun", "unrelated"]
        assert client.read_resource_related_automations("nothing.here") == []
        client.delete_resource_owned_automations("nothing.here")  # no error


def test_any_resource_may_own_automations() -> None:
    owner = "shop.store_1%"  # LIKE's wildcards are matched literally
    with get_client(sync_client=True) as client:
        made = client.create_automation(automation=Automation(
            name="owned", trigger=EventTrigger(expect={"x"}), actions=[DoNothing()],
            owner_resource=owner,
        ))  # fmt: skip
        client.create_automation(automation=Automation(
            name="other", trigger=EventTrigger(expect={"x"}), actions=[DoNothing()],
            owner_resource="shop.store_10",
        ))  # fmt: skip
        assert [a.id for a in client.read_resource_related_automations(owner)] == [made.id]
        client.delete_resource_owned_automations(owner)
        assert [a.name for a in client.read_automations()] == ["other"]


def test_an_update_keeps_the_owner() -> None:
    deployment_id = greet.to_deployment("shop", triggers=[PAID]).apply()
    (automation,) = _owned(deployment_id)
    changed = automation.model_copy(update={"description": "edited", "owner_resource": None})
    with get_client(sync_client=True) as client:
        client.update_automation(automation.id, changed)
    (kept,) = _owned(deployment_id)
    assert kept.description == "edited"


def test_find_automation_by_id_then_exact_then_any_case_name() -> None:
    lower = Automation(name="nightly", trigger=EventTrigger(expect={"x"}),
                       actions=[DoNothing()]).create()  # fmt: skip
    upper = Automation(name="Nightly", trigger=EventTrigger(expect={"x"}),
                       actions=[DoNothing()]).create()  # fmt: skip
    with get_client(sync_client=True) as client:
        assert client.find_automation(upper.id).id == upper.id  # type: ignore[union-attr]
        assert client.find_automation(str(lower.id)).id == lower.id  # type: ignore[union-attr]
        assert client.find_automation("Nightly").id == upper.id  # type: ignore[union-attr]
        assert client.find_automation("NIGHTLY").id == lower.id  # type: ignore[union-attr]
        assert client.find_automation("weekly") is None


def test_find_automation_with_an_unknown_id_raises() -> None:
    with (
        get_client(sync_client=True) as client,
        pytest.raises(ObjectNotFound, match="No automation"),
    ):
        client.find_automation(uuid.uuid4())
