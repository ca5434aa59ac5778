"""Flow-run labels as Prefect 3.9.1's (measured): every run has its flow's ID as a label, and
``update_flow_run_labels`` merges — embedded and against real servers (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from riverrun import flow
from riverrun.client.orchestration import get_client
from riverrun.exceptions import ObjectNotFound
from riverrun.runtime import flow_run


@flow(name="labelled")
def labelled() -> str:
    return str(flow_run.id)


def test_a_new_run_is_labelled_with_its_flows_id() -> None:
    run_id = labelled()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
    assert run.labels == {"riverrun.flow.id": str(run.flow_id)}


def test_updated_labels_merge_and_a_key_given_again_takes_the_new_value() -> None:
    run_id = labelled()
    with get_client(sync_client=True) as client:
        client.update_flow_run_labels(run_id, {"team": "data", "n": 3})
        client.update_flow_run_labels(run_id, {"team": "ml"})
        run = client.read_flow_run(run_id)
    assert run.labels == {"riverrun.flow.id": str(run.flow_id), "team": "ml", "n": 3}


def test_labels_survive_the_runs_later_state_changes() -> None:
    from riverrun.states import Running

    run_id = labelled()
    with get_client(sync_client=True) as client:
        client.update_flow_run_labels(run_id, {"team": "data"})
        client.set_flow_run_state(run_id, Running(), force=True)
        assert client.read_flow_run(run_id).labels["team"] == "data"


def test_the_async_client_updates_labels() -> None:
    run_id = labelled()

    async def update() -> None:
        async with get_client() as client:
            await client.update_flow_run_labels(run_id, {"on": True})

    asyncio.run(update())
    assert get_client(sync_client=True).read_flow_run(run_id).labels["on"] is True


def test_labels_of_an_unknown_run_are_not_found() -> None:
    with get_client(sync_client=True) as client, pytest.raises(ObjectNotFound):
        client.update_flow_run_labels("00000000-0000-0000-0000-000000000000", {"a": 1})
