"""Normalise observations so only meaningful differences remain, then diff them.

What legitimately differs between two runs of the same scenario — IDs, timestamps, durations,
generated flow run names, the random suffix of task run names — is replaced by a placeholder
on both sides. Golden strings are also renamed mechanically (``prefect`` → ``riverrun``), as
the scenario source was.
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from conformance.runner import rename

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:?\d\d|Z)?")
_GENERATED_RUN_NAME = re.compile(r"^[a-z]+-[a-z]+$")
_QUOTED_RUN_NAME = re.compile(r"([Ff]low run ')[a-z]+-[a-z]+(')")
# Prefect names a task run after its task plus 3 hex digits of a random key; riverrun uses a
# counter. Both are "which call of this task", so both become <key>.
_TASK_RUN_SUFFIX = re.compile(r"-(?:[0-9a-f]{3}|\d+)$")
_QUOTED_TASK_RUN = re.compile(r"(Task run '[^']*?)-(?:[0-9a-f]{3}|\d+)(')")
# Scenarios name their variables, blocks and artifacts <base>-<pid>-<6 hex> to keep them apart.
_UNIQUE = re.compile(r"\d+[-_][0-9a-f]{6}\b")


def _text(s: str) -> str:
    s = _UUID.sub("<uuid>", s)
    s = _UNIQUE.sub("<unique>", s)
    s = _TIMESTAMP.sub("<ts>", s)
    s = _QUOTED_RUN_NAME.sub(r"\1<name>\2", s)
    s = _QUOTED_TASK_RUN.sub(r"\1-<key>\2", s)
    return s


def normalise(data: Any, *, golden: bool = False) -> Any:
    """``data`` with placeholders for what may differ; ``golden`` also renames Prefect's names."""
    if isinstance(data, str):
        return _text(rename(data) if golden else data)
    if isinstance(data, list):
        return [normalise(x, golden=golden) for x in data]
    if not isinstance(data, dict):
        return data
    out = {(rename(k) if golden else k): normalise(v, golden=golden) for k, v in data.items()}
    name = out.get("name")
    if isinstance(name, str) and "history" in out:
        if "parameters" in out and _GENERATED_RUN_NAME.match(name):
            out["name"] = "<name>"
        elif "parameters" not in out:
            out["name"] = _TASK_RUN_SUFFIX.sub("-<key>", name)
    if isinstance(out.get("task_runs"), list):
        out["task_runs"] = sorted(out["task_runs"], key=repr)
    return out


_BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
)


def align_mro(expected: Any, got: Any) -> Any:
    """``got`` with riverrun's extra builtin mix-ins dropped from every exception's MRO.

    Deliberate difference D1 (docs/compatibility.md): riverrun's exceptions also derive from
    the builtin whose meaning matches (``ParameterTypeError`` is a ``TypeError``), so
    ``except TypeError`` keeps working. Only builtins Prefect's MRO lacks are dropped; every
    other class, and the order, must match.
    """
    if isinstance(expected, dict) and isinstance(got, dict):
        out = {k: align_mro(expected.get(k), v) for k, v in got.items()}
        if isinstance(expected.get("mro"), list) and isinstance(got.get("mro"), list):
            allowed = set(expected["mro"])
            out["mro"] = [c for c in got["mro"] if c in allowed or c not in _BUILTIN_EXCEPTIONS]
        elif _wrapped_list(expected.get("mro")) and _wrapped_list(got.get("mro")):
            # The same, for an MRO a run returned (observe.value wraps each name).
            allowed = {str(i.get("value")) for i in expected["mro"]["items"]}
            items = [
                i
                for i in got["mro"]["items"]
                if i.get("value") in allowed or i.get("value") not in _BUILTIN_EXCEPTIONS
            ]
            out["mro"] = {**got["mro"], "items": items}
        return out
    if _bare_mro(expected) and _bare_mro(got):
        # An MRO observed as a plain list of class names (scenario_exception_hierarchy).
        return [c for c in got if c in set(expected) or c not in _BUILTIN_EXCEPTIONS]
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [align_mro(e, g) for e, g in zip(expected, got, strict=True)]
    return got


def _bare_mro(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and value[-1] == "BaseException"
        and all(isinstance(c, str) for c in value)
    )


def _wrapped_list(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("items"), list)
        and all(isinstance(i, dict) for i in value["items"])
    )


def get_path(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def set_path(data: Any, path: str, new: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    if isinstance(data, list):
        data[int(last)] = new
    else:
        data[last] = new


def diff(expected: Any, got: Any, path: str = "") -> list[str]:
    """Every place where ``got`` differs from ``expected``, as readable lines."""
    if isinstance(expected, dict) and isinstance(got, dict):
        lines = []
        for key in sorted(set(expected) | set(got)):
            where = f"{path}.{key}" if path else key
            if key not in got:
                lines.append(f"{where}: missing (Prefect: {expected[key]!r})")
            elif key not in expected:
                lines.append(f"{where}: unexpected {got[key]!r}")
            else:
                lines.extend(diff(expected[key], got[key], where))
        return lines
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        lines = []
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            lines.extend(diff(e, g, f"{path}.{i}"))
        return lines
    if expected != got:
        return [f"{path}: Prefect {expected!r}, riverrun {got!r}"]
    return []
