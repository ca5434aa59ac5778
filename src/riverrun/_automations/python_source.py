"""An automation as the Python that creates it, so whoever made one in the UI (or from a
YAML file) sees the same thing written with ``riverrun.automations``.

Only fields that differ from their defaults are written; lines wrap at 88 characters.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import timedelta
from typing import Union

from pydantic import BaseModel, RootModel

from riverrun.schemas.automations import AutomationCore

WIDTH = 88
_Node = Union[str, tuple[str, list[tuple[str, "_Node"]], str]]
"""An atom, or (opening, [(prefix, item)...], closing) that may wrap one item a line."""


def automation_source(automation: AutomationCore) -> str:
    """The Python that creates ``automation`` (imports, ``automation = Automation(...)``,
    ``automation.create()``)."""
    names: set[str] = set()
    core = AutomationCore.model_validate(
        automation.model_dump(include=set(AutomationCore.model_fields))
    )
    node = _model(core, names, name="Automation")
    names.add("Automation")
    lines = []
    if "timedelta" in names:
        names.discard("timedelta")
        lines.append("from datetime import timedelta\n\n")
    lines.append(f"from riverrun.automations import {', '.join(sorted(names))}\n\n")
    lines.append(f"automation = {_format(node, 0, len('automation = '))}\n")
    lines.append("automation.create()\n")
    return "".join(lines)


def _model(model: BaseModel, names: set[str], name: str = "") -> _Node:
    cls = type(model)
    names.add(name or cls.__name__)
    args: list[tuple[str, _Node]] = []
    for key, info in cls.model_fields.items():
        value = getattr(model, key)
        default = info.get_default(call_default_factory=True)
        if key == "type" or value == default:
            continue
        args.append((f"{key}=", _node(value, names)))
    return (f"{name or cls.__name__}(", args, ")")


def _node(value: object, names: set[str]) -> _Node:
    if isinstance(value, RootModel):
        return _node(value.root, names)
    if isinstance(value, BaseModel):
        return _model(value, names)
    if isinstance(value, enum.Enum):
        return _node(value.value, names)
    if isinstance(value, timedelta):
        names.add("timedelta")
        return f"timedelta(seconds={value.total_seconds():g})"
    if isinstance(value, uuid.UUID):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (set, frozenset)):
        return ("{", [("", _node(v, names)) for v in sorted(value, key=str)], "}")
    if isinstance(value, (list, tuple)):
        return ("[", [("", _node(v, names)) for v in value], "]")
    if isinstance(value, dict):
        items = [(f"{json.dumps(str(k), ensure_ascii=False)}: ", _node(v, names))
                 for k, v in value.items()]  # fmt: skip
        return ("{", items, "}")
    return repr(value)


def _inline(node: _Node) -> str:
    if isinstance(node, str):
        return node
    opening, items, closing = node
    return opening + ", ".join(prefix + _inline(item) for prefix, item in items) + closing


def _format(node: _Node, indent: int, used: int = 0) -> str:
    """``node`` on one line if it fits after ``used`` characters, else one item a line."""
    flat = _inline(node)
    if isinstance(node, str) or indent + used + len(flat) <= WIDTH:
        return flat
    opening, items, closing = node
    pad = " " * (indent + 4)
    inner = "".join(
        f"{pad}{prefix}{_format(item, indent + 4, len(prefix))},\n" for prefix, item in items
    )
    return f"{opening}\n{inner}{' ' * indent}{closing}"
