"""``riverrun.yaml``: deployments declared in a project file (Prefect's ``prefect.yaml`` layout).

    deployments:
      - name: nightly
        entrypoint: flows/export.py:sf_export
        parameters: {env: pro}
        tags: [etl]
        work_pool: {name: default, work_queue_name: null, job_variables: {}}
        schedules:
          - cron: "0 2 * * *"
            timezone: Europe/Paris
        triggers:
          - expect: [shop.order.paid]
            parameters: {mode: fast}

A key riverrun does not know is refused, naming it and the keys that are allowed, so a
misspelt ``schedules`` never silently deploys a flow without its schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riverrun.exceptions import ConfigurationError

# Prefect's project keys; build/push/pull steps are accepted and ignored (no images here).
_TOP = {"name", "prefect-version", "riverrun-version", "build", "push", "pull", "deployments"}
_DEPLOYMENT = {"name", "version", "tags", "description", "entrypoint", "parameters", "work_pool",
               "schedules", "schedule", "concurrency_limit", "enforce_parameter_schema", "paused",
               "catchup", "catchup_window", "overlap", "job_variables", "pull", "build", "push",
               "sla", "triggers"}  # fmt: skip
_WORK_POOL = {"name", "work_queue_name", "job_variables"}
_SCHEDULE = {"cron", "interval", "rrule", "timezone", "anchor_date", "day_or", "active",
             "parameters", "slug", "jitter", "max_scheduled_runs"}  # fmt: skip


def _refuse_unknown(data: Any, allowed: set[str], where: str, path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: {where} must be a mapping, got {type(data).__name__}.")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown key(s) {', '.join(map(repr, unknown))} in {where}; allowed: "
            f"{', '.join(sorted(allowed))}."
        )
    return data


def read_project(path: Path) -> list[dict[str, Any]]:
    """The deployments a project file declares, checked key by key.

    Raises:
        ConfigurationError: the file is not YAML, or has a key riverrun does not know.
    """
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path} is not valid YAML: {exc}") from None
    top = _refuse_unknown(data, _TOP, "the file", path)
    deployments = top.get("deployments") or []
    if not isinstance(deployments, list):
        raise ConfigurationError(f"{path}: 'deployments' must be a list of deployments.")
    out = []
    for index, item in enumerate(deployments):
        where = f"deployments[{index}]"
        entry = _refuse_unknown(item, _DEPLOYMENT, where, path)
        if not entry.get("name") or not entry.get("entrypoint"):
            raise ConfigurationError(f"{path}: {where} needs a 'name' and an 'entrypoint'.")
        if entry.get("work_pool") is not None:
            _refuse_unknown(entry["work_pool"], _WORK_POOL, f"{where}.work_pool", path)
        for n, sched in enumerate(entry.get("schedules") or []):
            _refuse_unknown(sched, _SCHEDULE, f"{where}.schedules[{n}]", path)
        out.append(entry)
    return out


def schedule_from_yaml(entry: dict[str, Any]) -> Any:
    """A ``riverrun.schedules.Schedule`` from a ``schedules:`` item."""
    from riverrun.schedules import Schedule

    fields = dict(entry)
    if "interval" in fields:
        fields["interval"] = dt.timedelta(seconds=float(fields["interval"]))
    if "jitter" in fields and fields["jitter"] is not None:
        fields["jitter"] = dt.timedelta(seconds=float(fields["jitter"]))
    if isinstance(fields.get("anchor_date"), str):
        fields["anchor_date"] = dt.datetime.fromisoformat(fields["anchor_date"])
    fields.pop("max_scheduled_runs", None)
    return Schedule(**fields)


def _each_validated(
    specs: Any,
    kind: Any,
    where: str,
    key: str,
    example: str,
    explain: Callable[[int, dict[str, Any], Any], str],
) -> list[Any]:
    """Each mapping of a ``key:`` list validated as ``kind``; ``explain(n, spec, error)``
    says what is wrong with the n-th.

    Raises:
        ConfigurationError: not a list of mappings, or an item that does not validate.
    """
    import pydantic

    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise ConfigurationError(f"{where}: '{key}' must be a list of mappings, e.g. {example}.")
    adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(kind)
    out = []
    for n, spec in enumerate(specs):
        try:
            out.append(adapter.validate_python(spec))
        except pydantic.ValidationError as exc:
            raise ConfigurationError(f"{where}: {explain(n, spec, exc)}") from None
    return out


def slas_from_specs(specs: Any, where: str) -> list[Any]:
    """SLAs (``riverrun.schemas.slas``) from a ``sla:`` list of mappings, as Prefect's
    ``prefect.yaml`` takes them (``within`` and ``stale_after`` in seconds).

    Raises:
        ConfigurationError: not a list of mappings, or an SLA that does not validate.
    """
    from riverrun.schemas.slas import SlaTypes

    def explain(n: int, spec: dict[str, Any], exc: Any) -> str:
        return (
            f"sla[{n}] ({spec.get('name', 'unnamed')!r}) is not an SLA: give a name and "
            "one of duration (seconds a run may take), within (seconds a run may start "
            f"late) or stale_after (seconds between completed runs). {exc.error_count()} "
            f"error(s): {exc.errors()[0]['msg']}"
        )

    return _each_validated(specs, SlaTypes, where, "sla", "[{name: slow, duration: 600}]", explain)


def triggers_from_specs(specs: Any, where: str) -> list[Any]:
    """Deployment triggers from a ``triggers:`` list of mappings, as Prefect's
    ``prefect.yaml`` takes them (the kind from ``type``, else inferred; seconds for durations).

    Raises:
        ConfigurationError: not a list of mappings, or a trigger that does not validate.
    """
    from riverrun.schemas.deployment_triggers import DeploymentTriggerTypes

    def explain(n: int, spec: dict[str, Any], exc: Any) -> str:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"][1:]) or "the trigger"
        return (
            f"triggers[{n}] ({spec.get('name', 'unnamed')!r}): {field}: {first['msg']}. A "
            "trigger takes the fields of an EventTrigger (expect, match, match_related, after, "
            "for_each, posture, threshold, within) or of a compound/sequence trigger (triggers, "
            "require, within), and name, description, enabled, parameters, job_variables, "
            f"schedule_after ({exc.error_count()} error(s))."
        )

    example = "[{expect: [shop.order.paid], parameters: {mode: fast}}]"
    return _each_validated(specs, DeploymentTriggerTypes, where, "triggers", example, explain)
