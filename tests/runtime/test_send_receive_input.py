"""send_input / receive_input and the *_flow_run_input helpers, as Prefect 3.9.1's (measured):
embedded and against a real server on SQLite."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pydantic
import pytest

from riverrun import flow
from riverrun.client.orchestration import get_client
from riverrun.input import (
    RunInput,
    asend_input,
    create_flow_run_input,
    delete_flow_run_input,
    read_flow_run_input,
    receive_input,
    send_input,
)

pytestmark = pytest.mark.both_modes


class Greeting(RunInput):
    text: str


class Point(pydantic.BaseModel):
    x: int


@flow
def receiver() -> None:
    pass


@pytest.fixture
def run_id() -> uuid.UUID:
    return uuid.UUID(str(get_client(sync_client=True).create_flow_run(receiver).id))


def _received(input_type: Any, run_id: uuid.UUID, **kwargs: Any) -> list[Any]:
    return list(receive_input(input_type, flow_run_id=run_id, timeout=0, **kwargs))


def test_a_sent_value_is_received_by_its_type(run_id: uuid.UUID) -> None:
    send_input(5, flow_run_id=run_id)
    send_input("not an int", flow_run_id=run_id)
    assert _received(int, run_id) == [5]


def test_inputs_are_received_oldest_first_and_each_once(run_id: uuid.UUID) -> None:
    for n in (1, 2, 3):
        send_input(n, flow_run_id=run_id)
    handler = receive_input(int, flow_run_id=run_id, timeout=0)
    assert list(handler) == [1, 2, 3]
    assert list(handler) == []


def test_a_run_input_is_received_with_its_sender_and_key(run_id: uuid.UUID) -> None:
    Greeting(text="hi").send_to(run_id, sender="bob")
    [greeting] = list(Greeting.receive(flow_run_id=run_id, timeout=0))
    assert greeting.text == "hi"
    assert greeting.metadata is not None
    assert (greeting.metadata.sender, greeting.metadata.receiver) == ("bob", run_id)
    assert greeting.metadata.key.startswith("greeting-auto-")


def test_a_pydantic_model_is_sent_as_its_fields(run_id: uuid.UUID) -> None:
    send_input(Point(x=1), flow_run_id=run_id)
    [point] = _received(Point, run_id)
    assert (type(point).__name__, point.x) == ("PointRunInput", 1)


def test_with_metadata_yields_the_value_with_its_key(run_id: uuid.UUID) -> None:
    send_input(5, flow_run_id=run_id)
    [received] = _received(int, run_id, with_metadata=True)
    assert received.value == 5
    assert received.metadata.key.startswith("intautomaticruninput-auto-")


def test_a_key_prefix_chooses_the_inputs_read(run_id: uuid.UUID) -> None:
    send_input([1, 2], flow_run_id=run_id, key_prefix="mine")
    send_input([3], flow_run_id=run_id)
    assert _received(list[int], run_id, key_prefix="mine") == [[1, 2]]


def test_raise_timeout_error_raises_when_nothing_arrives(run_id: uuid.UUID) -> None:
    with pytest.raises(TimeoutError, match="Timed out waiting for input"):
        next(iter(receive_input(str, flow_run_id=run_id, timeout=0, raise_timeout_error=True)))


def test_an_input_sent_from_a_flow_names_it_and_can_be_answered(run_id: uuid.UUID) -> None:
    @flow
    def asker(target: uuid.UUID) -> str:
        send_input("question", flow_run_id=target)
        from riverrun.context import get_run_context

        return str(get_run_context().flow_run.id)

    asker_id = asker(run_id)
    [question] = _received(str, run_id, with_metadata=True)
    assert question.metadata.sender == f"riverrun.flow-run.{asker_id}"
    question.respond("answer")
    assert _received(str, uuid.UUID(asker_id)) == ["answer"]


def test_responding_to_an_input_no_flow_run_sent_raises(run_id: uuid.UUID) -> None:
    Greeting(text="hi").send_to(run_id, sender="bob")
    [greeting] = list(Greeting.receive(flow_run_id=run_id, timeout=0))
    with pytest.raises(RuntimeError, match="not sent by a flow run"):
        greeting.respond(Greeting(text="back"))


def test_read_decodes_the_json_stored_and_answers_none_when_missing(run_id: uuid.UUID) -> None:
    create_flow_run_input("settings", {"a": 1, "b": [True]}, flow_run_id=run_id)
    stored = get_client(sync_client=True).read_flow_run_input(run_id, "settings")
    assert stored == '{"a":1,"b":[true]}'
    assert read_flow_run_input("settings", flow_run_id=run_id) == {"a": 1, "b": [True]}
    delete_flow_run_input("settings", flow_run_id=run_id)
    assert read_flow_run_input("settings", flow_run_id=run_id) is None


def test_inside_a_flow_the_inputs_are_the_runs_own() -> None:
    @flow
    def own() -> Any:
        create_flow_run_input("mine", 7)
        return read_flow_run_input("mine")

    assert own() == 7


def test_outside_a_flow_a_flow_run_id_is_needed() -> None:
    with pytest.raises(RuntimeError, match="provide a flow run ID"):
        read_flow_run_input("anything")


def test_async_code_sends_and_receives(run_id: uuid.UUID) -> None:
    async def exchange() -> list[Any]:
        await asend_input(1, flow_run_id=run_id)
        await Greeting(text="hi").send_to(run_id)  # awaitable in async code, as Prefect's
        ints = [n async for n in receive_input(int, flow_run_id=run_id, timeout=0)]
        greetings = [g.text async for g in Greeting.receive(flow_run_id=run_id, timeout=0)]
        return ints + greetings

    assert asyncio.run(exchange()) == [1, "hi"]
