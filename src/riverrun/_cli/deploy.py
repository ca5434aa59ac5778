"""``riverrun deploy``: store a deployment of a flow, from the command line or ``riverrun.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Store deployments of flows for workers or serve().", add_completion=False)


@app.command()
def deploy(
    entrypoint: str | None = typer.Argument(
        None, metavar="[PATH.py:FLOW]", help="The flow; omit to deploy everything in riverrun.yaml."
    ),
    name: str | None = typer.Option(None, "--name", "-n", help="The deployment's name."),
    pool: str | None = typer.Option(
        None, "--pool", "-p", help="The work pool whose workers run it."
    ),
    work_queue: str | None = typer.Option(None, "--work-queue", "-q", help="The work queue."),
    cron: list[str] = typer.Option([], "--cron", help="A cron schedule (repeatable)."),
    interval: list[float] = typer.Option(
        [], "--interval", help="Every this many seconds (repeatable)."
    ),
    rrule: list[str] = typer.Option([], "--rrule", help="An RFC 5545 schedule (repeatable)."),
    tz: str | None = typer.Option(None, "--timezone", help="IANA timezone of the schedules."),
    param: list[str] = typer.Option(
        [], "--param", help="A default parameter, key=value (repeatable)."
    ),
    params: str | None = typer.Option(
        None, "--params", help="Default parameters as a JSON object."
    ),
    tag: list[str] = typer.Option([], "--tag", "-t", help="A tag (repeatable)."),
    description: str | None = typer.Option(None, "--description", "-d", help="What it does."),
    version: str | None = typer.Option(None, "--version", "-v", help="Its version."),
    paused: bool = typer.Option(False, "--paused", help="Store it paused."),
    sla: list[str] | None = typer.Option(
        None, "--sla", help="An SLA as JSON, or a .yaml/.json file with an 'sla' list (repeatable)."
    ),
    trigger: list[str] | None = typer.Option(
        None,
        "--trigger",
        help="A trigger as JSON, or a .yaml/.json file with a 'triggers' list (repeatable).",
    ),  # fmt: skip
    project: Path = typer.Option(Path("riverrun.yaml"), "--project", help="The project file."),
) -> None:
    """Store a deployment (no image is built: workers run the code from the entrypoint).

    \b
    Examples:
      riverrun deploy flows.py:etl --name nightly --cron '0 2 * * *'
      riverrun deploy flows.py:etl --name hourly --interval 3600 --param env=pro
      riverrun deploy        # every deployment in ./riverrun.yaml
    """
    from riverrun._cli._common import fail
    from riverrun._cli.deployment import parse_params
    from riverrun.exceptions import ConfigurationError, MissingFlowError

    try:
        if entrypoint is None:
            if not project.exists():
                fail(
                    f"No entrypoint given and no {project} here; run `riverrun deploy path.py:flow --name NAME`."
                )
            _deploy_project(project)
            return
        if not name:
            fail("Name the deployment with --name (it is run as 'flow-name/NAME').")
        from riverrun.deployments.loading import load_flow_from_entrypoint
        from riverrun.schedules import Cron, Interval, RRule

        flow = load_flow_from_entrypoint(entrypoint)
        schedules: list[Any] = [Cron(c, timezone=tz) for c in cron]
        schedules += [Interval(i, timezone=tz) for i in interval]
        schedules += [RRule(r, timezone=tz) for r in rrule]
        deployment = flow.to_deployment(
            name, schedules=schedules or None, parameters=parse_params(param, params), tags=tag,
            description=description, version=version, paused=paused, work_pool_name=pool,
            work_queue_name=work_queue, entrypoint=entrypoint,
            _sla=None if sla is None else _sla_flags(sla),
            triggers=_trigger_flags(trigger or []),
        )  # fmt: skip
        _apply(deployment, pool)
    except (ConfigurationError, MissingFlowError, ValueError) as exc:
        fail(str(exc))


def _sla_flags(flags: list[str]) -> list[Any]:
    """SLAs from ``--sla`` values (as Prefect's ``deploy --sla``)."""
    from riverrun.deployments.project import slas_from_specs

    return slas_from_specs(_specs(flags, "sla", "--sla"), "--sla")


def _trigger_flags(flags: list[str]) -> list[Any]:
    """Deployment triggers from ``--trigger`` values (as Prefect's ``deploy --trigger``)."""
    from riverrun.deployments.project import triggers_from_specs

    return triggers_from_specs(_specs(flags, "triggers", "--trigger"), "--trigger")


def _specs(flags: list[str], key: str, option: str) -> list[Any]:
    """The mappings the flags give: each a JSON object, or a .yaml/.json file holding a
    ``key`` list."""
    import json

    import yaml

    from riverrun.exceptions import ConfigurationError

    specs: list[Any] = []
    for flag in flags:
        try:
            if flag.endswith((".yaml", ".yml", ".json")):  # JSON is YAML
                specs.extend((yaml.safe_load(Path(flag).read_text()) or {}).get(key, []))
            else:
                specs.append(json.loads(flag))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"{option} {flag!r} does not parse: {exc}") from None
    return specs


def _apply(deployment: Any, pool: str | None) -> None:
    from pathlib import Path as _Path

    deployment.path = deployment.path or str(_Path.cwd().resolve())
    deployment_id = deployment.apply(work_pool_name=pool)
    where = f" for work pool {pool!r}" if pool else ""
    typer.echo(f"Deployment '{deployment.full_name}' ({deployment_id}) stored{where}. Run it with "
               f"`riverrun deployment run '{deployment.full_name}'`.")  # fmt: skip


def _deploy_project(project: Path) -> None:
    from riverrun.deployments.loading import load_flow_from_entrypoint
    from riverrun.deployments.project import (
        read_project,
        schedule_from_yaml,
        slas_from_specs,
        triggers_from_specs,
    )

    base = project.resolve().parent
    for entry in read_project(project):
        flow = load_flow_from_entrypoint(entry["entrypoint"], base=base)
        pool = (entry.get("work_pool") or {}).get("name")
        queue = (entry.get("work_pool") or {}).get("work_queue_name")
        job_variables = (entry.get("work_pool") or {}).get("job_variables") or entry.get(
            "job_variables"
        )
        deployment = flow.to_deployment(
            entry["name"], schedules=[schedule_from_yaml(s) for s in entry.get("schedules") or []] or None,
            parameters=entry.get("parameters") or {}, tags=entry.get("tags") or [],
            description=entry.get("description"), version=entry.get("version"),
            paused=entry.get("paused"), work_pool_name=pool, work_queue_name=queue,
            job_variables=job_variables or {}, entrypoint=entry["entrypoint"],
            concurrency_limit=entry.get("concurrency_limit"),
            enforce_parameter_schema=entry.get("enforce_parameter_schema", True),
            catchup=entry.get("catchup", "all"), overlap=entry.get("overlap", "allow"),
            _sla=slas_from_specs(entry["sla"], f"{project}: {entry['name']}") if "sla" in entry else None,
            triggers=triggers_from_specs(entry.get("triggers") or [], f"{project}: {entry['name']}"),
        )  # fmt: skip
        deployment.path = str(base)
        _apply(deployment, pool)
