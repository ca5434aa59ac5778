"""Every filter field of ``read_deployments`` riverrun claims, one test each, through the client,
embedded and against real servers on SQLite and PostgreSQL.

Prefect 3.9.1's client ``DeploymentFilter`` has ``id`` (``any_``, ``not_any_``), ``name``
(``any_``, ``like_``), ``tags`` (``all_``, ``any_``, ``is_null_``, ``operator``),
``work_queue_name`` (``any_``), ``concurrency_limit`` (``ge_``, ``le_``, ``is_null_``: its server
ignores it, riverrun applies it, docs/compatibility.md D24) and ``operator``; riverrun adds its
server's ``paused`` and ``name.not_any_``. ``read_deployments`` also takes ``flow_filter``,
``flow_run_filter``, ``task_run_filter``, ``work_pool_filter``, ``work_queue_filter``, ``sort``,
``limit`` and ``offset``. The work-pool and work-queue filters are tested in
``test_api.py::test_read_deployments_filters_by_work_pool_and_queue``."""

from __future__ import annotations

from typing import Any

import pytest

from riverrun.client.orchestration import SyncRiverrunClient, get_client
from riverrun.exceptions import InvalidFilterError
from riverrun.schemas import filters as f
from riverrun.schemas import sorting as s

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


@pytest.fixture
def client() -> SyncRiverrunClient:
    return get_client(sync_client=True)


@pytest.fixture
def ids(client: SyncRiverrunClient) -> dict[str, str]:
    """Three deployments of two flows, told apart by every filtered field."""
    etl = client.create_flow_from_name("etl")
    ops = client.create_flow_from_name("ops")
    made = {
        "nightly-Export": client.create_deployment(
            etl, "nightly-Export", tags=["etl", "daily"], work_queue_name="q1",
            concurrency_limit=1,
        ),
        "hourly": client.create_deployment(
            etl, "hourly", tags=["etl"], work_queue_name="q2", concurrency_limit=5, paused=True
        ),
        "cleanup": client.create_deployment(ops, "cleanup", tags=[]),
    }  # fmt: skip
    return {name: str(dep_id) for name, dep_id in made.items()}


def _names(client: SyncRiverrunClient, **kwargs: Any) -> list[str]:
    return [d.name for d in client.read_deployments(**kwargs)]


def _where(client: SyncRiverrunClient, **fields: Any) -> list[str]:
    return sorted(_names(client, deployment_filter=f.DeploymentFilter(**fields)))


def test_filter_by_id_any(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, id=f.DeploymentFilterId(any_=[ids["hourly"]])) == ["hourly"]


def test_filter_by_id_not_any(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, id=f.DeploymentFilterId(not_any_=[ids["hourly"]])) == [
        "cleanup", "nightly-Export",
    ]  # fmt: skip


def test_filter_by_name_any(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, name=f.DeploymentFilterName(any_=["cleanup", "nope"])) == ["cleanup"]


def test_filter_by_name_like_is_a_case_insensitive_substring(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    assert _where(client, name=f.DeploymentFilterName(like_="export")) == ["nightly-Export"]


def test_filter_by_name_not_any(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, name=f.DeploymentFilterName(not_any_=["cleanup"])) == [
        "hourly", "nightly-Export",
    ]  # fmt: skip


def test_filter_by_tags_all(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, tags=f.DeploymentFilterTags(all_=["etl", "daily"])) == ["nightly-Export"]


def test_filter_by_tags_any(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, tags=f.DeploymentFilterTags(any_=["daily", "nope"])) == ["nightly-Export"]


def test_filter_by_tags_is_null(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, tags=f.DeploymentFilterTags(is_null_=True)) == ["cleanup"]
    assert _where(client, tags=f.DeploymentFilterTags(is_null_=False)) == [
        "hourly", "nightly-Export",
    ]  # fmt: skip


def test_filter_by_tags_with_operator_or(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    either = f.DeploymentFilterTags(all_=["daily"], is_null_=True, operator="or_")
    assert _where(client, tags=either) == ["cleanup", "nightly-Export"]


def test_filter_by_work_queue_name(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    queue = f.DeploymentFilterWorkQueueName(any_=["q2"])
    assert _where(client, work_queue_name=queue) == ["hourly"]


def test_filter_by_concurrency_limit_range(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    limit = f.DeploymentFilterConcurrencyLimit
    assert _where(client, concurrency_limit=limit(ge_=2)) == ["hourly"]
    assert _where(client, concurrency_limit=limit(le_=2)) == ["nightly-Export"]


def test_filter_by_concurrency_limit_is_null(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    limit = f.DeploymentFilterConcurrencyLimit
    assert _where(client, concurrency_limit=limit(is_null_=True)) == ["cleanup"]


def test_filter_by_paused(client: SyncRiverrunClient, ids: dict[str, str]) -> None:
    assert _where(client, paused=f.DeploymentFilterPaused(eq_=True)) == ["hourly"]
    assert _where(client, paused=f.DeploymentFilterPaused(eq_=False)) == [
        "cleanup", "nightly-Export",
    ]  # fmt: skip


def test_deployment_filter_operator_or_matches_either_field(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    assert _where(
        client,
        name=f.DeploymentFilterName(any_=["cleanup"]),
        paused=f.DeploymentFilterPaused(eq_=True),
        operator="or_",
    ) == ["cleanup", "hourly"]


def test_flow_filter_keeps_the_flows_deployments(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    by_flow = f.FlowFilter(name=f.FlowFilterName(any_=["etl"]))
    assert sorted(_names(client, flow_filter=by_flow)) == ["hourly", "nightly-Export"]


def test_flow_run_filter_keeps_deployments_with_a_matching_run(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    client.create_flow_run_from_deployment(ids["cleanup"], tags=["by-hand"])
    client.create_flow_run_from_deployment(ids["hourly"])
    tagged = f.FlowRunFilter(tags=f.FlowRunFilterTags(all_=["by-hand"]))
    assert _names(client, flow_run_filter=tagged) == ["cleanup"]


def test_task_run_filter_keeps_deployments_whose_runs_have_a_matching_task_run(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    from riverrun import task

    @task
    def extract() -> None: ...

    run = client.create_flow_run_from_deployment(ids["hourly"])
    client.create_flow_run_from_deployment(ids["cleanup"])
    client.create_task_run(extract, flow_run_id=run.id, dynamic_key="0", name="extract-0")
    named = f.TaskRunFilter(name=f.TaskRunFilterName(any_=["extract-0"]))
    assert _names(client, task_run_filter=named) == ["hourly"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (s.DeploymentSort.NAME_ASC, ["cleanup", "hourly", "nightly-Export"]),
        (s.DeploymentSort.NAME_DESC, ["nightly-Export", "hourly", "cleanup"]),
        (s.DeploymentSort.CREATED_DESC, ["cleanup", "hourly", "nightly-Export"]),
    ],
)
def test_sort_orders_the_deployments(
    client: SyncRiverrunClient, ids: dict[str, str], sort: s.DeploymentSort, expected: list[str]
) -> None:
    assert _names(client, sort=sort) == expected


def test_sort_updated_desc_puts_the_last_changed_first(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    from riverrun.schemas.actions import DeploymentUpdate

    client.update_deployment(ids["nightly-Export"], DeploymentUpdate(description="changed"))
    assert _names(client, sort=s.DeploymentSort.UPDATED_DESC)[0] == "nightly-Export"


def test_limit_and_offset_page_through_the_sorted_deployments(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    assert _names(client, limit=2) == ["cleanup", "hourly"]
    assert _names(client, limit=2, offset=2) == ["nightly-Export"]


def test_count_deployments_takes_the_same_filter(
    client: SyncRiverrunClient, ids: dict[str, str]
) -> None:
    etl_tagged = f.DeploymentFilter(tags=f.DeploymentFilterTags(all_=["etl"]))
    assert client.count_deployments(deployment_filter=etl_tagged) == 2


def test_an_unknown_filter_field_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="Unknown field.*'flow_name'.*valid fields are"):
        f.DeploymentFilter.model_validate({"flow_name": {"any_": ["etl"]}})


def test_an_unknown_sort_is_refused_naming_the_valid_ones(client: SyncRiverrunClient) -> None:
    with pytest.raises((InvalidFilterError, ValueError), match="NAME_ASC"):
        client.read_deployments(sort="CONCURRENCY_LIMIT_ASC")  # type: ignore[arg-type]
