"""The "New automation" form: its fields in, an ``AutomationCore`` out, or errors by field.

The trigger is Prefect's UI's "Flow run state" shorthand, built by the same
``flow_run_state_trigger`` a Python user calls; the action is one of four. Everything the
models refuse comes back at the field that caused it, in the model's words. No store here:
flows are resolved to IDs, and the automation created, by ``ui.data_automations``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from riverrun.schemas import automations as a
from riverrun.states import StateType

#: The state names the form offers, in the order of a run's life (Prefect's UI's list).
STATE_NAMES = ("Scheduled", "Late", "AwaitingRetry", "Resuming", "Pending", "Paused",
               "Suspended", "Running", "Retrying", "Completed", "Cached", "Cancelling",
               "Cancelled", "Crashed", "Failed", "TimedOut")  # fmt: skip
#: The actions the form offers, by type, with their labels.
ACTIONS = {
    "send-notification": "Send a notification",
    "cancel-flow-run": "Cancel the flow run",
    "change-flow-run-state": "Change the flow run's state",
    "call-webhook": "Call a webhook",
}
#: Units of a proactive trigger's time, in seconds.
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600}
#: The states ``ChangeFlowRunState`` may set (a type; the name is optional).
TARGET_STATES = tuple(StateType.__members__)

EMPTY = {
    "name": "", "description": "", "flows": "", "tags": "", "posture": "Reactive",
    "within": "30", "unit": "minutes", "action": "send-notification",
    "block_document_id": "", "subject": a.SendNotification.model_fields["subject"].default,
    "body": "Flow run {{ flow_run.name }} of {{ flow.name }} entered {{ flow_run.state_name }}: "
            "{{ flow_run.message }}\n{{ flow_run_url }}",
    "payload": "", "state": "CANCELLED", "state_name": "", "state_message": "",
}  # fmt: skip


@dataclass
class AutomationForm:
    """What was typed (single fields by name, the checked states) and what was refused."""

    values: dict[str, str] = field(default_factory=lambda: dict(EMPTY))
    states: list[str] = field(default_factory=lambda: ["Failed"])
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def flows(self) -> list[str]:
        """The flow names typed, in order, once each."""
        return names(self.values["flows"])

    @property
    def tags(self) -> list[str]:
        """The tags typed, in order, once each."""
        return names(self.values["tags"])


def names(text: str) -> list[str]:
    """Comma-separated names, stripped, without blanks or repeats."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def read_form(pairs: list[tuple[str, str]]) -> AutomationForm:
    """The form as submitted (unknown fields are ignored, missing ones empty)."""
    values = {key: "" for key in EMPTY}
    states: list[str] = []
    for key, value in pairs:
        if key == "states":
            states.append(value)
        elif key in values:
            values[key] = value
    return AutomationForm(values=values, states=states)


def build(form: AutomationForm, flow_ids: list[str]) -> a.AutomationCore | None:
    """The automation the form describes, or None with ``form.errors`` saying why."""
    v = form.values
    if not v["name"].strip():
        form.errors["name"] = "Give the automation a name, e.g. “Production failures”."
    unknown = [s for s in form.states if s not in STATE_NAMES]
    if unknown:
        form.errors["states"] = f"Unknown state(s) {', '.join(unknown)}: pick from the list."
    elif not form.states:
        form.errors["states"] = "Pick at least one state."
    trigger = _trigger(form, flow_ids)
    action = _action(form)
    if form.errors or trigger is None or action is None:
        return None
    try:
        return a.AutomationCore(name=v["name"].strip(), description=v["description"].strip(),
                                trigger=trigger, actions=[action])  # fmt: skip
    except ValidationError as exc:  # pragma: no cover - its parts were each valid
        form.errors["name"] = _words(exc)
        return None


def _trigger(form: AutomationForm, flow_ids: list[str]) -> a.EventTrigger | None:
    v = form.values
    posture = v["posture"] if v["posture"] in ("Reactive", "Proactive") else ""
    if not posture:
        form.errors["posture"] = "Choose “enters” or “stays in”."
        return None
    within = timedelta(0)
    if posture == "Proactive":
        seconds = _number(v["within"])
        if seconds is None or v["unit"] not in UNITS:
            form.errors["within"] = (
                f"{v['within'].strip() or 'Nothing'!r} is not a time: give a number of "
                "seconds, minutes or hours, such as 30 minutes."
            )
            return None
        if seconds <= 0:
            form.errors["within"] = (
                "A run can only stay in a state for more than 0: give a time such as 30 minutes."
            )
            return None
        within = timedelta(seconds=seconds * UNITS[v["unit"]])
    try:
        return a.flow_run_state_trigger(form.states, flow_ids=flow_ids, tags=form.tags,
                                        posture=posture, within=within)  # fmt: skip
    except ValidationError as exc:
        form.errors["within"] = _words(exc)
        return None


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _action(form: AutomationForm) -> Any:
    v = form.values
    kind = v["action"]
    fields: dict[str, Any]
    if kind == "send-notification":
        model: type[Any] = a.SendNotification
        fields = {"block_document_id": v["block_document_id"] or None, "subject": v["subject"],
                  "body": v["body"]}  # fmt: skip
    elif kind == "call-webhook":
        model = a.CallWebhook
        fields = {"block_document_id": v["block_document_id"] or None, "payload": v["payload"]}
    elif kind == "cancel-flow-run":
        model, fields = a.CancelFlowRun, {}
    elif kind == "change-flow-run-state":
        model = a.ChangeFlowRunState
        fields = {"state": v["state"], "name": v["state_name"].strip() or None,
                  "message": v["state_message"].strip() or None}  # fmt: skip
    else:
        form.errors["action"] = f"Unknown action {kind!r}: choose one of {', '.join(ACTIONS)}."
        return None
    try:
        return model(**fields)
    except ValidationError as exc:
        for error in exc.errors():
            loc = str(error["loc"][0]) if error["loc"] else "action"
            key = {"name": "state_name", "message": "state_message"}.get(loc, loc)
            form.errors.setdefault(key, _message(key, error))
        return None


def _message(key: str, error: Any) -> str:
    if key == "block_document_id":
        return "Choose a saved notification block (the Blocks page makes one)."
    return str(error["msg"]).removeprefix("Value error, ")


def _words(exc: ValidationError) -> str:
    return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())


_FIELD = re.compile(r"actions\[0\]\.(\w+)")


def place(exc: a.InvalidAutomation, form: AutomationForm) -> None:
    """Put the store's refusal at the form field it names (``actions[0].body`` → body)."""
    found = _FIELD.search(str(exc))
    key = found.group(1) if found else "name"
    form.errors[key if key in EMPTY else "action"] = str(exc)


def from_automation(record: a.AutomationCore, flow_names: dict[str, str]) -> AutomationForm | None:
    """The form that makes ``record`` again, or None when the form cannot say it (another
    trigger than the flow-run state shorthand, several actions, a flow no longer known).

    The form is rebuilt and compared with the record, so an automation edited here is never
    silently changed in what the form does not show."""
    trigger = record.trigger
    if (record.actions_on_trigger or record.actions_on_resolve or len(record.actions) != 1
            or not isinstance(trigger, a.EventTrigger)):  # fmt: skip
        return None
    proactive = trigger.posture == a.Posture.Proactive
    events = trigger.after if proactive else trigger.expect
    states = sorted(
        (e.removeprefix("riverrun.flow-run.") for e in events if e != "riverrun.flow-run.*"),
        key=lambda s: STATE_NAMES.index(s) if s in STATE_NAMES else len(STATE_NAMES),
    )
    related = trigger.match_related
    specs = related if isinstance(related, list) else [related]
    ids: dict[str, list[str]] = {"flow": [], "tag": []}
    for spec in specs:
        labels = dict(spec.items())
        role = (labels.get("riverrun.resource.role") or [""])[0]
        for value in labels.get("riverrun.resource.id", []) if role in ids else []:
            ids[role].append(value.removeprefix(f"riverrun.{role}."))
    if any(i not in flow_names for i in ids["flow"]):
        return None
    seconds = trigger.within.total_seconds()
    unit = next((u for u in ("hours", "minutes") if seconds and seconds % UNITS[u] == 0), "seconds")
    values = dict(EMPTY)
    values.update(name=record.name, description=record.description,
                  flows=", ".join(flow_names[i] for i in ids["flow"]), tags=", ".join(ids["tag"]),
                  posture=trigger.posture.value, within=f"{seconds / UNITS[unit]:g}", unit=unit)  # fmt: skip
    values.update(_action_values(record.actions[0]))
    form = AutomationForm(values=values, states=states)
    again = build(AutomationForm(values=dict(values), states=list(states)), ids["flow"])
    if again is None or again.trigger != trigger or again.actions != record.actions:
        return None
    return form


def _action_values(action: Any) -> dict[str, str]:
    """An action as the form's fields."""
    out = {"action": str(action.type)}
    for key, field_name in (("block_document_id", "block_document_id"), ("subject", "subject"),
                            ("body", "body"), ("payload", "payload"), ("state", "state"),
                            ("state_name", "name"), ("state_message", "message")):  # fmt: skip
        value = getattr(action, field_name, None)
        if value is not None:
            out[key] = str(getattr(value, "value", value))
    return out
