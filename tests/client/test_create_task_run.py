"""The client's create_task_run as Prefect 3.9.1's — embedded and against real servers."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from riverrun import flow, task
from riverrun.client.orchestration import get_client
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas.objects import TaskRunInput
from riverrun.states import Scheduled


@task(tags=["t1"], retries=2, retry_delay_seconds=1.5, version="3")
def made_by_hand() -> int:
    return 1


@flow
def holder() -> None:
    pass


def test_create_task_run_is_pending_with_the_tasks_tags_and_retry_policy() -> None:
    client = get_client(sync_client=True)
    flow_run = client.create_flow_run(holder)
    run = client.create_task_run(made_by_hand, flow_run.id, dynamic_key="0")
    assert (run.flow_run_id, run.task_key, run.dynamic_key) == (
        flow_run.id,
        made_by_hand.task_key,
        "0",
    )
    assert (run.state_type, run.tags, run.task_version) == ("PENDING", ["t1"], "3")
    policy = run.empirical_policy
    assert (policy.retries, policy.retry_delay) == (2, 1)  # whole seconds, as Prefect sends
    assert run.name and client.read_task_run(run.id).id == run.id


def test_create_task_run_twice_with_one_key_answers_the_first_run() -> None:
    client = get_client(sync_client=True)
    flow_run = client.create_flow_run(holder)
    first = client.create_task_run(made_by_hand, flow_run.id, dynamic_key="0")
    again = client.create_task_run(made_by_hand, flow_run.id, dynamic_key="0", name="other")
    assert again.id == first.id and again.name == first.name


def test_create_task_run_without_a_flow_run_with_what_was_given() -> None:
    client = get_client(sync_client=True)
    run_id = str(uuid.uuid4())
    run = client.create_task_run(
        made_by_hand, None, dynamic_key="1", id=run_id, name="nm", extra_tags=["x"],
        state=Scheduled(),
    )  # fmt: skip
    assert (run.id, run.flow_run_id, run.name, run.tags) == (run_id, None, "nm", ["t1", "x"])
    assert run.state_type == "SCHEDULED"


def test_create_task_run_records_its_inputs() -> None:
    client = get_client(sync_client=True)
    flow_run = client.create_flow_run(holder)
    upstream = client.create_task_run(made_by_hand, flow_run.id, dynamic_key="0")
    inputs = {"x": [TaskRunInput(id=upstream.id)]}
    run = client.create_task_run(made_by_hand, flow_run.id, dynamic_key="1", task_inputs=inputs)
    assert [i.id for i in run.task_inputs["x"]] == [upstream.id]


def test_create_task_run_in_an_unknown_flow_run_is_not_found() -> None:
    with pytest.raises(ObjectNotFound):
        get_client(sync_client=True).create_task_run(made_by_hand, str(uuid.uuid4()), "0")


def test_create_task_run_refuses_what_is_not_a_task() -> None:
    with pytest.raises(TypeError, match="Expected a task"):
        get_client(sync_client=True).create_task_run("made_by_hand", None, "0")


def test_async_create_task_run() -> None:
    run = asyncio.run(get_client().create_task_run(made_by_hand, None, dynamic_key="2"))
    assert run.task_key == made_by_hand.task_key
