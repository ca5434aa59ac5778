"""Typed input for paused flow runs, as Prefect's ``prefect.input.run_input``.

``pause_flow_run(wait_for_input=Answer)`` stores the JSON schema of ``Answer`` with the Paused
state and returns an ``Answer`` built from what ``resume_flow_run(id, run_input={...})``
gave. Any pydantic model or type works: a model is wrapped in a ``RunInput`` subclass, another
type (``int``, ``list[str]``) in an ``AutomaticRunInput`` whose single field is ``value``.
"""

from __future__ import annotations

from inspect import isclass
from typing import Any, ClassVar, Generic, Optional, TypeVar
from uuid import UUID

import pydantic

from riverrun.states import State

T = TypeVar("T")
Keyset = dict[str, str]


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

    model_config = pydantic.ConfigDict(extra="forbid")

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
        """A ``RunInput`` with the fields of ``model_cls``."""
        return type(model_cls.__name__, (model_cls, cls), {})  # type: ignore[return-value]


class AutomaticRunInput(RunInput, Generic[T]):
    """Wraps a plain type as a one-field ``RunInput`` (``value``); loads answer the value."""

    value: Any

    @classmethod
    def from_run_input(cls, run_input: dict[str, Any]) -> Any:
        return cls.model_validate(run_input).value

    @classmethod
    def subclass_from_type(cls, _type: type[T]) -> type[AutomaticRunInput[T]]:
        name = getattr(_type, "__name__", None) or str(_type)
        return pydantic.create_model(  # type: ignore[no-any-return, call-overload]
            name.title().replace("[", "").replace("]", ""),
            __base__=AutomaticRunInput,
            value=(_type, ...),
        )


def run_input_subclass_from_type(_type: Any) -> type[RunInput]:
    """The ``RunInput`` class for what ``wait_for_input`` was given."""
    if isclass(_type):
        if issubclass(_type, RunInput):
            return _type
        if issubclass(_type, pydantic.BaseModel):
            return RunInput.subclass_from_base_model_type(_type)
    return AutomaticRunInput.subclass_from_type(_type)
