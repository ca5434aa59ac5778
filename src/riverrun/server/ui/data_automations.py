"""The UI's reads and commands for automations: the list, one automation, the switch, delete
and create, and what the "New automation" form offers (notification blocks, flows by name).

Same rule as ``ui.data``: the operation table's methods only, every read bounded. Creating
goes through ``create_automation``, the operation ``Automation.create()`` reaches through the
client, so the form's automation is checked exactly as a Python user's is.
"""

from __future__ import annotations

from dataclasses import dataclass

from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import filters as f
from riverrun.schemas.automations import AutomationCore, AutomationRecord
from riverrun.server.ui.data import UIStore

#: Automations are configuration: a page lists this many at most.
AUTOMATIONS_SHOWN = 500
#: The form offers this many saved blocks of each notification type at most.
BLOCKS_SHOWN = 200
#: The capability of the block types that can send a notification (``NotificationBlock``'s).
NOTIFY = "notify"


def automations(store: UIStore) -> list[AutomationRecord]:
    """Every automation (at most ``AUTOMATIONS_SHOWN``), by name."""
    return store.read_automations(limit=AUTOMATIONS_SHOWN)


def automation(store: UIStore, automation_id: str) -> AutomationRecord:
    """One automation; raises ``ObjectNotFound``."""
    found = store.read_automation(automation_id)
    if found is None:
        raise ObjectNotFound(
            f"No automation has the ID {automation_id!r}; the automations page lists them."
        )
    return found


def set_automation_enabled(store: UIStore, automation_id: str, enabled: bool) -> None:
    """Enable or disable an automation."""
    if enabled:
        store.resume_automation(automation_id)
    else:
        store.pause_automation(automation_id)


def delete_automation(store: UIStore, automation_id: str) -> None:
    """Delete an automation."""
    store.delete_automation(automation_id)


def create_automation(store: UIStore, automation: AutomationCore) -> AutomationRecord:
    """Create an automation; raises ``InvalidAutomation`` naming the field it refuses."""
    return store.create_automation(automation)


def update_automation(store: UIStore, automation_id: str, automation: AutomationCore) -> None:
    """Replace an automation's definition; raises ``InvalidAutomation`` as create does."""
    store.update_automation(automation_id, automation)


def flow_names(store: UIStore, ids: list[str]) -> dict[str, str]:
    """The names of the flows with these IDs (an ID no flow has is left out)."""
    if not ids:
        return {}
    flows = store.read_flows(flow_filter=f.FlowFilter(id=f.FlowFilterId(any_=ids)), limit=len(ids))
    return {str(flow.id): flow.name for flow in flows}


@dataclass(frozen=True)
class NotificationBlock:
    """A saved block that can send notifications, as the form's choice shows it."""

    id: str
    name: str
    type_name: str


def notification_blocks(store: UIStore) -> list[NotificationBlock]:
    """Saved blocks of every block type with the ``notify`` capability (Slack, custom
    webhook, e-mail...), by type then name."""
    types = {t.id: t for t in store.read_block_types()}
    notifying = {s.block_type_id for s in store.read_block_schemas() if NOTIFY in s.capabilities}
    found: list[NotificationBlock] = []
    for type_id in sorted(notifying, key=lambda i: types[i].name if i in types else i):
        block_type = types.get(type_id)
        if block_type is None:
            continue
        for doc in store.read_block_documents(block_type_slug=block_type.slug, limit=BLOCKS_SHOWN):
            if not doc.is_anonymous:
                found.append(NotificationBlock(doc.id, doc.name, block_type.name))
    return found


def flow_ids(store: UIStore, names: list[str]) -> dict[str, str]:
    """The IDs of the flows with these names (a name no flow has is left out)."""
    if not names:
        return {}
    flows = store.read_flows(flow_filter=f.FlowFilter(name=f.FlowFilterName(any_=names)),
                             limit=len(names))  # fmt: skip
    return {flow.name: str(flow.id) for flow in flows}
