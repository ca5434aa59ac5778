"""Check parameter values against a flow's parameter JSON schema, naming every bad field.

The schemas checked are the ones ``flow.parameters`` produces (pydantic's JSON schema of the
signature): types, ``enum``/``const``, ``anyOf``/``oneOf``/``allOf``, ``$ref`` into
``definitions``/``$defs``, nested objects and arrays, string formats (``date-time``, ``date``,
``time``, ``uuid``), numeric and length bounds, ``pattern``. It is a small pure function
rather than the ``jsonschema`` package, whose import alone took ~0.5 s here, on the path of
every run created from a deployment.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "array":
        return isinstance(value, (list, tuple))
    if name == "object":
        return isinstance(value, dict)
    if name == "null":
        return value is None
    return True


def _parse_uuid(text: str) -> None:
    uuid.UUID(text)


def _parse_datetime(text: str) -> None:
    # fromisoformat in 3.10 knows no "Z"; ISO 8601 allows it.
    dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)


_FORMATS: dict[str, Callable[[str], object]] = {
    "date-time": _parse_datetime,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "uuid": _parse_uuid,
}
_FORMAT_EXAMPLES = {
    "date-time": "an ISO 8601 date-time such as 2025-01-31T09:00:00",
    "date": "an ISO 8601 date such as 2025-01-31",
    "time": "an ISO 8601 time such as 09:00:00",
    "uuid": "a UUID",
}


def _show(value: Any) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _expected(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short description of what a schema accepts, for messages."""
    schema = _deref(schema, defs)
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_expected(s, defs) for s in schema[key])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(_TYPE_NAMES.get(str(k), str(k)) for k in kind)
    if kind == "string" and schema.get("format") in _FORMAT_EXAMPLES:
        return _FORMAT_EXAMPLES[schema["format"]]
    if isinstance(kind, str):
        return _TYPE_NAMES.get(kind, kind)
    return "a value"


def _deref(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 32:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = {**defs.get(name, {}), **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _check(value: Any, schema: Any, path: str, defs: dict[str, Any], problems: list[str]) -> None:
    if not isinstance(schema, dict) or not schema:
        return
    schema = _deref(schema, defs)
    for sub in schema.get("allOf", []):
        _check(value, sub, path, defs, problems)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            if not any(_valid(value, sub, defs) for sub in schema[key]):
                problems.append(f"{path}: expected {_expected(schema, defs)}, got {_show(value)}")
                return
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: expected {_expected(schema, defs)}, got {_show(value)}")
        return
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: expected {schema['const']!r}, got {_show(value)}")
        return
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    if kinds and not any(_is_type(value, k) for k in kinds):
        problems.append(f"{path}: expected {_expected(schema, defs)}, got {_show(value)}")
        return
    if isinstance(value, str):
        _check_string(value, schema, path, problems)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(value, schema, path, problems)
    elif isinstance(value, (list, tuple)):
        _check_array(list(value), schema, path, defs, problems)
    elif isinstance(value, dict) and ("properties" in schema or "required" in schema):
        _check_object(value, schema, path, defs, problems)


def _check_string(value: str, schema: dict[str, Any], path: str, problems: list[str]) -> None:
    parse = _FORMATS.get(str(schema.get("format")))
    if parse is not None:
        try:
            parse(value)
        except ValueError:
            problems.append(
                f"{path}: expected {_FORMAT_EXAMPLES[schema['format']]}, got {_show(value)}"
            )
            return
    if "minLength" in schema and len(value) < schema["minLength"]:
        problems.append(
            f"{path}: expected at least {schema['minLength']} characters, got {len(value)}"
        )
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        problems.append(
            f"{path}: expected at most {schema['maxLength']} characters, got {len(value)}"
        )
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        problems.append(f"{path}: expected text matching {schema['pattern']!r}, got {_show(value)}")


def _check_number(value: float, schema: dict[str, Any], path: str, problems: list[str]) -> None:
    bounds = (
        ("minimum", lambda v, b: v >= b, ">="),
        ("maximum", lambda v, b: v <= b, "<="),
        ("exclusiveMinimum", lambda v, b: v > b, ">"),
        ("exclusiveMaximum", lambda v, b: v < b, "<"),
    )
    for key, ok, sign in bounds:
        if key in schema and not ok(value, schema[key]):
            problems.append(f"{path}: expected a number {sign} {schema[key]}, got {value!r}")


def _check_array(
    value: list[Any], schema: dict[str, Any], path: str, defs: dict[str, Any], problems: list[str]
) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        problems.append(f"{path}: expected at least {schema['minItems']} items, got {len(value)}")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        problems.append(f"{path}: expected at most {schema['maxItems']} items, got {len(value)}")
    prefix = schema.get("prefixItems", [])
    for index, item in enumerate(value):
        sub = prefix[index] if index < len(prefix) else schema.get("items")
        _check(item, sub, f"{path}[{index}]", defs, problems)


def _check_object(
    value: dict[str, Any],
    schema: dict[str, Any],
    path: str,
    defs: dict[str, Any],
    problems: list[str],
) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            problems.append(f"{path}.{name}: is required")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            _check(item, properties[name], f"{path}.{name}", defs, problems)
        elif extra is False:
            problems.append(f"{path}.{name}: is not an accepted field")
        elif isinstance(extra, dict):
            _check(item, extra, f"{path}.{name}", defs, problems)


def _valid(value: Any, schema: Any, defs: dict[str, Any]) -> bool:
    found: list[str] = []
    _check(value, schema, "", defs, found)
    return not found


def parameter_problems(values: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every way ``values`` fails the flow's parameter ``schema``, one line per field.

    A parameter the schema does not name is a problem unless the schema allows extra
    properties (a flow taking ``**kwargs``); a missing required one is too.

    Example:
        >>> parameter_problems({"env": "dev"}, {"properties": {"env": {"enum": ["pre", "pro"]}}})
        ["env: expected one of 'pre', 'pro', got 'dev' (str)"]
    """
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    properties: dict[str, Any] = schema.get("properties", {})
    problems: list[str] = []
    for name in schema.get("required", []):
        if name not in values:
            problems.append(f"{name}: is required ({_expected(properties.get(name, {}), defs)})")
    allow_extra = bool(schema.get("additionalProperties", False))
    for name, value in values.items():
        if name in properties:
            _check(value, properties[name], name, defs, problems)
        elif not allow_extra:
            accepted = ", ".join(properties) or "none"
            problems.append(f"{name}: is not a parameter of the flow (its parameters: {accepted})")
    return problems
