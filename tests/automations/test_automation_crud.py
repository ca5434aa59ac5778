"""Automations through the public API, embedded and against servers on SQLite and PostgreSQL:
create, read, update, pause/resume, delete, and refusal of bad ones naming the field."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from riverrun.automations import (
    Automation,
    DoNothing,
    EventTrigger,
    PauseAutomation,
    Posture,
    RunDeployment,
    SendNotification,
)
from riverrun.blocks.notifications import SlackWebhook

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]

FAILED = EventTrigger(expect={"riverrun.flow-run.Failed"})


def _slack_id() -> uuid.UUID:
    block = SlackWebhook(url="http://127.0.0.1:9/hook")
    block.save("slack", overwrite=True)
    return uuid.UUID(str(block._block_document_id))


def test_created_automation_reads_back_by_id_and_name() -> None:
    created = Automation(name="on failure", trigger=FAILED, actions=[DoNothing()]).create()
    assert created.id is not None
    by_id = Automation.read(id=created.id)
    by_name = Automation.read(name="on failure")
    assert by_id == by_name == created
    assert by_id.trigger == FAILED


def test_update_replaces_the_definition() -> None:
    automation = Automation(name="a", trigger=FAILED, actions=[DoNothing()]).create()
    automation.trigger = EventTrigger(expect={"riverrun.flow-run.Crashed"}, threshold=3,
                                      within=timedelta(minutes=5))  # fmt: skip
    automation.update()
    assert Automation.read(id=automation.id).trigger.threshold == 3


def test_disable_and_enable_toggle_enabled() -> None:
    automation = Automation(name="a", trigger=FAILED, actions=[DoNothing()]).create()
    assert automation.disable() is True
    assert Automation.read(id=automation.id).enabled is False
    assert automation.enable() is True
    assert Automation.read(id=automation.id).enabled is True


def test_delete_removes_it_and_a_second_delete_says_false() -> None:
    automation = Automation(name="a", trigger=FAILED, actions=[DoNothing()]).create()
    assert automation.delete() is True
    with pytest.raises(ValueError, match="not found"):
        Automation.read(id=automation.id)
    assert automation.delete() is False


def test_unknown_block_is_refused_naming_the_field() -> None:
    missing = uuid.uuid4()
    with pytest.raises(
        ValueError, match=rf"actions\[0\]\.block_document_id: no block document with id {missing}"
    ):
        Automation(name="a", trigger=FAILED,
                   actions=[SendNotification(block_document_id=missing, body="x")]).create()  # fmt: skip


def test_template_that_does_not_render_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"actions\[1\]\.body does not render"):
        Automation(name="a", trigger=FAILED, actions=[
            DoNothing(), SendNotification(block_document_id=_slack_id(), body="{{ flow_run.name "),
        ]).create()  # fmt: skip


def test_template_naming_an_unknown_variable_is_refused() -> None:
    with pytest.raises(ValueError, match="'flowrun' is undefined"):
        Automation(name="a", trigger=FAILED, actions=[
            SendNotification(block_document_id=_slack_id(), body="{{ flowrun.name }}"),
        ]).create()  # fmt: skip


def test_unknown_deployment_and_automation_are_refused() -> None:
    with pytest.raises(ValueError, match=r"actions\[0\]\.deployment_id: no deployment"):
        Automation(
            name="a", trigger=FAILED, actions=[RunDeployment(deployment_id=uuid.uuid4())]
        ).create()
    with pytest.raises(ValueError, match=r"actions\[0\]\.automation_id: no automation"):
        Automation(
            name="a", trigger=FAILED, actions=[PauseAutomation(automation_id=uuid.uuid4())]
        ).create()


@pytest.mark.single_mode("the warning is about running with no server")
def test_proactive_trigger_warns_that_it_needs_a_server() -> None:
    trigger = EventTrigger(posture=Posture.Proactive, after={"riverrun.flow-run.Running"},
                           expect={"riverrun.flow-run.Completed"}, within=timedelta(hours=2))  # fmt: skip
    with pytest.warns(UserWarning, match="needs? .*server|fires only while a riverrun server"):
        Automation(name="slow", trigger=trigger, actions=[DoNothing()]).create()
