"""Parameter schemas of callables: the JSON schema that deployment forms are generated from."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model


class ParameterSchema(BaseModel):
    """The JSON schema of a flow's parameters (OpenAPI-style object schema)."""

    model_config = ConfigDict(populate_by_name=True)

    title: str = "Parameters"
    type: str = "object"
    properties: dict[str, Any] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=list)
    definitions: dict[str, Any] = Field(default_factory=dict)

    def model_dump_for_openapi(self) -> dict[str, Any]:
        """The schema as a plain dict, with ``definitions`` only when used."""
        out = self.model_dump(mode="json")
        if not out["definitions"]:
            out.pop("definitions")
        return out


_ARGS_HEADER = re.compile(r"^\s*(Args|Arguments|Parameters)\s*:\s*$")
_ARG_LINE = re.compile(r"^\s*(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")


def parameter_docstrings(docstring: str | None) -> dict[str, str]:
    """Descriptions of parameters from a Google-style docstring's ``Args:`` section."""
    if not docstring:
        return {}
    lines = inspect.cleandoc(docstring).splitlines()
    out: dict[str, str] = {}
    in_args = False
    current: str | None = None
    base_indent = None
    for line in lines:
        if _ARGS_HEADER.match(line):
            in_args, current, base_indent = True, None, None
            continue
        if not in_args:
            continue
        if not line.strip():
            current = None
            continue
        indent = len(line) - len(line.lstrip())
        if base_indent is None:
            base_indent = indent
        if indent < base_indent or (indent == 0 and line.rstrip().endswith(":")):
            in_args = False
            continue
        match = _ARG_LINE.match(line)
        if match and indent == base_indent:
            current = match.group(1).lstrip("*")
            out[current] = match.group(3).strip()
        elif current:
            out[current] = (out[current] + " " + line.strip()).strip()
    return out


def _is_optional_default(annotation: Any, default: Any) -> Any:
    """``x: T = None`` means Optional[T], as in the seed guide's ``select: str = None``."""
    if default is None and annotation is not inspect.Parameter.empty and annotation is not Any:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if not (origin is typing.Union and type(None) in args) and annotation is not type(None):
            return typing.Optional[annotation]
    return annotation


def build_parameter_model(fn: Callable[..., Any]) -> type[BaseModel]:
    """A pydantic model whose fields are ``fn``'s parameters, for validation and schemas."""
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable forward references fall back to raw annotations
        hints = {}
    docs = parameter_docstrings(fn.__doc__)
    fields: dict[str, Any] = {}
    for position, (name, param) in enumerate(signature.parameters.items()):
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            annotation: Any = Any
            default: Any = None
        else:
            annotation = hints.get(name, param.annotation)
            if annotation is inspect.Parameter.empty:
                annotation = Any
            default = param.default
            annotation = _is_optional_default(annotation, default)
        extra = {"position": position}
        field_kwargs: dict[str, Any] = {"title": name, "json_schema_extra": extra}
        if name in docs:
            field_kwargs["description"] = docs[name]
        if default is inspect.Parameter.empty:
            fields[name] = (annotation, Field(..., **field_kwargs))
        else:
            fields[name] = (annotation, Field(default, **field_kwargs))
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{getattr(fn, '__name__', 'fn')}_parameters",
        __config__=ConfigDict(arbitrary_types_allowed=True, extra="forbid"),
        **fields,
    )


def parameter_schema(fn: Callable[..., Any]) -> ParameterSchema:
    """The JSON schema of ``fn``'s parameters: types, defaults, required, descriptions.

    ``Literal`` and ``Enum`` annotations become an ``enum``, ``datetime`` a ``date-time``
    string, ``date`` a ``date`` string; the docstring's ``Args:`` section gives descriptions.
    """
    model = build_parameter_model(fn)
    try:
        schema = model.model_json_schema()
    except Exception:  # noqa: BLE001 - arbitrary types have no JSON schema: fall back per field
        schema = _fallback_schema(model)
    definitions = schema.pop("$defs", {})
    properties = schema.get("properties", {})
    for prop in properties.values():
        _inline_refs(prop, definitions)
    return ParameterSchema(
        title="Parameters",
        properties=properties,
        required=list(schema.get("required", [])),
        definitions=definitions,
    )


def _inline_refs(node: Any, definitions: dict[str, Any]) -> None:
    """Inline simple ``$ref`` enums so forms see ``enum`` directly on the property."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref.startswith("#/$defs/"):
            target = definitions.get(ref.split("/")[-1], {})
            if "enum" in target:
                node.pop("$ref")
                for key, value in target.items():
                    node.setdefault(key, value)
            else:
                node["$ref"] = ref.replace("#/$defs/", "#/definitions/")
        for value in list(node.values()):
            _inline_refs(value, definitions)
    elif isinstance(node, list):
        for item in node:
            _inline_refs(item, definitions)


def _fallback_schema(model: type[BaseModel]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, info in model.model_fields.items():
        prop: dict[str, Any] = {"title": name}
        if info.description:
            prop["description"] = info.description
        extra = info.json_schema_extra
        if isinstance(extra, dict):
            prop.update(extra)
        if info.is_required():
            required.append(name)
        else:
            try:
                import json

                json.dumps(info.default)
                prop["default"] = info.default
            except (TypeError, ValueError):
                pass
        properties[name] = prop
    return {"properties": properties, "required": required}


__all__ = ["ParameterSchema", "parameter_docstrings", "parameter_schema"]
