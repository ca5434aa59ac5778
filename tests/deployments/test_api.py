"""The public API: to_deployment + apply, run_deployment, entrypoints, runtime.deployment."""

from __future__ import annotations

import asyncio
import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow
from riverrun.client import get_client
from riverrun.deployments import arun_deployment, load_flow_from_entrypoint, run_deployment
from riverrun.exceptions import MissingFlowError, ObjectNotFound, ParameterTypeError
from riverrun.schedules import Cron

# Every test here runs embedded and against real servers on SQLite and PostgreSQL.
pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]

SF_EXPORT = """
from datetime import datetime
from typing import Literal

from riverrun import flow, get_run_logger
from riverrun.runtime import deployment


@flow(name="riverrun.emr.salesforce.sf_export")
def sf_export(
    env: Literal["pre", "snd", "pro"],
    select: str = None,
    exclude: str = None,
    min_date: datetime = None,
    max_date: datetime = None,
    timeout_mins: int = 150,
    version: str = "latest",
):
    get_run_logger().info(f"exporting {env} from {min_date!r} as {deployment.name}")
    return {"env": env, "min_date": min_date.isoformat() if min_date else None,
            "deployment": deployment.name}
"""


@pytest.fixture
def sf_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "export.py").write_text(textwrap.dedent(SF_EXPORT))
    monkeypatch.chdir(tmp_path)
    return load_flow_from_entrypoint("flows/export.py:sf_export")


def _client() -> Any:
    return get_client(sync_client=True)


def test_to_deployment_apply_stores_entrypoint_schema_and_defaults(sf_export: Any) -> None:
    dep_id = sf_export.to_deployment("nightly", cron="0 2 * * *", parameters={"env": "pre"}).apply()
    dep = _client().read_deployment(dep_id)
    assert dep.entrypoint == "flows/export.py:sf_export"
    props = dep.parameter_openapi_schema["properties"]
    assert props["env"]["enum"] == ["pre", "snd", "pro"]
    assert {"format": "date-time", "type": "string"} in props["min_date"]["anyOf"]
    assert (props["timeout_mins"]["default"], props["version"]["default"]) == (150, "latest")
    assert dep.parameter_openapi_schema["required"] == ["env"]
    assert dep.schedules[0].schedule.cron == "0 2 * * *"  # type: ignore[union-attr]


def test_to_deployment_refuses_two_kinds_of_schedule(sf_export: Any) -> None:
    with pytest.raises(
        ValueError, match="Only one of interval, cron, rrule, schedule, or schedules"
    ):
        sf_export.to_deployment("x", cron="0 * * * *", schedules=[Cron("1 * * * *")])


def test_to_deployment_refuses_an_invalid_cron(sf_export: Any) -> None:
    with pytest.raises(ValueError, match='Invalid cron string: "every day"'):
        sf_export.to_deployment("x", cron="every day")


def test_run_deployment_merges_parameters_and_returns_at_once_with_timeout_0(
    sf_export: Any,
) -> None:
    sf_export.to_deployment("nightly", parameters={"env": "pre"}, tags=["etl"]).apply()
    run = run_deployment("riverrun.emr.salesforce.sf_export/nightly",
                         parameters={"min_date": "2025-01-31T00:00:00"}, timeout=0, tags=["manual"])  # fmt: skip
    assert run.parameters == {"env": "pre", "min_date": "2025-01-31T00:00:00"}
    assert run.state_name == "Scheduled" and run.tags == ["etl", "manual"]


def test_run_deployment_refuses_bad_parameters_before_any_run(sf_export: Any) -> None:
    sf_export.to_deployment("nightly").apply()
    with pytest.raises(
        ParameterTypeError, match="env: expected one of 'pre', 'snd', 'pro', got 'dev'"
    ):
        run_deployment(
            "riverrun.emr.salesforce.sf_export/nightly", parameters={"env": "dev"}, timeout=0
        )
    assert _client().read_flow_runs() == []


def test_run_deployment_with_an_unknown_name_suggests_one(sf_export: Any) -> None:
    sf_export.to_deployment("nightly").apply()
    with pytest.raises(
        ObjectNotFound, match="Did you mean 'riverrun.emr.salesforce.sf_export/nightly'"
    ):
        run_deployment("riverrun.emr.salesforce.sf_export/nighty", timeout=0)


def test_run_deployment_in_a_flow_is_linked_as_a_subflow(sf_export: Any) -> None:
    sf_export.to_deployment("nightly", parameters={"env": "pre"}).apply()

    @flow
    def parent() -> str:
        return run_deployment("riverrun.emr.salesforce.sf_export/nightly", timeout=0).id

    child_id = parent()
    child = _client().read_flow_run(child_id)
    assert child.parent_task_run_id is not None
    assert _client().read_task_run(child.parent_task_run_id).name == "nightly-0"


def test_entrypoint_to_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(MissingFlowError, match="No file .*nope.py"):
        load_flow_from_entrypoint(f"{tmp_path}/nope.py:f")


def test_entrypoint_to_a_missing_name_lists_the_flows(sf_export: Any) -> None:
    with pytest.raises(MissingFlowError, match="has no 'sf_exprt'. Flows there: sf_export"):
        load_flow_from_entrypoint("flows/export.py:sf_exprt")


def test_entrypoint_to_a_non_flow_says_to_decorate_it(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("def f():\n    pass\n")
    with pytest.raises(MissingFlowError, match="not a flow; decorate it with @flow"):
        load_flow_from_entrypoint(f"{tmp_path}/plain.py:f")


def test_from_source_loads_from_a_local_directory(sf_export: Any, tmp_path: Path) -> None:
    loaded = sf_export.from_source(tmp_path / "flows", "export.py:sf_export")
    assert loaded.name == "riverrun.emr.salesforce.sf_export"


def test_deploy_stores_the_work_pool(sf_export: Any) -> None:
    dep_id = sf_export.deploy("nightly", work_pool_name="pool", print_next_steps=False)
    assert _client().read_deployment(dep_id).work_pool_name == "pool"


def test_deploy_refuses_an_image_build(sf_export: Any) -> None:
    with pytest.raises(ValueError, match="does not build or push images"):
        sf_export.deploy("nightly", work_pool_name="pool", image="repo/img:tag")


def test_read_deployments_filters_by_work_pool_and_queue(sf_export: Any, tmp_path: Path) -> None:
    from riverrun.client.schemas.actions import WorkPoolCreate
    from riverrun.client.schemas.filters import (
        WorkPoolFilter,
        WorkPoolFilterName,
        WorkPoolFilterType,
        WorkQueueFilter,
        WorkQueueFilterName,
    )

    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="laptop", type="process"))
        client.create_work_pool(WorkPoolCreate(name="gpu", type="kubernetes"))
        client.create_work_queue("urgent", work_pool_name="laptop")
        for name, pool, queue in [("a", "laptop", None), ("b", "laptop", "urgent"),
                                  ("c", "gpu", None), ("d", None, None)]:  # fmt: skip
            deployment = sf_export.to_deployment(name, work_pool_name=pool, work_queue_name=queue)
            deployment.path = str(tmp_path)
            deployment.apply()

        def names(**filters: Any) -> list[str]:
            return [d.name for d in client.read_deployments(**filters)]

        laptop = WorkPoolFilter(name=WorkPoolFilterName(any_=["laptop"]))
        assert names(work_pool_filter=laptop) == ["a", "b"]
        k8s = WorkPoolFilter(type=WorkPoolFilterType(any_=["kubernetes"]))
        assert names(work_pool_filter=k8s) == ["c"]
        default = WorkQueueFilter(name=WorkQueueFilterName(any_=["default"]))
        assert names(work_pool_filter=laptop, work_queue_filter=default) == ["a"]
        assert names(
            work_queue_filter=WorkQueueFilter(name=WorkQueueFilterName(any_=["urgent"]))
        ) == ["b"]


def test_to_deployment_stores_every_option_given(sf_export: Any) -> None:
    dep_id = sf_export.to_deployment(
        "nightly", interval=[3600, 7200], parameters={"env": "pre"}, tags=["etl"],
        description="nightly export", version="7", paused=True, concurrency_limit=2,
        enforce_parameter_schema=False, work_queue_name="q",
    ).apply()  # fmt: skip
    dep = _client().read_deployment(dep_id)
    assert (dep.tags, dep.description, dep.version, dep.paused) == (
        ["etl"], "nightly export", "7", True,
    )  # fmt: skip
    assert (dep.concurrency_limit, dep.enforce_parameter_schema, dep.parameters) == (
        2, False, {"env": "pre"},
    )  # fmt: skip
    intervals = [s.schedule.interval for s in dep.schedules]  # type: ignore[union-attr]
    assert intervals == [dt.timedelta(hours=1), dt.timedelta(hours=2)]


def test_run_deployment_takes_the_run_name_and_scheduled_time(sf_export: Any) -> None:
    sf_export.to_deployment("nightly", parameters={"env": "pre"}).apply()
    when = dt.datetime(2030, 1, 31, 9, 0, tzinfo=dt.timezone.utc)
    run = run_deployment("riverrun.emr.salesforce.sf_export/nightly", flow_run_name="by-hand",
                         scheduled_time=when, timeout=0)  # fmt: skip
    stored = _client().read_flow_run(run.id)
    assert (stored.name, stored.expected_start_time, stored.state_name) == (
        "by-hand", when, "Scheduled",
    )  # fmt: skip


def test_run_deployment_as_subflow_false_leaves_the_run_unlinked(sf_export: Any) -> None:
    sf_export.to_deployment("nightly", parameters={"env": "pre"}).apply()

    @flow
    def parent() -> str:
        name = "riverrun.emr.salesforce.sf_export/nightly"
        return run_deployment(name, timeout=0, as_subflow=False).id

    assert _client().read_flow_run(parent()).parent_task_run_id is None


def test_arun_deployment_creates_the_run_from_async_code(sf_export: Any) -> None:
    sf_export.to_deployment("nightly", parameters={"env": "pre"}).apply()
    name = "riverrun.emr.salesforce.sf_export/nightly"
    run = asyncio.run(arun_deployment(name, parameters={"env": "snd"}, timeout=0))
    assert _client().read_flow_run(run.id).parameters == {"env": "snd"}


def test_run_deployment_with_an_idempotency_key_returns_the_first_run(sf_export: Any) -> None:
    sf_export.to_deployment("nightly", parameters={"env": "pre"}).apply()
    name = "riverrun.emr.salesforce.sf_export/nightly"
    first = run_deployment(name, idempotency_key="order-42", timeout=0)
    again = run_deployment(name, idempotency_key="order-42", parameters={"env": "pro"}, timeout=0)
    assert again.id == first.id
    assert [r.id for r in _client().read_flow_runs()] == [first.id]


def test_to_deployment_refuses_an_invalid_rrule_naming_it(sf_export: Any) -> None:
    with pytest.raises(ValueError, match='Invalid RRule string "FREQ=SOMETIMES"'):
        sf_export.to_deployment("x", rrule="FREQ=SOMETIMES")
    assert _client().read_deployments() == []
