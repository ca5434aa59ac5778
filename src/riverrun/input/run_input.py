"""Typed input for paused flow runs, as Prefect's ``prefect.input.run_input``.

``pause_flow_run(wait_for_input=Answer)`` stores the JSON schema of ``Answer`` with the Paused
state and returns an ``Answer`` built from what ``resume_flow_run(id, run_input={...})``
gave. Any pydantic model or type works: a model is wrapped in a ``RunInput`` subclass, another
type (``int``, ``list[str]``) in an ``AutomaticRunInput`` whose single field is ``value``.

Between runs, ``send_input(value, flow_run_id)`` (or ``RunInput.send_to``) stores a value as a
flow-run input under ``<type>-auto-<uuid>``, and the receiving run iterates
``receive_input(type)`` (or ``RunInput.receive()``), which polls for keys of that prefix it has
not seen yet, oldest first, as Prefect's do.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from inspect import isclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Optional, TypeVar
from uuid import UUID

import pydantic

from riverrun.input import actions
from riverrun.states import State
from riverrun.utilities.asyncutils import async_dispatch

if TYPE_CHECKING:
    from riverrun.schemas.objects import FlowRunInput

T = TypeVar("T")
Keyset = dict[str, str]
# Senders that are flow runs: ``respond`` answers them (Prefect's spelling is accepted too).
_RUN_SENDERS = ("riverrun.flow-run.", "prefect.flow-run.")


def keyset_from_base_key(base_key: str) -> Keyset:
    """The keys under which a pause's description, response and schema are known."""
    return {
        "description": f"{base_key}-description",
        "response": f"{base_key}-response",
        "schema": f"{base_key}-schema",
    }


def keyset_from_paused_state(state: State) -> Keyset:
    """The keyset of a Paused (or Suspended) state: ``paused-<pause_key>-...``."""
    if not state.is_paused():
        raise RuntimeError(f"{state.type.value!r} is unsupported.")
    return keyset_from_base_key(
        f"{(state.name or '').lower()}-{state.state_details.get('pause_key')}"
    )


class RunInputMetadata(pydantic.BaseModel):
    """Who sent an input to which flow run, under which key."""

    key: str
    sender: Optional[str] = None
    receiver: UUID


class RunInput(pydantic.BaseModel):
    """Base class of the typed input a paused flow run waits for (a pydantic model)."""

    model_config = pydantic.ConfigDict(extra="forbid", ignored_types=(async_dispatch,))

    _description: ClassVar[Optional[str]] = None
    _metadata: RunInputMetadata | None = pydantic.PrivateAttr(default=None)

    @property
    def metadata(self) -> RunInputMetadata | None:
        return self._metadata

    @classmethod
    def keyset_from_type(cls) -> Keyset:
        return keyset_from_base_key(cls.__name__.lower())

    @classmethod
    def with_initial_data(cls, description: str | None = None, **kwargs: Any) -> type[RunInput]:
        """A subclass whose fields default to ``kwargs`` (shown pre-filled in a resume form)."""
        fields: dict[str, Any] = {
            name: (cls.model_fields[name].annotation, value) for name, value in kwargs.items()
        }
        model = pydantic.create_model(cls.__name__, __base__=cls, **fields)  # type: ignore[call-overload]
        model._description = description  # type: ignore[attr-defined]
        return model  # type: ignore[no-any-return]

    @classmethod
    def from_run_input(cls, run_input: dict[str, Any]) -> Any:
        """The value ``pause_flow_run`` returns for the input given at resume."""
        return cls.model_validate(run_input)

    @classmethod
    def subclass_from_base_model_type(cls, model_cls: type[pydantic.BaseModel]) -> type[RunInput]:
        """A ``RunInput`` with the fields of ``model_cls`` (named ``<Model>RunInput``)."""
        return type(f"{model_cls.__name__}RunInput", (cls, model_cls), {})  # type: ignore[return-value]

    @classmethod
    def load_from_flow_run_input(cls, flow_run_input: FlowRunInput) -> Any:
        """An instance from a received flow-run input, with its ``metadata``."""
        instance = cls(**flow_run_input.decoded_value)
        instance._metadata = RunInputMetadata(
            key=flow_run_input.key,
            sender=flow_run_input.sender,
            receiver=UUID(str(flow_run_input.flow_run_id)),
        )
        return instance

    @classmethod
    def receive(
        cls,
        timeout: Optional[float] = 3600,
        poll_interval: float = 10,
        raise_timeout_error: bool = False,
        exclude_keys: Optional[set[str]] = None,
        key_prefix: Optional[str] = None,
        flow_run_id: Optional[actions.Id] = None,
    ) -> GetInputHandler[Any]:
        """Iterate over the inputs of this type sent to the flow run (default: this one).

        Args:
            timeout: stop iterating after waiting this many seconds for the next input
                (None: wait forever).
            poll_interval: seconds between looks for a new input.
            raise_timeout_error: raise ``TimeoutError`` instead of ending the iteration.
            exclude_keys: keys to skip (e.g. inputs handled before a restart).
            key_prefix: read keys with this prefix (default ``<type name>-auto``, what
                ``send_to`` writes).
            flow_run_id: the receiving run (default: the flow run being executed).
        """
        return GetInputHandler(
            cls, key_prefix or f"{cls.__name__.lower()}-auto", timeout, poll_interval,
            raise_timeout_error, exclude_keys, flow_run_id,
        )  # fmt: skip

    @async_dispatch("asend_to")
    def send_to(
        self,
        flow_run_id: actions.Id,
        sender: Optional[str] = None,
        key_prefix: Optional[str] = None,
    ) -> None:
        """Send this input to a flow run (awaitable in async code, as Prefect's)."""
        send_input(self, flow_run_id, sender, key_prefix)

    async def asend_to(
        self,
        flow_run_id: actions.Id,
        sender: Optional[str] = None,
        key_prefix: Optional[str] = None,
    ) -> None:
        """``send_to``, awaited."""
        await asend_input(self, flow_run_id, sender, key_prefix)

    def _sender_run(self) -> str:
        sender = self.metadata.sender if self.metadata else None
        for prefix in _RUN_SENDERS:
            if sender and sender.startswith(prefix):
                return sender[len(prefix) :]
        raise RuntimeError(
            "Cannot respond to an input that was not sent by a flow run: its sender is "
            f"{sender!r}; send to the run's ID with `send_input(value, flow_run_id)` instead."
        )

    @async_dispatch("arespond")
    def respond(
        self, run_input: Any, sender: Optional[str] = None, key_prefix: Optional[str] = None
    ) -> None:
        """Send ``run_input`` back to the flow run that sent this input."""
        send_input(run_input, self._sender_run(), sender, key_prefix)

    async def arespond(
        self, run_input: Any, sender: Optional[str] = None, key_prefix: Optional[str] = None
    ) -> None:
        """``respond``, awaited."""
        await asend_input(run_input, self._sender_run(), sender, key_prefix)


class AutomaticRunInput(RunInput, Generic[T]):
    """Wraps a plain type as a one-field ``RunInput`` (``value``); loads answer the value."""

    value: Any

    @classmethod
    def from_run_input(cls, run_input: dict[str, Any]) -> Any:
        return cls.model_validate(run_input).value

    @classmethod
    def subclass_from_type(cls, _type: type[T]) -> type[AutomaticRunInput[T]]:
        """A subclass whose ``value`` is of ``_type``, named ``<type>AutomaticRunInput`` as in
        Prefect (``list[int]`` and ``list`` share the name, so their inputs share a key prefix)."""
        prefix = str(getattr(_type, "__name__", getattr(_type, "_name", "")) or "").lower()
        return pydantic.create_model(  # type: ignore[no-any-return, call-overload]
            f"{prefix}AutomaticRunInput", __base__=AutomaticRunInput, value=(_type, ...)
        )


def run_input_subclass_from_type(_type: Any) -> type[RunInput]:
    """The ``RunInput`` class for what ``wait_for_input`` was given."""
    if isclass(_type):
        if issubclass(_type, RunInput):
            return _type
        if issubclass(_type, pydantic.BaseModel):
            return RunInput.subclass_from_base_model_type(_type)
    return AutomaticRunInput.subclass_from_type(_type)


class GetInputHandler(Generic[T]):
    """Iterates (``for`` or ``async for``) over the inputs of one type a flow run receives,
    oldest first, each once; waits up to ``timeout`` seconds for the next one.

    For an ``AutomaticRunInput`` type (``receive_input(int)``) it yields the values, or the
    ``AutomaticRunInput`` objects with their ``metadata`` when ``with_metadata`` is true.
    """

    def __init__(
        self,
        run_input_cls: type[RunInput],
        key_prefix: str,
        timeout: Optional[float] = 3600,
        poll_interval: float = 10,
        raise_timeout_error: bool = False,
        exclude_keys: Optional[Iterable[str]] = None,
        flow_run_id: Optional[actions.Id] = None,
        with_metadata: bool = False,
    ) -> None:
        self.run_input_cls = run_input_cls
        self.key_prefix = key_prefix
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.raise_timeout_error = raise_timeout_error
        self.exclude_keys: set[str] = set(exclude_keys or ())
        self.flow_run_id = actions.ensure_flow_run_id(flow_run_id)
        self.with_metadata = with_metadata

    def __iter__(self) -> GetInputHandler[T]:
        return self

    def __next__(self) -> T:
        try:
            return self.next()
        except TimeoutError:
            if self.raise_timeout_error:
                raise
            raise StopIteration from None

    def __aiter__(self) -> GetInputHandler[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.anext()
        except TimeoutError:
            if self.raise_timeout_error:
                raise
            raise StopAsyncIteration from None

    def to_instance(self, flow_run_input: FlowRunInput) -> T:
        """What the iteration yields for one received input."""
        instance = self.run_input_cls.load_from_flow_run_input(flow_run_input)
        if isinstance(instance, AutomaticRunInput) and not self.with_metadata:
            return instance.value  # type: ignore[no-any-return]
        return instance  # type: ignore[no-any-return]

    def _take(self, found: list[FlowRunInput]) -> FlowRunInput | None:
        if not found:
            return None
        self.exclude_keys.add(found[0].key)
        return found[0]

    def filter_for_inputs_sync(self) -> FlowRunInput | None:
        """The oldest input not seen yet, marked seen; None when there is none."""
        return self._take(
            actions.filter_flow_run_input(
                self.key_prefix, 1, self.exclude_keys, flow_run_id=self.flow_run_id
            )
        )

    async def filter_for_inputs(self) -> FlowRunInput | None:
        """``filter_for_inputs_sync``, awaited."""
        return self._take(
            await actions.afilter_flow_run_input(
                self.key_prefix, 1, self.exclude_keys, flow_run_id=self.flow_run_id
            )
        )

    def next(self) -> T:
        """The next input, waiting for it; raises ``TimeoutError`` after ``timeout`` seconds."""
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while (found := self.filter_for_inputs_sync()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Timed out waiting for input ({self.key_prefix!r} keys)")
            time.sleep(self.poll_interval)
        return self.to_instance(found)

    async def anext(self) -> T:
        """``next``, awaited."""
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while (found := await self.filter_for_inputs()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Timed out waiting for input ({self.key_prefix!r} keys)")
            await asyncio.sleep(self.poll_interval)
        return self.to_instance(found)


def _as_run_input(run_input: Any) -> RunInput:
    if isinstance(run_input, RunInput):
        return run_input
    if isinstance(run_input, pydantic.BaseModel):
        # Prefect wraps a plain model as ``value=`` of its RunInput and fails validation;
        # sending its fields is what receive_input(Model) reads back.
        model_cls = RunInput.subclass_from_base_model_type(type(run_input))
        return model_cls(**run_input.model_dump())
    return AutomaticRunInput.subclass_from_type(type(run_input))(value=run_input)


def _input_key(run_input: RunInput, key_prefix: Optional[str]) -> str:
    return f"{key_prefix or type(run_input).__name__.lower() + '-auto'}-{uuid.uuid4()}"


def send_input(
    run_input: Any,
    flow_run_id: actions.Id,
    sender: Optional[str] = None,
    key_prefix: Optional[str] = None,
) -> None:
    """Send a value (a ``RunInput``, a pydantic model, or any JSON-able value) to a flow run.

    Stored under ``<key_prefix>-<uuid>`` (default prefix ``<type>-auto``, what
    ``receive_input(type)`` reads); the sender defaults to the running flow run. In async
    code, ``await asend_input(...)``.

    Example:
        >>> send_input(42, flow_run_id=receiver_id)
    """
    model = _as_run_input(run_input)
    actions.create_flow_run_input_from_model(
        _input_key(model, key_prefix), model, flow_run_id=flow_run_id, sender=sender
    )


async def asend_input(
    run_input: Any,
    flow_run_id: actions.Id,
    sender: Optional[str] = None,
    key_prefix: Optional[str] = None,
) -> None:
    """``send_input``, awaited."""
    model = _as_run_input(run_input)
    await actions.acreate_flow_run_input_from_model(
        _input_key(model, key_prefix), model, flow_run_id=flow_run_id, sender=sender
    )


def receive_input(
    input_type: Any,
    timeout: Optional[float] = 3600,
    poll_interval: float = 10,
    raise_timeout_error: bool = False,
    exclude_keys: Optional[set[str]] = None,
    key_prefix: Optional[str] = None,
    flow_run_id: Optional[actions.Id] = None,
    with_metadata: bool = False,
) -> GetInputHandler[Any]:
    """Iterate over the values of ``input_type`` sent to a flow run (default: this one).

    ``for answer in receive_input(int, timeout=60): ...`` yields each ``send_input(42, id)``
    once, oldest first, and ends after ``timeout`` seconds without a new one (or raises
    ``TimeoutError`` with ``raise_timeout_error=True``). ``async for`` works too. See
    ``RunInput.receive`` for the arguments.
    """
    cls = run_input_subclass_from_type(input_type)
    handler = cls.receive(
        timeout, poll_interval, raise_timeout_error, exclude_keys, key_prefix, flow_run_id
    )
    handler.with_metadata = with_metadata
    return handler
