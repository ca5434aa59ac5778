"""Templates: one Jinja2 environment over the package's ``templates/``, and the filters every
page uses (times, durations, states, capped counts)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from riverrun.server.config import riverrun_version
from riverrun.server.ui import session

HERE = Path(__file__).parent
STATIC = HERE / "static"

_STATE_CLASS = {
    "COMPLETED": "ok", "FAILED": "bad", "CRASHED": "bad", "CANCELLED": "muted", "CANCELLING": "warn",
    "RUNNING": "run", "PENDING": "wait", "SCHEDULED": "wait", "PAUSED": "warn",
}  # fmt: skip
STATE_ORDER = ("COMPLETED", "RUNNING", "FAILED", "CRASHED", "CANCELLED", "CANCELLING", "PENDING",
               "SCHEDULED", "PAUSED")  # fmt: skip


def pool_url(name: str) -> str:
    """The page of a work pool (its name quoted: a pool name may hold any character)."""
    return "/work-pools/" + quote(name, safe="")


def state_class(state: Any) -> str:
    """The CSS class of a state type (``ok``, ``bad``, ``run``...)."""
    key = getattr(state, "value", state)
    return _STATE_CLASS.get(str(key or "").upper(), "muted")


def when(moment: datetime | None) -> str:
    """A time as ``2026-12-02 03:21:35 UTC``."""
    if moment is None:
        return "—"
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago: ``3 s ago``, ``5 min ago``, ``2 h ago``, ``4 d ago``."""
    if moment is None:
        return "—"
    seconds = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            text = f"{int(seconds // size)} {unit}"
            break
    else:
        text = f"{int(seconds)} s"
    return f"in {text}" if future else f"{text} ago"


def duration(value: timedelta | float | None) -> str:
    """A duration as ``850 ms``, ``12.3 s``, ``4m 05s``, ``2h 03m``."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m {int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h {int(seconds % 3600 // 60):02d}m"


def run_duration(run: Any) -> timedelta | None:
    """How long a run has run (its total run time, or since its start while it runs)."""
    if run.start_time is None:
        return None
    end = run.end_time or datetime.now(timezone.utc)
    return max(end - run.start_time, run.total_run_time or timedelta(0))


def count(value: int, more: bool = False) -> str:
    """A count with thousands separators; ``10,000+`` when it stopped at a cap."""
    return f"{value:,}+" if more else f"{value:,}"


def to_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (``</`` cannot end it)."""
    return Markup(json.dumps(value, default=str).replace("</", "<\\/"))


def pretty(value: Any) -> str:
    """Indented JSON of a value, for parameters and results."""
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def schedule_text(schedule: Any) -> str:
    """A schedule in a few words: ``cron 0 2 * * * (UTC)``, ``every 1h 00m``, ``rrule ...``."""
    zone = f" ({schedule.timezone})" if getattr(schedule, "timezone", None) else ""
    if getattr(schedule, "cron", None):
        return f"cron {schedule.cron}{zone}"
    if getattr(schedule, "interval", None) is not None:
        return f"every {duration(schedule.interval)}"
    if getattr(schedule, "rrule", None):
        return f"rrule {schedule.rrule}{zone}"
    return "no schedule"


_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


def level_name(level: int) -> str:
    """``INFO`` for 20; the number itself for a custom level."""
    return _LEVELS.get(level, str(level))


@cache
def static_version() -> str:
    """A token that changes with the static files, so browsers may cache them forever."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def environment() -> Environment:
    """The UI's Jinja2 environment (autoescaping, undefined names are errors)."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(state_class=state_class, when=when, ago=ago, duration=duration,
                       run_duration=run_duration, count=count, json=to_json, pretty=pretty,
                       level_name=level_name, schedule_text=schedule_text)  # fmt: skip
    env.globals.update(
        version=riverrun_version(), static_version=static_version, STATE_ORDER=STATE_ORDER
    )
    return env


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with what every page needs (CSRF token, auth, current path)."""
    config = request.app.state.config
    html = environment().get_template(template).render(
        request=request, csrf=session.csrf_token(request), auth=config.auth,
        path=request.url.path, htmx=request.headers.get("hx-request") == "true", **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status_code)
    session.set_csrf_cookie(request, response)
    return response
