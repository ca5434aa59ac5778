"""How an operation's arguments and answer travel: request-body models derived from its
signature, shared by the server (which validates with them) and the HTTP backend (which
encodes with them), so both sides read one definition."""

from __future__ import annotations

import functools
import inspect
import typing
import uuid
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    create_model,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema

from riverrun._api.operation import UNSET, Operation, wire_type
from riverrun.schemas.filters import RiverrunFilterBaseModel

# PostgreSQL's LIMIT/OFFSET are bigints; anything past this is a mistake, not a page.
_MAX_PAGE = 2**62


def _whole_number(value: object) -> object:
    # JSON Schema's "integer" includes 5.0, and Prefect's API takes it: a whole float is
    # that integer. Everything else is left to the strict check (``true``, ``"5"``, 5.5 fail).
    if type(value) is float and value.is_integer():
        return int(value)
    return value


# Strict after the whole-number step: JSON ``true`` or the text ``"5"`` is not a page size.
_Page = Annotated[int, Field(ge=0, le=_MAX_PAGE, strict=True), BeforeValidator(_whole_number)]
_PAGING = frozenset({"limit", "offset"})


# Any other whole number of a body reaches a BIGINT column or a SQLite INTEGER (epoch
# microseconds, tokens, counts); past 64 bits neither can hold it. 2**62, like the page bound,
# is exact in the spec's float bounds.
_Whole = Annotated[int, Field(ge=-_MAX_PAGE, le=_MAX_PAGE)]


def _bounded(annotation: Any, bounded: Any) -> Any:
    """``int`` (or ``Optional[int]``) with ``bounded`` in place of ``int``."""
    if annotation is int:
        return bounded
    if typing.get_origin(annotation) is typing.Union:
        return typing.Union[tuple(_bounded(a, bounded) for a in typing.get_args(annotation))]  # noqa: UP007
    return annotation


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


# An ID sent as text names a run, flow, block...: an empty one names nothing, and kept it came
# back in answers (``state_details.task_run_id: ""``) as an ID to call with.
_IdText = Annotated[str, Field(min_length=1)]


def _nonempty_ids(annotation: Any) -> Any:
    """``Id`` (a UUID or its text), or ``Optional[Id]``, with the text at least a character."""
    if typing.get_origin(annotation) is typing.Union:
        args = typing.get_args(annotation)
        if uuid.UUID in args and str in args:
            return typing.Union[tuple(_IdText if a is str else a for a in args)]  # noqa: UP007
    return annotation


def _field(param: inspect.Parameter) -> tuple[Any, Any]:
    annotation = _nonempty_ids(wire_type(param.annotation))
    annotation = _bounded(annotation, _Page if param.name in _PAGING else _Whole)
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


def _query_bool(value: object) -> object:
    # FastAPI reads "yes", "on", "1" as true; the spec says boolean, which a query string
    # writes as "true" or "false" (what every riverrun client sends), so only those pass.
    if isinstance(value, str):
        if value in ("true", "false"):
            return value == "true"
        raise ValueError(f"expected true or false, not {value[:40]!r}")
    return value


_QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


def query_type(annotation: Any) -> Any:
    """The type a query parameter is read as: a boolean only from ``true`` or ``false``."""
    if annotation is bool:
        return _QueryBool
    if typing.get_origin(annotation) is typing.Union:
        return typing.Union[tuple(query_type(a) for a in typing.get_args(annotation))]  # noqa: UP007
    return annotation


def query_parameters(op: Operation) -> list[inspect.Parameter]:
    """The parameters sent in the query string."""
    if carries_body(op) and op.route.body is None:
        return []
    return field_parameters(op)


# What a JSON value must be for each JSON Schema type. A bool is not a number, and a whole
# float is an integer (JSON Schema's own rule).
_JSON_TYPES: dict[str, Callable[[object], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: type(v) is bool,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": lambda v: type(v) in (int, float),
    "string": lambda v: type(v) is str,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
}


def _type_errors(
    node: dict[str, Any], value: object, defs: dict[str, Any], where: str
) -> list[str]:
    """Where ``value`` has a JSON type ``node`` does not allow (constraints are pydantic's)."""
    if "$ref" in node:
        return _type_errors(defs[node["$ref"].rsplit("/", 1)[-1]], value, defs, where)
    tag = (node.get("discriminator") or {}).get("propertyName")
    if (
        tag
        and isinstance(value, dict)
        and isinstance(value.get(tag), str)
        and (value[tag] in node["discriminator"].get("mapping", {}))
    ):
        # The tag picks the member, as pydantic does: the other members do not count.
        chosen = {"$ref": node["discriminator"]["mapping"][value[tag]]}
        return _type_errors(chosen, value, defs, where)
    choices = node.get("anyOf") or node.get("oneOf")
    if choices:
        found = [_type_errors(choice, value, defs, where) for choice in choices]
        return [] if any(not errors for errors in found) else min(found, key=len)
    kind = node.get("type")
    if node.get("format") == "duration" and type(value) in (int, float):
        return []  # a duration may be given in seconds: pydantic reads both, the clients send seconds
    if isinstance(kind, str) and kind in _JSON_TYPES and not _JSON_TYPES[kind](value):
        return [f"{where or 'body'}: expected {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not "
                f"{'a boolean' if type(value) is bool else json_kind(value)}"]  # fmt: skip
    errors: list[str] = []
    if isinstance(value, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                errors += _type_errors(sub, item, defs, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            errors += _type_errors(node["items"], item, defs, f"{where}.{i}" if where else str(i))
    return errors


def json_kind(value: object) -> str:
    """The JSON type of a parsed JSON value, as an error message says it."""
    for kind in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _JSON_TYPES[kind](value):
            return {"null": "null", "integer": "an integer", "array": "an array",
                    "object": "an object"}.get(kind, f"a {kind}")  # fmt: skip
    return type(value).__name__


class _TypesOnlySchema(GenerateJsonSchema):
    """The schema for the JSON type check: defaults do not matter there, and ``UNSET`` (an
    operation's "not given") has no JSON form."""

    def encode_default(self, dft: Any) -> Any:
        return None if dft is UNSET else super().encode_default(dft)


@functools.cache
def json_type_check(tp: Any) -> Callable[[Any], Any]:
    """A before-validator refusing JSON whose types the spec of ``tp`` does not allow.

    Pydantic's lax mode reads ``0`` as ``false``, ``false`` as ``0`` and ``0`` as 1970-01-01:
    the spec says boolean, integer and date-time text, so the server says so too. Checked on
    the parsed request body only (the HTTP backend builds bodies from Python values).
    """
    schema = adapter(tp).json_schema(mode="validation", schema_generator=_TypesOnlySchema)
    defs = schema.get("$defs", {})

    def check(value: Any) -> Any:
        errors = _type_errors(schema, value, defs, "")
        if errors:
            raise ValueError("; ".join(errors[:10]))
        return value

    return check


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
    "json_kind",
    "json_type_check",
    "plain_iterables",
    "query_parameters",
    "query_type",
    "returns_nothing",
]
