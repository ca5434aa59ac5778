"""Automations: create, read, find, update, delete, pause and resume, and the automations a
resource owns or is acted on by (Prefect's operations)."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas.automations import AutomationCore, AutomationRecord


class AutomationsAPI(Protocol):
    """The automation operations. Create and update check every reference and template and
    refuse the automation naming the field that is wrong."""

    @operation("POST", "/automations/", status_code=201, body="automation")
    def create_automation(self, automation: AutomationCore) -> AutomationRecord:
        """Create an automation; raises ``ValueError`` naming a bad field."""
        ...

    @operation("GET", "/automations/{automation_id}")
    def read_automation(self, automation_id: Id) -> Optional[AutomationRecord]:
        """One automation, or None."""
        ...

    @operation("GET", "/automations/name/{name:path}")
    def read_automations_by_name(self, name: str) -> list[AutomationRecord]:
        """The automations with that name (names need not be unique)."""
        ...

    @operation("GET", "/automations/find/{id_or_name:path}", client=False)
    def find_automation(self, id_or_name: str) -> Optional[AutomationRecord]:
        """The automation with this ID, else the first (oldest) with exactly this name, else
        with this name in any case; None when none matches (the client's
        ``find_automation`` raises ``ObjectNotFound`` for an unknown ID, as Prefect's)."""
        ...

    @operation("GET", "/automations/related-to/{resource_id:path}")
    def read_resource_related_automations(self, resource_id: str) -> list[AutomationRecord]:
        """The automations ``resource_id`` owns (``owner_resource``) and, for
        ``riverrun.deployment.<id>``, those that run that deployment (a ``RunDeployment``
        with ``source="selected"``), oldest first; [] for a resource nothing relates to."""
        ...

    @operation("DELETE", "/automations/owned-by/{resource_id:path}", status_code=204)
    def delete_resource_owned_automations(self, resource_id: str) -> None:
        """Delete every automation whose ``owner_resource`` is ``resource_id`` (none is no
        error); what only acts on the resource is kept."""
        ...

    @operation("POST", "/automations/filter")
    def read_automations(self, limit: Optional[int] = None) -> list[AutomationRecord]:
        """Every automation, by name."""
        ...

    @operation("PUT", "/automations/{automation_id}", status_code=204, body="automation")
    def update_automation(self, automation_id: Id, automation: AutomationCore) -> None:
        """Replace an automation's definition; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/automations/{automation_id}/pause", status_code=204)
    def pause_automation(self, automation_id: Id) -> None:
        """Disable an automation; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/automations/{automation_id}/resume", status_code=204)
    def resume_automation(self, automation_id: Id) -> None:
        """Enable an automation; raises ``ObjectNotFound``."""
        ...

    @operation("DELETE", "/automations/{automation_id}", status_code=204)
    def delete_automation(self, automation_id: Id) -> None:
        """Delete an automation; raises ``ObjectNotFound``."""
        ...
