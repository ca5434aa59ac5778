"""How an operation's arguments and answer travel: request-body models derived from its
signature, shared by the server (which validates with them) and the HTTP backend (which
encodes with them), so both sides read one definition."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model, model_validator

from riverrun._api.operation import UNSET, Operation, wire_type
from riverrun.schemas.filters import RiverrunFilterBaseModel

# PostgreSQL's LIMIT/OFFSET are bigints; anything past this is a mistake, not a page.
_MAX_PAGE = 2**62
# Strict: JSON ``true`` is not a page size.
_PAGING = {
    "limit": Field(ge=0, le=_MAX_PAGE, strict=True),
    "offset": Field(ge=0, le=_MAX_PAGE, strict=True),
}


class Body(BaseModel):
    """Base of the API's request bodies: an unknown field is an error, not ignored.

    Values a filter matches against (``any_``, ``not_any_``...) must be plain scalars; the
    shared filter schemas type some as ``list[Any]``, and a nested object there would reach
    the database as a parameter it cannot bind.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    @model_validator(mode="after")
    def _scalar_filter_values(self) -> Body:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, RiverrunFilterBaseModel):
                _check_filter(value, name)
        return self


def _check_filter(model: BaseModel, where: str) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{where}.{name}"
        if isinstance(value, BaseModel):
            _check_filter(value, path)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, (dict, list, tuple, set, BaseModel)):
                    raise ValueError(
                        f"{path} must hold plain values (IDs, names), not {type(item).__name__}s."
                    )


def body_parameter(op: Operation) -> inspect.Parameter | None:
    """The parameter that is the whole request body, if the route names one."""
    if op.route.body is None:
        return None
    return next(p for p in op.parameters if p.name == op.route.body)


def carries_body(op: Operation) -> bool:
    """Whether the operation's request has a body (a POST, PATCH or PUT)."""
    return op.route.method in ("POST", "PATCH", "PUT")


def field_parameters(op: Operation) -> list[inspect.Parameter]:
    """The parameters that are neither in the path nor the whole body: the fields of a derived
    body (POST/PATCH/PUT without ``body=``) or the query parameters."""
    skip = set(op.route.path_params) | {op.route.body}
    return [p for p in op.parameters if p.name not in skip]


def _field(param: inspect.Parameter) -> tuple[Any, Any]:
    annotation = wire_type(param.annotation)
    if param.name in _PAGING:
        annotation = Annotated[annotation, _PAGING[param.name]]
    default = ... if param.default is inspect.Parameter.empty else param.default
    return annotation, default


@functools.cache
def body_model(op: Operation) -> type[Body] | None:
    """The request-body model of an operation whose body is made of its parameters."""
    if not carries_body(op) or op.route.body is not None:
        return None
    fields = {p.name: _field(p) for p in field_parameters(op)}
    title = "".join(part.title() for part in op.name.split("_"))
    return create_model(title, __base__=Body, __module__=__name__, **fields)  # type: ignore[call-overload, no-any-return]


def body_is_optional(op: Operation) -> bool:
    """Whether the whole body may be left out (every field has a default)."""
    return all(p.default is not inspect.Parameter.empty for p in field_parameters(op))


def query_parameters(op: Operation) -> list[inspect.Parameter]:
    """The parameters sent in the query string."""
    if carries_body(op) and op.route.body is None:
        return []
    return field_parameters(op)


@functools.cache
def adapter(tp: Any) -> TypeAdapter[Any]:
    """A cached ``TypeAdapter`` for a type (building one costs far more than using it)."""
    return TypeAdapter(tp)


def returns_nothing(op: Operation) -> bool:
    """Whether the operation answers with no content (it returns ``None`` and nothing else)."""
    return op.return_type is type(None) or op.return_type is None


def answers_none_with_404(op: Operation) -> bool:
    """Whether the operation returns ``Optional[X]``: over HTTP its ``None`` is a 404."""
    return typing.get_origin(op.return_type) is typing.Union and type(None) in typing.get_args(
        op.return_type
    )


def given(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments a caller gave, without those left at ``UNSET``."""
    return {k: v for k, v in arguments.items() if v is not UNSET}


def plain_iterables(arguments: dict[str, Any]) -> dict[str, Any]:
    """Sets become sorted lists (a set has no order; the store sorts them too) and iterators
    such as generators become lists, so every backend answers alike."""
    out = {}
    for name, value in arguments.items():
        if isinstance(value, AbstractSet):
            value = sorted(value)
        elif isinstance(value, Iterator):
            value = list(value)
        out[name] = value
    return out


__all__ = [
    "Body",
    "adapter",
    "answers_none_with_404",
    "body_is_optional",
    "body_model",
    "body_parameter",
    "field_parameters",
    "given",
    "plain_iterables",
    "query_parameters",
    "returns_nothing",
]
