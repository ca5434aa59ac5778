"""Jinja2 templates of actions (a notification's subject and body, a webhook's payload).

A template sees ``event`` (the triggering event), ``flow_run`` (the run it is about, if any:
``id``, ``name``, ``state`` (with ``.name``, ``.type``, ``.message`` as in Prefect),
``state_name``, ``message``, ``parameters``, ``tags``), ``flow``
(``id``, ``name``), ``automation`` (``id``, ``name``), and ``flow_run_url`` (the run's page,
``{ui_url}/runs/flow-run/<id>``). Undefined names are errors, so a typo is caught when the
automation is created rather than sent as an empty string.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Optional

from riverrun.exceptions import RiverrunException

if TYPE_CHECKING:
    import jinja2

    from riverrun.schemas.automations import Event

TemplateContext = dict[str, object]


class TemplateError(RiverrunException, ValueError):
    """A template of an action does not render."""


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2
    import jinja2.sandbox

    # Sandboxed: a template comes from whoever can create automations, and runs in the
    # server or the user's process.
    return jinja2.sandbox.ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False
    )


def render(template: str, context: TemplateContext, *, field: str = "template") -> str:
    """Render ``template`` with ``context``.

    Raises:
        TemplateError: the template is not valid Jinja2 or uses a name the context lacks;
            the message names ``field``.
    """
    if "{" not in template:
        return template
    import jinja2

    try:
        return _environment().from_string(template).render(**context)
    except jinja2.TemplateError as exc:
        raise TemplateError(
            f"The {field} does not render: {exc}. It can use event, flow_run (id, name, "
            "state (.name, .type, .message), state_name, message, parameters, tags), flow (id, name), automation "
            "(id, name) and flow_run_url."
        ) from exc


class TemplateState(str):
    """A run's state in a template: prints as its type (``FAILED``), and has Prefect's
    ``name``, ``type`` and ``message`` (``{{ flow_run.state.message }}``)."""

    name: str
    type: str
    message: Optional[str]

    def __new__(cls, type: str, name: str, message: Optional[str]) -> TemplateState:
        state = super().__new__(cls, type)
        state.type, state.name, state.message = type, name, message
        return state


class _AnyKey(dict[str, object]):
    """Parameters and payloads in the sample context: every key exists (and is empty),
    since which ones a run or event will have is known only when it fires."""

    def __missing__(self, key: str) -> str:
        return ""


def sample_context(automation_name: str = "automation") -> TemplateContext:
    """A context with every name a template may use, to check templates at create time."""
    from riverrun.schemas.automations import Event, Resource

    run_id = str(uuid.UUID(int=0))
    event = Event(
        event="riverrun.flow-run.Failed",
        resource=Resource({"riverrun.resource.id": f"riverrun.flow-run.{run_id}"}),
        occurred=datetime.now(timezone.utc),
    )
    event.payload = _AnyKey()
    return context_for(
        event,
        flow_run={
            "id": run_id,
            "name": "sample-run",
            "state": TemplateState("FAILED", "Failed", "sample message"),
            "state_name": "Failed",
            "message": "sample message",
            "parameters": _AnyKey(),
            "tags": [],
        },  # fmt: skip
        flow={"id": run_id, "name": "sample-flow"},
        automation={"id": run_id, "name": automation_name},
        ui_url="http://127.0.0.1:4200",
    )


def context_for(
    event: Optional[Event],
    *,
    flow_run: Optional[dict[str, object]],
    flow: Optional[dict[str, object]],
    automation: dict[str, object],
    ui_url: str,
) -> TemplateContext:
    """The names a template sees for a firing."""
    url = f"{ui_url.rstrip('/')}/runs/flow-run/{flow_run['id']}" if flow_run else ""
    return {
        "event": event,
        "flow_run": flow_run,
        "flow": flow,
        "automation": automation,
        "flow_run_url": url,
    }
