"""Deployment pages: the list, a deployment (schedules with pause/resume, parameters, upcoming
and recent runs, Backfill), and its Run form drawn from the parameter schema by ``forms``.

A run is created through the operation table's ``create_flow_run_from_deployment``, the same
operation as ``POST /api/deployments/{id}/create_flow_run``; the schema errors it names come
back at their fields.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riverrun.exceptions import ParameterTypeError
from riverrun.schemas import objects as o
from riverrun.server.ui import data, forms, session
from riverrun.server.ui.catalog import offset_of
from riverrun.server.ui.render import page

router = APIRouter()
_csrf = [Depends(session.require_csrf)]
REPROCESS = ("none", "failed", "completed")


@router.get("/deployments", response_class=HTMLResponse)
def deployments(request: Request, q: str = "", paused: str = "") -> Response:
    """Deployments by name, searched on the server; ``paused=true|false`` filters."""
    store = request.app.state.store
    offset = offset_of(request)
    flag = {"true": True, "false": False}.get(paused)
    rows = data.deployments(store, q.strip(), flag, offset)
    shown = rows[: data.PAGE]
    return page(request, "deployments.html", deployments=shown, more=len(rows) > data.PAGE, offset=offset,
                   q=q, paused=paused, flows=data.flow_names(store, [d.flow_id for d in shown]))  # fmt: skip


@router.get("/deployments/{deployment_id}", response_class=HTMLResponse)
def deployment(request: Request, deployment_id: str) -> Response:
    """A deployment: schedules, parameters, upcoming and recent runs, and the Backfill form."""
    return _detail(request, deployment_id)


def _detail(request: Request, deployment_id: str, *, backfill: dict[str, Any] | None = None,
            status_code: int = 200) -> Response:  # fmt: skip
    store = request.app.state.store
    dep = data.deployment(store, deployment_id)
    flow = data.flow_names(store, [dep.flow_id]).get(dep.flow_id, "")
    return page(request, "deployment.html", status_code=status_code, dep=dep, flow_name=flow,
                   upcoming=data.deployment_runs(store, dep.id, upcoming=True),
                   recent=data.deployment_runs(store, dep.id, upcoming=False),
                   backfill=backfill or {"start": "", "end": "", "reprocess": "none", "errors": {}},
                   reprocess_choices=REPROCESS, notice=request.query_params.get("notice", ""))  # fmt: skip


@router.post("/deployments/{deployment_id}/schedules/{schedule_id}/{action}", dependencies=_csrf)
def schedule_switch(
    request: Request, deployment_id: str, schedule_id: str, action: str
) -> Response:
    """Pause or resume one schedule."""
    if action not in ("pause", "resume"):
        return page(request, "error.html", status_code=404, status=404,
                       message=f"Unknown schedule action {action!r}: use pause or resume.")  # fmt: skip
    data.set_schedule_active(
        request.app.state.store, deployment_id, schedule_id, active=action == "resume"
    )
    return RedirectResponse(f"/deployments/{deployment_id}", status_code=303)


@router.post("/deployments/{deployment_id}/pause", dependencies=_csrf)
def pause(request: Request, deployment_id: str) -> Response:
    """Pause the whole deployment (no more scheduled runs)."""
    data.set_deployment_paused(request.app.state.store, deployment_id, paused=True)
    return RedirectResponse(f"/deployments/{deployment_id}", status_code=303)


@router.post("/deployments/{deployment_id}/resume", dependencies=_csrf)
def resume(request: Request, deployment_id: str) -> Response:
    """Resume the deployment's schedules."""
    data.set_deployment_paused(request.app.state.store, deployment_id, paused=False)
    return RedirectResponse(f"/deployments/{deployment_id}", status_code=303)


# -- the Run form ----------------------------------------------------------------------------------


def _schema(dep: o.Deployment) -> dict[str, Any]:
    return dep.parameter_openapi_schema or {"type": "object", "properties": {}}


def _run_form(request: Request, dep: o.Deployment, values: dict[str, Any] | None, errors: dict[str, str],
              *, submitted: dict[str, str] | None = None, status_code: int = 200,
              extra: dict[str, str] | None = None, general: list[str] | None = None) -> Response:  # fmt: skip
    store = request.app.state.store
    fields = forms.render_form(_schema(dep), values, errors, submitted=submitted)
    flow = data.flow_names(store, [dep.flow_id]).get(dep.flow_id, "")
    return page(request, "deployment_run.html", status_code=status_code, dep=dep, flow_name=flow,
                   fields=fields, errors=errors, extra=extra or {"name": "", "tags": ""},
                   general=general or [])  # fmt: skip


@router.get("/deployments/{deployment_id}/run", response_class=HTMLResponse)
def run_form(request: Request, deployment_id: str, again: str = "") -> Response:
    """The Run form, the deployment's parameters (or, with ``again=<flow run id>``, that run's)
    filled in over the flow's defaults."""
    store = request.app.state.store
    dep = data.deployment(store, deployment_id)
    values = dict(dep.parameters)
    if again:
        values.update(data.flow_run(store, again).parameters)
    return _run_form(request, dep, values, {})


@router.post("/deployments/{deployment_id}/run", response_class=HTMLResponse, dependencies=_csrf)
async def run(request: Request, deployment_id: str) -> Response:
    """Create a run from the submitted form and go to it; errors come back at their fields."""
    pairs = await session.form_pairs(request)
    return await run_in_threadpool(_run, request, deployment_id, pairs)


def _run(request: Request, deployment_id: str, pairs: list[tuple[str, str]]) -> Response:
    store = request.app.state.store
    dep = data.deployment(store, deployment_id)
    submitted = dict(pairs)
    extra = {
        "name": submitted.get("run_name", "").strip(),
        "tags": submitted.get("run_tags", "").strip(),
    }
    values, errors = forms.parse_form(_schema(dep), pairs)
    general: list[str] = []
    if not errors:
        tags = [t.strip() for t in extra["tags"].split(",") if t.strip()]
        try:
            created = data.run_deployment(store, dep.id, values, name=extra["name"], tags=tags)
        except ParameterTypeError as exc:
            errors, general = field_errors(str(exc))
        else:
            return RedirectResponse(f"/flow-runs/{created.id}", status_code=303)
    shown = {**dep.parameters, **values}
    return _run_form(request, dep, shown, errors, submitted=submitted, status_code=422, extra=extra,
                     general=general)  # fmt: skip


_PROBLEM = re.compile(r"^\s*-\s+([A-Za-z_][\w.\[\]]*): (.+)$")


def field_errors(message: str, prefix: str = "p") -> tuple[dict[str, str], list[str]]:
    """The store's ``ParameterTypeError`` message as errors keyed by form field
    (``  - min_date: expected ...`` → ``p.min_date``); lines naming no field come back as is."""
    errors: dict[str, str] = {}
    general: list[str] = []
    for line in message.splitlines()[1:]:
        match = _PROBLEM.match(line)
        if not match:
            continue
        path = match.group(1).replace("[", ".").replace("]", "")
        text = match.group(2)
        key = f"{prefix}.{path}"
        if text.startswith("is not a parameter"):
            general.append(f"{path}: {text}")
        else:
            errors[key] = text[0].upper() + text[1:] + "."
    if not errors and not general:
        general.append(message)
    return errors, general


# -- backfill ----------------------------------------------------------------------------------------


@router.post(
    "/deployments/{deployment_id}/backfill", response_class=HTMLResponse, dependencies=_csrf
)
async def backfill(request: Request, deployment_id: str) -> Response:
    """Preview (``preview=1``) or create one run per schedule time in [start, end]."""
    pairs = dict(await session.form_pairs(request))
    return await run_in_threadpool(_backfill, request, deployment_id, pairs)


def _moment(text: str, zone: str) -> datetime:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time (YYYY-MM-DDTHH:MM).") from None
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(zone or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"Unknown timezone {zone!r}; use an IANA name such as UTC or Europe/Paris."
            ) from None
    return moment.astimezone(timezone.utc)


def _backfill(request: Request, deployment_id: str, form: dict[str, str]) -> Response:
    store = request.app.state.store
    dep = data.deployment(store, deployment_id)
    state: dict[str, Any] = {"start": form.get("start", ""), "end": form.get("end", ""),
                             "tz": form.get("tz", "UTC") or "UTC",
                             "reprocess": form.get("reprocess", "none"), "errors": {}}  # fmt: skip
    errors: dict[str, str] = state["errors"]
    bounds: dict[str, datetime] = {}
    for key in ("start", "end"):
        if not state[key]:
            errors[key] = "Pick a date and time."
            continue
        try:
            bounds[key] = _moment(state[key], state["tz"])
        except ValueError as exc:
            errors[key] = str(exc)
    if state["reprocess"] not in REPROCESS:
        errors["reprocess"] = f"Choose one of {', '.join(REPROCESS)}."
    if not dep.schedules:
        errors["start"] = "This deployment has no schedule to backfill; add one first."
    if not errors and bounds["end"] < bounds["start"]:
        errors["end"] = "The end is before the start."
    if not errors:
        preview = form.get("preview") == "1"
        try:
            create, skipped = data.backfill(store, dep, bounds["start"], bounds["end"], state["reprocess"],
                                            create=not preview)  # fmt: skip
        except ParameterTypeError as exc:
            # The runs take the deployment's (and schedule's) parameters: they fail its schema.
            errors["start"] = (
                str(exc).splitlines()[0]
                + " "
                + " ".join(line.strip() for line in str(exc).splitlines()[1:-1])
            )
        except ValueError as exc:
            errors["end"] = str(exc)
        else:
            if not preview:
                from urllib.parse import urlencode

                notice = f"Backfill: created {len(create)} run(s); skipped {len(skipped)}."
                return RedirectResponse(
                    f"/deployments/{dep.id}?" + urlencode({"notice": notice}), status_code=303
                )
            state["plan"] = {"create": create, "skipped": skipped}
    return _detail(request, deployment_id, backfill=state, status_code=422 if errors else 200)
