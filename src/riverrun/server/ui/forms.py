"""A form from a JSON schema, and the submitted form back into values: one renderer for the
deployment Run form and the block editor.

``render_form(schema, values, errors)`` gives the HTML of every field; ``parse_form(schema,
pairs)`` turns the submitted ``(name, value)`` pairs back into typed values and a dict of
errors keyed by the same dotted paths, so a server error is shown at its own field.

Controls by schema (what ``parameter_schema`` and block schemas produce):

- ``enum`` (``Literal``/``Enum``) → select; ``array`` of ``enum`` → multi-select
- ``boolean`` → switch; ``integer``/``number`` → numeric input with the schema's bounds
- ``date-time`` / ``date`` strings → datetime/date pickers, a datetime with a timezone field
- ``anyOf [X, null]`` and a ``default: null`` on X (the guide's ``x: X = None``) → X's own
  control, where empty means None; ``anyOf`` of two or more real types → a variant picker
- an object with ``properties`` (a nested model) → a fieldset; ``array`` → add/remove rows
- any other object, or no type at all (``dict``, ``Any``) → a JSON editor
- ``format: password`` / ``writeOnly`` (secrets) → a password input that never shows the value
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cache
from typing import Any

from markupsafe import Markup, escape

Schema = Mapping[str, Any]
Pairs = Iterable[tuple[str, str]]

#: What a secret field shows instead of its value; submitting it unchanged keeps the value.
SECRET_UNCHANGED = "\u2022" * 8
_VARIANT = "__variant"
_TZ_LIST_ID = "rr-timezones"


@dataclass
class Control:
    """What one field is drawn as, decided from its schema alone."""

    kind: str  # select, multiselect, switch, number, datetime, date, secret, text, fieldset,
    # rows, json, union
    schema: Schema
    optional: bool = False
    options: list[Any] = field(default_factory=list)
    variants: list[Schema] = field(default_factory=list)


class Resolver:
    """Follows ``$ref`` (``#/definitions/X`` or ``#/$defs/X``) within one root schema."""

    def __init__(self, root: Schema) -> None:
        self.definitions: dict[str, Any] = {**root.get("$defs", {}), **root.get("definitions", {})}

    def resolve(self, node: Schema) -> Schema:
        seen = 0
        while True:
            ref = node.get("$ref")
            if not ref and len(node.get("allOf", [])) == 1:
                # pydantic wraps a referenced model that has a default in allOf.
                extra = {k: v for k, v in node.items() if k != "allOf"}
                node = {**self.resolve(node["allOf"][0]), **extra}
                continue
            if not ref or seen > 20:
                return node
            target = self.definitions.get(str(ref).rsplit("/", 1)[-1], {})
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            seen += 1


def classify(node: Schema, resolver: Resolver) -> Control:
    """The control for one field's schema (see the module's docstring)."""
    node = resolver.resolve(node)
    optional = "default" in node and node["default"] is None
    variants = node.get("anyOf") or node.get("oneOf")
    if variants:
        real = [resolver.resolve(v) for v in variants if v.get("type") != "null"]
        optional = optional or len(real) < len(variants)
        extra = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
        if len(real) == 1:
            inner = classify({**real[0], **extra}, resolver)
            inner.optional = True if optional else inner.optional
            return inner
        if real and all("const" in v for v in real):
            return Control("select", node, optional, [v["const"] for v in real])
        return Control("union", node, optional, variants=real)
    if "enum" in node:
        return Control("select", node, optional, list(node["enum"]))
    if "const" in node:
        return Control("select", node, optional, [node["const"]])
    kind = node.get("type")
    fmt = node.get("format")
    if kind == "array":
        items = resolver.resolve(node.get("items", {}))
        if "enum" in items:
            return Control("multiselect", node, optional, list(items["enum"]))
        if "prefixItems" in node:
            return Control("json", node, optional)
        return Control("rows", node, optional)
    if kind == "boolean":
        return Control("switch", node, optional)
    if kind in ("integer", "number"):
        return Control("number", node, optional)
    if kind == "string":
        if fmt == "date-time":
            return Control("datetime", node, optional)
        if fmt == "date":
            return Control("date", node, optional)
        if fmt == "password" or node.get("writeOnly"):
            return Control("secret", node, optional)
        return Control("text", node, optional)
    if kind == "object" and node.get("properties"):
        return Control("fieldset", node, optional)
    return Control("json", node, optional)


# -- rendering ---------------------------------------------------------------------------------


def render_form(
    schema: Schema,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    prefix: str = "p",
    submitted: Mapping[str, str] | None = None,
) -> Markup:
    """The HTML of every field of an object schema, values (else defaults) filled in.

    Args:
        schema: an object schema with ``properties`` (a parameter or block schema).
        values: current values by field name; a missing one shows the schema's default.
        errors: messages keyed by dotted input name (``p.min_date``), shown at the field.
        prefix: the first part of every input's name.
        submitted: the text a user sent by input name; a field with an error shows it again
            instead of the stored value (the ``70000`` they typed, not the default).
    """
    renderer = _Renderer(Resolver(schema), dict(errors or {}), dict(submitted or {}))
    body = renderer.properties(schema, dict(values or {}), prefix, has_values=values is not None)
    if renderer.needs_timezones:
        body += _timezone_list()
    return Markup(body)


class _Renderer:
    def __init__(
        self, resolver: Resolver, errors: dict[str, str], submitted: dict[str, str]
    ) -> None:
        self.resolver = resolver
        self.errors = errors
        self.submitted = submitted
        self.needs_timezones = False

    def properties(
        self, schema: Schema, values: dict[str, Any], path: str, *, has_values: bool
    ) -> str:
        schema = self.resolver.resolve(schema)
        required = set(schema.get("required", []))
        props: dict[str, Any] = schema.get("properties", {})
        ordered = sorted(props.items(), key=lambda kv: kv[1].get("position", 0))
        out = []
        for name, prop in ordered:
            value = values[name] if name in values else prop.get("default")
            out.append(self.field(prop, value, f"{path}.{name}", name, name in required))
        return "".join(out)

    def field(self, prop: Schema, value: Any, path: str, name: str, required: bool) -> str:
        control = classify(prop, self.resolver)
        node = control.schema
        title = node.get("title") or name
        error = self.errors.get(path)
        if error and path in self.submitted:
            value = self.submitted[path]
        ident = _ident(path)
        inner = self.control(control, value, path, ident, required and not control.optional)
        label_for = "" if control.kind in ("fieldset", "rows", "union", "multiselect") else ident
        parts = [f'<div class="field field-{control.kind}{" has-error" if error else ""}">']
        if control.kind != "fieldset":
            mark = '<span class="req" title="required">*</span>' if required else ""
            attr = f' for="{label_for}"' if label_for else ""
            parts.append(f"<label{attr}>{escape(title)}{mark}</label>")
        parts.append(inner)
        if node.get("description"):
            parts.append(f'<p class="hint">{escape(node["description"])}</p>')
        if error:
            parts.append(
                f'<p class="field-error" id="{ident}-error" role="alert">{escape(error)}</p>'
            )
        parts.append("</div>")
        return "".join(parts)

    def control(self, control: Control, value: Any, path: str, ident: str, required: bool) -> str:
        node = control.schema
        aria = (
            f' aria-invalid="true" aria-describedby="{ident}-error"' if path in self.errors else ""
        )
        base = f'id="{ident}" name="{escape(path)}"{aria}'
        req = " required" if required else ""
        kind = control.kind
        if kind == "select":
            # An empty choice means None (optional) or "choose one" (required, no value yet).
            blank = control.optional or value is None
            options = ['<option value="">—</option>'] if blank else []
            for option in control.options:
                sel = " selected" if value == option else ""
                options.append(
                    f'<option value="{escape(_text(option))}"{sel}>{escape(_text(option))}</option>'
                )
            return f"<select {base}{req}>{''.join(options)}</select>"
        if kind == "multiselect":
            chosen = set(map(_text, value or []))
            boxes = []
            for i, option in enumerate(control.options):
                text = _text(option)
                check = " checked" if text in chosen else ""
                boxes.append(f'<label class="chip"><input type="checkbox" id="{ident}-{i}" '
                             f'name="{escape(path)}" value="{escape(text)}"{check}>{escape(text)}</label>')  # fmt: skip
            return f'<div class="multi" id="{ident}" role="group"{aria}>{"".join(boxes)}</div>'
        if kind == "switch":
            if control.optional:
                opts = [("", "—"), ("true", "true"), ("false", "false")]
                current = "" if value is None else ("true" if value else "false")
                inner = "".join(f'<option value="{v}"{" selected" if v == current else ""}>{t}</option>'
                                for v, t in opts)  # fmt: skip
                return f"<select {base}>{inner}</select>"
            check = " checked" if value else ""
            return (f'<input type="hidden" name="{escape(path)}" value="false">'
                    f'<input type="checkbox" role="switch" class="switch" {base} value="true"{check}>')  # fmt: skip
        if kind == "number":
            return f'<input type="number" {base}{_bounds(node)}{_value(value)}{req}>'
        if kind == "datetime":
            self.needs_timezones = True
            local, zone = _split_datetime(value)
            if path in self.errors and f"{path}.tz" in self.submitted:
                zone = self.submitted[f"{path}.tz"]  # what they typed, shown with its error
            return (f'<span class="datetime"><input type="datetime-local" step="1" {base}{_value(local)}{req}>'
                    f'<input class="tz" list="{_TZ_LIST_ID}" name="{escape(path)}.tz" id="{ident}-tz" '
                    f'aria-label="timezone" value="{escape(zone)}"></span>')  # fmt: skip
        if kind == "date":
            return f'<input type="date" {base}{_value(value)}{req}>'
        if kind == "secret":
            shown = SECRET_UNCHANGED if value not in (None, "") else ""
            return f'<input type="password" autocomplete="off" {base}{_value(shown)}>'
        if kind == "text":
            attrs = "".join(f' {html}="{escape(str(node[key]))}"' for key, html in
                            (("maxLength", "maxlength"), ("minLength", "minlength"), ("pattern", "pattern"))
                            if key in node)  # fmt: skip
            return f'<input type="text" {base}{attrs}{_value(value)}{req}>'
        if kind == "fieldset":
            title = node.get("title") or path.rsplit(".", 1)[-1]
            inner = self.properties(
                node, value if isinstance(value, dict) else {}, path, has_values=True
            )
            return f'<fieldset id="{ident}"><legend>{escape(title)}</legend>{inner}</fieldset>'
        if kind == "rows":
            return self.rows(node, value, path, ident)
        if kind == "union":
            return self.union(control, value, path, ident)
        text = (
            "" if value is None and control.optional else json.dumps(value, indent=2, default=str)
        )
        return (
            f'<textarea class="json" spellcheck="false" rows="4" {base}>{escape(text)}</textarea>'
        )

    def rows(self, node: Schema, value: Any, path: str, ident: str) -> str:
        items = node.get("items", {})
        rows = [self._row(items, item, f"{path}.{i}") for i, item in enumerate(value or [])]
        template = self._row(items, None, f"{path}.__i__")
        return (f'<div class="rows" id="{ident}" data-path="{escape(path)}">{"".join(rows)}'
                f'<template>{template}</template>'
                f'<button type="button" class="add-row">Add row</button></div>')  # fmt: skip

    def _row(self, items: Schema, value: Any, path: str) -> str:
        inner = self.field(items, value, path, "item", False)
        return f'<div class="row">{inner}<button type="button" class="remove-row" aria-label="remove">×</button></div>'

    def union(self, control: Control, value: Any, path: str, ident: str) -> str:
        chosen = _variant_of(control.variants, value, self.resolver)
        picker = [
            f'<select class="variant" name="{escape(path)}.{_VARIANT}" id="{ident}-variant" aria-label="type">'
        ]
        if control.optional:
            picker.append(f'<option value=""{" selected" if chosen is None else ""}>None</option>')
        panes = []
        for i, variant in enumerate(control.variants):
            label = _variant_label(variant)
            picker.append(
                f'<option value="{i}"{" selected" if chosen == i else ""}>{escape(label)}</option>'
            )
            inner = self.field(variant, value if chosen == i else None, f"{path}.{i}", label, False)
            hidden = "" if chosen == i else " hidden"
            panes.append(f'<div class="variant-pane" data-variant="{i}"{hidden}>{inner}</div>')
        picker.append("</select>")
        return f'<div class="union" id="{ident}">{"".join(picker)}{"".join(panes)}</div>'


def _ident(path: str) -> str:
    return "f-" + path.replace(".", "-").replace("_", "-")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _value(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else _text(value)
    return f' value="{escape(text)}"'


def _bounds(node: Schema) -> str:
    integer = node.get("type") == "integer"
    attrs = [f' step="{"1" if integer else "any"}"']
    low, high = node.get("minimum"), node.get("maximum")
    if low is None and "exclusiveMinimum" in node and integer:
        low = node["exclusiveMinimum"] + 1
    if high is None and "exclusiveMaximum" in node and integer:
        high = node["exclusiveMaximum"] - 1
    if low is not None:
        attrs.append(f' min="{low}"')
    if high is not None:
        attrs.append(f' max="{high}"')
    return "".join(attrs)


def _split_datetime(value: Any) -> tuple[str | None, str]:
    """A datetime value as the picker's local text and a timezone name (UTC by default)."""
    if value in (None, ""):
        return None, "UTC"
    moment = value if isinstance(value, datetime) else _parse_iso(str(value))
    if moment is None:
        return str(value), "UTC"
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds"), "UTC"
    zone = getattr(moment.tzinfo, "key", None)
    if zone is None:
        moment = moment.astimezone(timezone.utc)
        zone = "UTC"
    return moment.replace(tzinfo=None).isoformat(timespec="seconds"), zone


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@cache
def _timezone_list() -> str:
    names = sorted(zoneinfo.available_timezones() - {"UTC"})
    options = "".join(f'<option value="{name}">' for name in ["UTC", *names])
    return f'<datalist id="{_TZ_LIST_ID}">{options}</datalist>'


def _variant_label(variant: Schema) -> str:
    if variant.get("title"):
        return str(variant["title"])
    kind = variant.get("type") or "any"
    return f"{kind} ({variant['format']})" if variant.get("format") else str(kind)


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,), "number": (int, float), "string": (str,), "boolean": (bool,),
    "array": (list,), "object": (dict,),
}  # fmt: skip


def _variant_of(variants: list[Schema], value: Any, resolver: Resolver) -> int | None:
    if value is None:
        return None
    for i, variant in enumerate(variants):
        kinds = _PY_TYPES.get(resolver.resolve(variant).get("type", ""), ())
        if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
            return i
    return 0


# -- parsing -----------------------------------------------------------------------------------


class _Missing:
    pass


MISSING: Any = _Missing()


def parse_form(
    schema: Schema,
    pairs: Pairs,
    *,
    prefix: str = "p",
    secrets: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Values typed by the schema from submitted ``(name, value)`` pairs, and errors by name.

    An empty optional field gives None; an empty field with a default is left out (the default
    applies); an empty required field is an error. ``secrets`` holds the current values of
    secret fields: a secret submitted unchanged keeps its value.
    """
    form: dict[str, list[str]] = {}
    for key, val in pairs:
        form.setdefault(key, []).append(val)
    parser = _Parser(Resolver(schema), form, dict(secrets or {}))
    values = parser.properties(schema, prefix, [])
    return values, parser.errors


class _Parser:
    def __init__(
        self, resolver: Resolver, form: dict[str, list[str]], secrets: dict[str, Any]
    ) -> None:
        self.resolver = resolver
        self.form = form
        self.secrets = secrets
        self.errors: dict[str, str] = {}

    def properties(self, schema: Schema, path: str, names: list[str]) -> dict[str, Any]:
        schema = self.resolver.resolve(schema)
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for name, prop in schema.get("properties", {}).items():
            value = self.field(prop, f"{path}.{name}", [*names, name], name in required)
            if value is not MISSING:
                out[name] = value
        return out

    def field(self, prop: Schema, path: str, names: list[str], required: bool) -> Any:
        control = classify(prop, self.resolver)
        node = control.schema
        raw = self.form.get(path, [])
        text = raw[-1].strip() if raw else ""
        kind = control.kind
        try:
            if kind == "fieldset":
                if control.optional and not any(v.strip() for k, vs in self.form.items()
                                                if k.startswith(path + ".") for v in vs):  # fmt: skip
                    return None
                return self.properties(node, path, names)
            if kind == "rows":
                return self.rows(node, path, names)
            if kind == "union":
                return self.union(control, path, names, required)
            if kind == "multiselect":
                allowed = {_text(o): o for o in control.options}
                bad = [v for v in raw if v not in allowed]
                if bad:
                    raise ValueError(f"{bad[0]!r} is not one of {', '.join(allowed)}.")
                return [allowed[v] for v in raw]
            if kind == "switch" and not control.optional:
                return text == "true"
            if kind == "secret" and text == SECRET_UNCHANGED:
                dotted = ".".join(names)
                return self.secrets.get(dotted, MISSING)
            if text == "":
                return self._empty(control, path, required)
            return _convert(
                control, text, self.form.get(f"{path}.tz", ["UTC"])[-1].strip() or "UTC"
            )
        except ValueError as exc:
            self.errors[path] = str(exc)
            return MISSING

    def _empty(self, control: Control, path: str, required: bool) -> Any:
        if control.optional:
            return None
        if "default" in control.schema:
            return MISSING
        if required:
            self.errors[path] = "This field is required."
        return MISSING

    def rows(self, node: Schema, path: str, names: list[str]) -> list[Any]:
        indices = sorted({int(key[len(path) + 1 :].split(".", 1)[0]) for key in self.form
                          if key.startswith(path + ".") and key[len(path) + 1 :].split(".", 1)[0].isdigit()})  # fmt: skip
        items = node.get("items", {})
        out = []
        for i in indices:
            value = self.field(items, f"{path}.{i}", [*names, str(i)], True)
            if value is not MISSING:
                out.append(value)
        return out

    def union(self, control: Control, path: str, names: list[str], required: bool) -> Any:
        chosen = self.form.get(f"{path}.{_VARIANT}", [""])[-1]
        if chosen == "":
            return self._empty(control, path, required)
        index = int(chosen)
        if not 0 <= index < len(control.variants):
            raise ValueError(f"Unknown type choice {chosen!r}.")
        value = self.field(control.variants[index], f"{path}.{index}", names, True)
        if f"{path}.{index}" in self.errors:
            self.errors[path] = self.errors.pop(f"{path}.{index}")
        return value


def _convert(control: Control, text: str, zone: str) -> Any:
    node = control.schema
    kind = control.kind
    if kind == "select":
        for option in control.options:
            if _text(option) == text:
                return option
        raise ValueError(f"{text!r} is not one of {', '.join(map(_text, control.options))}.")
    if kind == "switch":
        return text == "true"
    if kind == "number":
        return _number(node, text)
    if kind == "datetime":
        moment = _parse_iso(text)
        if moment is None:
            raise ValueError(f"{text!r} is not a date and time (YYYY-MM-DDTHH:MM).")
        if moment.tzinfo is None:
            try:
                moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"Unknown timezone {zone!r}; pick one from the list (e.g. UTC, Europe/Paris)."
                ) from None
        return moment.isoformat()
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD).") from None
    if kind in ("text", "secret"):
        if "minLength" in node and len(text) < node["minLength"]:
            raise ValueError(f"At least {node['minLength']} characters.")
        if "maxLength" in node and len(text) > node["maxLength"]:
            raise ValueError(f"At most {node['maxLength']} characters.")
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None


def _number(node: Schema, text: str) -> int | float:
    integer = node.get("type") == "integer"
    try:
        number: int | float = int(text) if integer else float(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not {'a whole number' if integer else 'a number'}."
        ) from None
    checks = (("minimum", lambda b: number >= b, "at least"), ("maximum", lambda b: number <= b, "at most"),
              ("exclusiveMinimum", lambda b: number > b, "greater than"),
              ("exclusiveMaximum", lambda b: number < b, "less than"))  # fmt: skip
    for key, ok, words in checks:
        if key in node and not ok(node[key]):
            raise ValueError(f"Must be {words} {node[key]}.")
    return number
