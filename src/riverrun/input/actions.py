"""Flow-run inputs by key, as Prefect's ``prefect.input.actions``: values stored as JSON.

Each function has an async twin named with an ``a`` (``read_flow_run_input`` /
``aread_flow_run_input``). ``flow_run_id`` defaults to the flow run being executed.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any, Optional

from riverrun.client.orchestration import get_client
from riverrun.context import FlowRunContext
from riverrun.exceptions import ObjectNotFound
from riverrun.schemas.encoding import encode_value

if TYPE_CHECKING:
    import pydantic

    from riverrun.schemas.objects import FlowRunInput

Id = uuid.UUID | str


def ensure_flow_run_id(flow_run_id: Optional[Id] = None) -> Id:
    """``flow_run_id``, or the ID of the flow run being executed.

    Raises:
        RuntimeError: no ID was given and no flow run is running.
    """
    if flow_run_id:
        return flow_run_id
    context = FlowRunContext.get()
    if context is None:
        raise RuntimeError(
            "Must either provide a flow run ID or be within a flow run: pass "
            "`flow_run_id=...` when calling from outside a flow."
        )
    return context.flow_run.id  # type: ignore[no-any-return]


def _dumps(value: Any) -> str:
    # Compact, as Prefect's orjson writes it, so stored values are the same text.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=encode_value)


def _model_value(model_instance: pydantic.BaseModel) -> Any:
    return json.loads(model_instance.model_dump_json())


def _sender(sender: Optional[str]) -> Optional[str]:
    """The sender to record: the one given, or the flow run being executed."""
    if sender is not None:
        return sender
    context = FlowRunContext.get()
    return None if context is None else f"riverrun.flow-run.{context.flow_run.id}"


def create_flow_run_input(
    key: str, value: Any, flow_run_id: Optional[Id] = None, sender: Optional[str] = None
) -> None:
    """Store ``value`` as JSON under ``key`` for the flow run.

    Raises:
        InvalidNameError: the key has other than lowercase letters, digits and dashes.
        ObjectAlreadyExists: the run has an input with that key.
    """
    run_id = ensure_flow_run_id(flow_run_id)
    with get_client(sync_client=True) as client:
        client.create_flow_run_input(run_id, key=key, value=_dumps(value), sender=sender)


async def acreate_flow_run_input(
    key: str, value: Any, flow_run_id: Optional[Id] = None, sender: Optional[str] = None
) -> None:
    """``create_flow_run_input``, awaited."""
    run_id = ensure_flow_run_id(flow_run_id)
    async with get_client() as client:
        await client.create_flow_run_input(run_id, key=key, value=_dumps(value), sender=sender)


def create_flow_run_input_from_model(
    key: str,
    model_instance: pydantic.BaseModel,
    flow_run_id: Optional[Id] = None,
    sender: Optional[str] = None,
) -> None:
    """Store a pydantic model's fields under ``key``; the sender defaults to the running
    flow run (``riverrun.flow-run.<id>``)."""
    create_flow_run_input(key, _model_value(model_instance), flow_run_id, _sender(sender))


async def acreate_flow_run_input_from_model(
    key: str,
    model_instance: pydantic.BaseModel,
    flow_run_id: Optional[Id] = None,
    sender: Optional[str] = None,
) -> None:
    """``create_flow_run_input_from_model``, awaited."""
    value = _model_value(model_instance)
    await acreate_flow_run_input(key, value, flow_run_id, _sender(sender))


def read_flow_run_input(key: str, flow_run_id: Optional[Id] = None) -> Any:
    """The value stored under ``key`` (decoded from JSON), or None when there is none."""
    run_id = ensure_flow_run_id(flow_run_id)
    with get_client(sync_client=True) as client:
        try:
            return json.loads(client.read_flow_run_input(run_id, key))
        except ObjectNotFound:
            return None


async def aread_flow_run_input(key: str, flow_run_id: Optional[Id] = None) -> Any:
    """``read_flow_run_input``, awaited."""
    run_id = ensure_flow_run_id(flow_run_id)
    async with get_client() as client:
        try:
            return json.loads(await client.read_flow_run_input(run_id, key))
        except ObjectNotFound:
            return None


def filter_flow_run_input(
    key_prefix: str,
    limit: int = 1,
    exclude_keys: Optional[set[str]] = None,
    flow_run_id: Optional[Id] = None,
) -> list[FlowRunInput]:
    """The run's inputs whose key starts with ``key_prefix``, oldest first, at most ``limit``."""
    run_id = ensure_flow_run_id(flow_run_id)
    with get_client(sync_client=True) as client:
        return client.filter_flow_run_input(run_id, key_prefix, limit, exclude_keys or set())


async def afilter_flow_run_input(
    key_prefix: str,
    limit: int = 1,
    exclude_keys: Optional[set[str]] = None,
    flow_run_id: Optional[Id] = None,
) -> list[FlowRunInput]:
    """``filter_flow_run_input``, awaited."""
    run_id = ensure_flow_run_id(flow_run_id)
    async with get_client() as client:
        return await client.filter_flow_run_input(run_id, key_prefix, limit, exclude_keys or set())


def delete_flow_run_input(key: str, flow_run_id: Optional[Id] = None) -> None:
    """Delete the input under ``key``; raises ``ObjectNotFound`` when there is none."""
    run_id = ensure_flow_run_id(flow_run_id)
    with get_client(sync_client=True) as client:
        client.delete_flow_run_input(run_id, key)


async def adelete_flow_run_input(key: str, flow_run_id: Optional[Id] = None) -> None:
    """``delete_flow_run_input``, awaited."""
    run_id = ensure_flow_run_id(flow_run_id)
    async with get_client() as client:
        await client.delete_flow_run_input(run_id, key)
