"""Automations in the store: definitions (checked when saved) and the claims of firings.

Every reference an automation makes — a notification block, a deployment, another
automation — and every template is checked when it is created or updated, so a typo is
refused with the field named instead of failing silently the first time a run fails.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any, Optional, Union

from pydantic import ValidationError

from riverrun._automations.actions import render_parameters
from riverrun._automations.templates import TemplateError, render, sample_context
from riverrun._internal.clock import from_us, now_us
from riverrun._internal.ids import new_id
from riverrun._store.base import StoreBase
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas import automations as a
from riverrun.schemas.automations import InvalidAutomation

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

Id = Union[uuid.UUID, str]

SELECT_AUTOMATIONS = "SELECT id, name, enabled, definition, created, updated FROM automation"


def automation_from_row(row: Any) -> a.AutomationRecord:
    """A stored automation (a row of ``SELECT_AUTOMATIONS``)."""
    definition = json.loads(row[3])
    definition["enabled"] = bool(row[2])
    definition["name"] = row[1]
    return a.AutomationRecord.model_validate(
        {**definition, "id": row[0], "created": from_us(row[4]), "updated": from_us(row[5])}
    )


def _exists(conn: Connection, table: str, value: str) -> bool:
    from sqlalchemy import text

    found = conn.execute(text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": value}).first()
    return found is not None


def _check(conn: Connection, automation: a.AutomationCore, self_id: Optional[str]) -> None:
    """Refuse an automation whose references or templates are wrong, naming the field."""
    context = sample_context(automation.name)
    groups = (("actions", automation.actions), ("actions_on_trigger", automation.actions_on_trigger),
              ("actions_on_resolve", automation.actions_on_resolve))  # fmt: skip
    for group, actions in groups:
        for index, action in enumerate(actions):
            where = f"{group}[{index}]"
            block_id = getattr(action, "block_document_id", None)
            if block_id is not None and not _exists(conn, "block_document", str(block_id)):
                raise InvalidAutomation(
                    f"{where}.block_document_id: no block document with id {block_id}. "
                    "Save the notification block first (block.save('name')) and pass its "
                    "id (block._block_document_id); `riverrun block ls` lists saved blocks."
                )
            deployment_id = getattr(action, "deployment_id", None)
            if deployment_id is not None and not _exists(conn, "deployment", str(deployment_id)):
                raise InvalidAutomation(
                    f"{where}.deployment_id: no deployment with id {deployment_id}. "
                    "`riverrun deployment ls` lists deployments."
                )
            automation_id = getattr(action, "automation_id", None)
            if (
                automation_id is not None
                and str(automation_id) != self_id
                and not _exists(conn, "automation", str(automation_id))
            ):
                raise InvalidAutomation(
                    f"{where}.automation_id: no automation with id {automation_id}. "
                    "`riverrun automation ls` lists automations."
                )
            parameters = getattr(action, "parameters", None)
            if parameters:
                try:
                    render_parameters(parameters, context, field=f"{where}.parameters")
                except TemplateError as exc:
                    raise InvalidAutomation(str(exc)) from exc
            for name in ("subject", "body", "payload"):
                template = getattr(action, name, None)
                if isinstance(template, str):
                    try:
                        render(template, context, field=f"{where}.{name}")
                    except TemplateError as exc:
                        raise InvalidAutomation(str(exc)) from exc


def _definition(automation: a.AutomationCore) -> str:
    return automation.model_dump_json(exclude={"name", "enabled"})


class AutomationStoreMixin(StoreBase):
    """Create, read, update, delete, pause and resume automations."""

    def create_automation(self, automation: a.AutomationCore) -> a.AutomationRecord:
        """Create an automation.

        Raises:
            InvalidAutomation: a referenced block, deployment or automation does not exist,
                or a template does not render (the message names the field).
        """
        automation = _revalidate(automation)
        now = now_us()
        automation_id = new_id()
        with self.begin() as conn:
            _check(conn, automation, automation_id)
            conn.execute(
                self.text(
                    "INSERT INTO automation (id, name, enabled, definition, created, updated) "
                    "VALUES (:id, :name, :enabled, :definition, :now, :now)"
                ),
                {
                    "id": automation_id,
                    "name": automation.name,
                    "enabled": automation.enabled,
                    "definition": _definition(automation),
                    "now": now,
                },  # fmt: skip
            )
        found = self.read_automation(automation_id)
        assert found is not None
        return found

    def read_automation(self, automation_id: Id) -> Optional[a.AutomationRecord]:
        """One automation, or None."""
        with self.connect() as conn:
            row = conn.execute(
                self.text(SELECT_AUTOMATIONS + " WHERE id = :id"), {"id": str(automation_id)}
            ).first()
        return None if row is None else automation_from_row(row)

    def read_automations_by_name(self, name: str) -> list[a.AutomationRecord]:
        """The automations with that name."""
        with self.connect() as conn:
            rows = conn.execute(
                self.text(SELECT_AUTOMATIONS + " WHERE name = :name ORDER BY created"),
                {"name": name},
            ).all()
        return [automation_from_row(r) for r in rows]

    def find_automation(self, id_or_name: str) -> Optional[a.AutomationRecord]:
        """By ID, else the oldest with exactly this name, else with it in any case; or None."""
        try:
            automation_id = uuid.UUID(str(id_or_name))
        except ValueError:
            automation_id = None
        if automation_id is not None:
            return self.read_automation(automation_id)
        with self.connect() as conn:
            rows = conn.execute(
                self.text(SELECT_AUTOMATIONS + " WHERE lower(name) = :name ORDER BY created, id"),
                {"name": id_or_name.lower()},
            ).all()
        exact = [r for r in rows if r[1] == id_or_name]
        return automation_from_row((exact or rows)[0]) if rows else None

    def read_resource_related_automations(self, resource_id: str) -> list[a.AutomationRecord]:
        """What ``resource_id`` owns, and for a deployment what runs it, oldest first."""
        with self.connect() as conn:
            found = _mentioning(self, conn, resource_id)
        return [x for x in found if _related(x, resource_id, owned_only=False)]

    def delete_resource_owned_automations(self, resource_id: str) -> None:
        """Delete the automations ``resource_id`` owns."""
        with self.begin() as conn:
            owned = [
                str(x.id)
                for x in _mentioning(self, conn, resource_id)
                if _related(x, resource_id, owned_only=True)
            ]
            for automation_id in owned:
                conn.execute(
                    self.text("DELETE FROM automation WHERE id = :id"), {"id": automation_id}
                )

    def automations_version(self) -> tuple[int, int]:
        """How many automations there are and their latest change (µs): every change
        (create, update, pause, resume, delete) changes it, so a reader of every automation
        reads them again only then."""
        with self.connect() as conn:
            row = conn.execute(self.text("SELECT COUNT(*), MAX(updated) FROM automation")).one()
        return int(row[0]), int(row[1] or 0)

    def read_automations(self, limit: Optional[int] = None) -> list[a.AutomationRecord]:
        """Every automation, by name."""
        sql = SELECT_AUTOMATIONS + " ORDER BY name, created"
        params: dict[str, Any] = {}
        if limit is not None:
            sql += " LIMIT :limit"
            params["limit"] = limit
        with self.connect() as conn:
            rows = conn.execute(self.text(sql), params).all()
        return [automation_from_row(r) for r in rows]

    def update_automation(self, automation_id: Id, automation: a.AutomationCore) -> None:
        """Replace an automation's definition (checked as at create). An update that names
        no ``owner_resource`` keeps the stored one, as Prefect keeps an automation's owner."""
        automation = _revalidate(automation)
        with self.begin() as conn:
            _check(conn, automation, str(automation_id))
            if automation.owner_resource is None:
                automation = _keep_owner(self, conn, automation_id, automation)
            result = conn.execute(
                self.text(
                    "UPDATE automation SET name = :name, enabled = :enabled, "
                    "definition = :definition, updated = :now WHERE id = :id"
                ),
                {
                    "id": str(automation_id),
                    "name": automation.name,
                    "enabled": automation.enabled,
                    "definition": _definition(automation),
                    "now": now_us(),
                },  # fmt: skip
            )
        if not result.rowcount:
            raise ObjectNotFound(f"No automation with id {automation_id}.")

    def _set_enabled(self, automation_id: Id, enabled: bool) -> None:
        with self.begin() as conn:
            result = conn.execute(
                self.text(
                    "UPDATE automation SET enabled = :enabled, updated = :now WHERE id = :id"
                ),
                {"id": str(automation_id), "enabled": enabled, "now": now_us()},
            )
        if not result.rowcount:
            raise ObjectNotFound(f"No automation with id {automation_id}.")

    def pause_automation(self, automation_id: Id) -> None:
        """Disable an automation."""
        self._set_enabled(automation_id, False)

    def resume_automation(self, automation_id: Id) -> None:
        """Enable an automation."""
        self._set_enabled(automation_id, True)

    def delete_automation(self, automation_id: Id) -> None:
        """Delete an automation."""
        with self.begin() as conn:
            result = conn.execute(
                self.text("DELETE FROM automation WHERE id = :id"), {"id": str(automation_id)}
            )
        if not result.rowcount:
            raise ObjectNotFound(f"No automation with id {automation_id}.")


def _revalidate(automation: a.AutomationCore) -> a.AutomationCore:
    """The automation as its own class validates it (a subclass instance, e.g. the public
    ``Automation``, is reduced to the core fields)."""
    try:
        return a.AutomationCore.model_validate(
            automation.model_dump(include=set(a.AutomationCore.model_fields))
        )
    except ValidationError as exc:  # pragma: no cover - the model was valid when built
        raise InvalidAutomation(str(exc)) from exc


_DEPLOYMENT = "riverrun.deployment."


def _like_escaped(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _mentioning(store: StoreBase, conn: Connection, resource_id: str) -> list[a.AutomationRecord]:
    """The automations whose definition mentions the resource (or, for a deployment, its
    ID), oldest first: a cheap filter in SQL that ``_related`` then decides exactly. The
    owner lives in the JSON definition, so no table or index has to know about it."""
    needle = resource_id[len(_DEPLOYMENT) :] if resource_id.startswith(_DEPLOYMENT) else resource_id
    rows = conn.execute(
        store.text(
            SELECT_AUTOMATIONS + " WHERE definition LIKE :needle ESCAPE '\\' ORDER BY created, id"
        ),
        {
            "needle": _like_escaped(json.dumps(needle, ensure_ascii=False)[1:-1])
        },  # as the JSON text holds it
    ).all()
    return [automation_from_row(r) for r in rows]


def _related(automation: a.AutomationRecord, resource_id: str, owned_only: bool) -> bool:
    """Whether the resource owns the automation, or (unless ``owned_only``) is the deployment
    one of its ``RunDeployment`` actions selects, as Prefect relates them."""
    if automation.owner_resource == resource_id:
        return True
    if owned_only or not resource_id.startswith(_DEPLOYMENT):
        return False
    deployment_id = resource_id[len(_DEPLOYMENT) :]
    return any(
        isinstance(action, a.RunDeployment)
        and action.source == "selected"
        and str(action.deployment_id) == deployment_id
        for action in automation.actions
    )


def _keep_owner(
    store: StoreBase, conn: Connection, automation_id: Id, automation: a.AutomationCore
) -> a.AutomationCore:
    row = conn.execute(
        store.text("SELECT definition FROM automation WHERE id = :id"), {"id": str(automation_id)}
    ).first()
    owner = None if row is None else json.loads(row[0]).get("owner_resource")
    return automation if owner is None else automation.model_copy(update={"owner_resource": owner})
