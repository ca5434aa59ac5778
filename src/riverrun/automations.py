"""Automations: Prefect's ``prefect.automations`` under riverrun's name.

An automation is a trigger and the actions it runs when the trigger fires. With a server
they are evaluated by the server; with the embedded store (no server configured) the
process that records the runs evaluates reactive triggers on its own events as they are
written, so a plain script notifies before it exits. Proactive triggers ("no Completed
within 2 h of Running") need time to pass while nothing happens: they need a running server
or ``serve()`` process, and creating one warns when there is none.

Example:
    >>> from riverrun.automations import Automation, EventTrigger, SendNotification
    >>> Automation(
    ...     name="pro failures",
    ...     trigger=EventTrigger(expect={"riverrun.flow-run.Failed"},
    ...                          match_related={"riverrun.resource.id": "riverrun.tag.env:pro"}),
    ...     actions=[SendNotification(block_document_id=slack_id, body="{{ flow_run.name }} failed")],
    ... ).create()
"""

from __future__ import annotations

import contextlib
import uuid
import warnings
from collections.abc import Iterator
from typing import Any, Optional

from pydantic import Field

from riverrun.schemas.automations import (
    AutomationCore,
    CallWebhook,
    CancelFlowRun,
    ChangeFlowRunState,
    CompoundTrigger,
    DoNothing,
    EventTrigger,
    InvalidAutomation,
    PauseAutomation,
    PauseDeployment,
    Posture,
    ResourceSpecification,  # noqa: F401 - importable from here, as from Prefect's module
    ResumeAutomation,
    ResumeDeployment,
    RunDeployment,
    SendNotification,
    SequenceTrigger,
    contains_proactive,
    flow_run_state_trigger,
)
from riverrun.schemas.metric_triggers import (
    MetricTrigger,
    MetricTriggerOperator,
    MetricTriggerQuery,
    RiverrunMetric,
)


def _client() -> Any:
    from riverrun.client.orchestration import get_client

    return get_client(sync_client=True)


@contextlib.contextmanager
def _refusal() -> Iterator[None]:
    """A server's 422 for an automation is the same ``InvalidAutomation`` as embedded."""
    from riverrun.exceptions import RiverrunHTTPStatusError

    try:
        yield
    except RiverrunHTTPStatusError as exc:
        if getattr(exc, "status_code", None) == 422:
            raise InvalidAutomation(str(exc)) from None
        raise


class Automation(AutomationCore):
    """An automation, created, read and changed through the client (embedded or server)."""

    id: Optional[uuid.UUID] = Field(default=None)

    def _core(self) -> AutomationCore:
        return AutomationCore.model_validate(self.model_dump(exclude={"id"}))

    def create(self) -> Automation:
        """Create the automation; sets ``id``.

        Raises:
            ValueError: a referenced block, deployment or automation does not exist, or a
                template does not render (the message names the field).
        """
        from riverrun.settings import get_current_settings

        if contains_proactive(self.trigger) and not get_current_settings().api_url:
            warnings.warn(
                f"Automation {self.name!r} has a proactive trigger: it fires only while a "
                "riverrun server (`riverrun server start`) or a serve() process runs; with "
                "the embedded store nothing evaluates it while no run is writing events.",
                stacklevel=2,
            )
        with _client() as client, _refusal():
            record = client.create_automation(automation=self._core())
        self.id = record.id
        return self

    async def acreate(self) -> Automation:
        """Async twin of ``create``."""
        import asyncio

        return await asyncio.to_thread(self.create)

    @classmethod
    def read(cls, id: Optional[uuid.UUID] = None, name: Optional[str] = None) -> Automation:  # noqa: A002
        """Read an automation by ID or name.

        Raises:
            ValueError: both or neither of ``id`` and ``name`` given, or no such automation.
        """
        if id and name:
            raise ValueError("Only one of id or name can be provided")
        if not id and not name:
            raise ValueError("One of id or name must be provided")
        with _client() as client:
            if id:
                found = client.read_automation(automation_id=id)
                if found is None:
                    raise ValueError(f"Automation with ID {str(id)!r} not found")
                return cls.model_validate(found.model_dump(exclude={"created", "updated"}))
            assert name is not None
            named = client.read_automations_by_name(name=name)
            if not named:
                raise ValueError(f"Automation with name {name!r} not found")
            return cls.model_validate(named[0].model_dump(exclude={"created", "updated"}))

    def update(self) -> None:
        """Save this automation's fields over the stored one."""
        if self.id is None:
            raise ValueError("Can't update an automation without an id; create() it first.")
        with _client() as client, _refusal():
            client.update_automation(automation_id=self.id, automation=self._core())

    def delete(self) -> bool:
        """Delete the automation; False if it did not exist."""
        return self._call("delete_automation")

    def disable(self) -> bool:
        """Stop the automation from firing; False if it did not exist."""
        ok = self._call("pause_automation")
        if ok:
            self.enabled = False
        return ok

    def enable(self) -> bool:
        """Let the automation fire again; False if it did not exist."""
        ok = self._call("resume_automation")
        if ok:
            self.enabled = True
        return ok

    def _call(self, operation: str) -> bool:
        from riverrun.exceptions import ObjectNotFound

        if self.id is None:
            raise ValueError(f"Can't {operation.split('_')[0]} an automation without an id")
        with _client() as client:
            try:
                getattr(client, operation)(automation_id=self.id)
            except ObjectNotFound:
                return False
        return True


__all__ = [
    "Automation", "CallWebhook", "CancelFlowRun", "ChangeFlowRunState", "CompoundTrigger",
    "DoNothing", "EventTrigger", "MetricTrigger", "MetricTriggerOperator", "MetricTriggerQuery",
    "PauseAutomation", "PauseDeployment", "Posture",
    "ResumeAutomation", "ResumeDeployment", "RiverrunMetric", "RunDeployment", "SendNotification",
    "SequenceTrigger", "flow_run_state_trigger",
]  # fmt: skip
