"""Which of Prefect's public names riverrun has, module by module.

    python tests/conformance/surface/check.py            # the coverage table (markdown)
    python tests/conformance/surface/check.py --missing  # every missing name and its allowlist reason

Reads the snapshot ``prefect.json`` (``scripts/record-surface``) and looks each name up in
riverrun under its renamed spelling (``prefect.flows:PrefectFuture`` → ``riverrun.flows:RiverrunFuture``).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from allowlist import ALLOWED, REASONS  # noqa: E402
from runner import rename  # noqa: E402

SNAPSHOT = HERE / "prefect.json"


@dataclasses.dataclass(frozen=True)
class Name:
    """One public Prefect name: ``module:Name`` or ``module:Class.member``."""

    module: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.module}:{self.name}"


def snapshot() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SNAPSHOT.read_text())
    return data


def prefect_names() -> list[Name]:
    snap = snapshot()
    names = [Name(m, n) for m, ns in snap["modules"].items() for n in ns]
    for spec, members in snap["classes"].items():
        module, cls = spec.split(":")
        names.extend(Name(module, f"{cls}.{m}") for m in members)
    return names


def _import(module: str) -> Any:
    try:
        return importlib.import_module(rename(module))
    except ImportError:
        return None


def _has_member(cls: Any, member: str) -> bool:
    if hasattr(cls, member):
        return True
    for klass in getattr(cls, "__mro__", ()):
        if member in getattr(klass, "model_fields", {}) or member in getattr(
            klass, "__annotations__", {}
        ):
            return True
    return False


def riverrun_has(name: Name) -> bool:
    module = _import(name.module)
    if module is None:
        return False
    head, _, member = rename(name.name).partition(".")
    try:
        obj = getattr(module, head)
    except AttributeError:
        return False
    return not member or _has_member(obj, member)


def reason_for(name: Name) -> str | None:
    for pattern, reason in ALLOWED.items():
        if fnmatch.fnmatchcase(name.key, pattern):
            return reason
    return None


def coverage() -> list[tuple[str, int, int, int]]:
    """(module, Prefect's names, riverrun has, allowlisted) per module, classes under their module."""
    rows: dict[str, list[int]] = {}
    for name in prefect_names():
        key = name.module if "." not in name.name else f"{name.module}:{name.name.split('.')[0]}"
        row = rows.setdefault(key, [0, 0, 0])
        row[0] += 1
        if riverrun_has(name):
            row[1] += 1
        elif reason_for(name):
            row[2] += 1
    return [(k, *v) for k, v in sorted(rows.items())]  # type: ignore[misc]


def markdown() -> str:
    lines = [
        "| Prefect module / class | Prefect names | in riverrun | allowlisted |",
        "| --- | ---: | ---: | ---: |",
    ]
    total = [0, 0, 0]
    for module, n, have, allowed in coverage():
        lines.append(f"| `{module}` | {n} | {have} | {allowed} |")
        total = [total[0] + n, total[1] + have, total[2] + allowed]
    lines.append(f"| **total** | {total[0]} | {total[1]} | {total[2]} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--missing" in sys.argv:
        for name in prefect_names():
            if not riverrun_has(name):
                print(f"{name.key}\t{reason_for(name) or 'NOT ALLOWLISTED'}")
    else:
        print(markdown())
    _ = REASONS
