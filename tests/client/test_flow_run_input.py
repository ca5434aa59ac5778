"""Flow-run inputs through the client, as Prefect 3.9.1's (measured against its server):
create, read, filter and delete by key — embedded and against real servers."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from riverrun import flow
from riverrun.client.orchestration import get_client
from riverrun.exceptions import InvalidNameError, ObjectAlreadyExists, ObjectNotFound


@flow
def receiver() -> None:
    pass


@pytest.fixture
def run_id() -> str:
    return str(get_client(sync_client=True).create_flow_run(receiver).id)


def test_an_input_reads_back_as_the_text_stored(run_id: str) -> None:
    client = get_client(sync_client=True)
    client.create_flow_run_input(run_id, "answer", '{"x": 1}', sender="me")
    assert client.read_flow_run_input(run_id, "answer") == '{"x": 1}'


def test_a_second_input_under_the_same_key_is_refused(run_id: str) -> None:
    client = get_client(sync_client=True)
    client.create_flow_run_input(run_id, "answer", "1")
    with pytest.raises(ObjectAlreadyExists, match="already has an input with key 'answer'"):
        client.create_flow_run_input(run_id, "answer", "2")


def test_a_key_with_other_than_lowercase_digits_and_dashes_is_refused(run_id: str) -> None:
    with pytest.raises(InvalidNameError, match="lowercase letters, numbers, and dashes"):
        get_client(sync_client=True).create_flow_run_input(run_id, "an_answer", "1")


def test_an_input_for_an_unknown_run_is_refused() -> None:
    with pytest.raises(ObjectNotFound, match="No flow run"):
        get_client(sync_client=True).create_flow_run_input(str(uuid.uuid4()), "answer", "1")


def test_reading_a_missing_key_raises_object_not_found(run_id: str) -> None:
    with pytest.raises(ObjectNotFound, match="no input with key 'nothing'"):
        get_client(sync_client=True).read_flow_run_input(run_id, "nothing")


def test_filter_answers_keys_with_the_prefix_oldest_first(run_id: str) -> None:
    client = get_client(sync_client=True)
    for key, value in (("a-1", '{"n": 1}'), ("b-1", "2"), ("a-2", "3")):
        client.create_flow_run_input(run_id, key, value, sender="s")
    found = client.filter_flow_run_input(run_id, "a", limit=10, exclude_keys=set())
    assert [(i.key, i.decoded_value, i.sender) for i in found] == [
        ("a-1", {"n": 1}, "s"),
        ("a-2", 3, "s"),
    ]
    assert {str(i.flow_run_id) for i in found} == {run_id}


def test_filter_leaves_out_excluded_keys_and_stops_at_the_limit(run_id: str) -> None:
    client = get_client(sync_client=True)
    for key in ("a-1", "a-2", "a-3"):
        client.create_flow_run_input(run_id, key, "0")
    found = client.filter_flow_run_input(run_id, "a-", limit=1, exclude_keys={"a-1"})
    assert [i.key for i in found] == ["a-2"]


def test_filter_of_an_unknown_run_is_empty() -> None:
    client = get_client(sync_client=True)
    assert client.filter_flow_run_input(str(uuid.uuid4()), "", limit=5, exclude_keys=set()) == []


def test_a_deleted_input_is_gone_and_deleting_it_again_raises(run_id: str) -> None:
    client = get_client(sync_client=True)
    client.create_flow_run_input(run_id, "answer", "1")
    client.delete_flow_run_input(run_id, "answer")
    with pytest.raises(ObjectNotFound):
        client.read_flow_run_input(run_id, "answer")
    with pytest.raises(ObjectNotFound):
        client.delete_flow_run_input(run_id, "answer")


def test_deleting_the_run_deletes_its_inputs(run_id: str) -> None:
    client = get_client(sync_client=True)
    client.create_flow_run_input(run_id, "answer", "1")
    client.delete_flow_run(run_id)
    assert client.filter_flow_run_input(run_id, "", limit=5, exclude_keys=set()) == []


def test_the_async_client_creates_and_reads_inputs(run_id: str) -> None:
    async def roundtrip() -> str:
        async with get_client() as client:
            await client.create_flow_run_input(run_id, "answer", '"yes"')
            return await client.read_flow_run_input(run_id, "answer")

    assert asyncio.run(roundtrip()) == '"yes"'
