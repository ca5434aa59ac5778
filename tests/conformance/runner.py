"""Run conformance scenarios on Prefect or on riverrun and write their observations.

    python tests/conformance/runner.py --system prefect|riverrun --out FILE.jsonl [FILE.py ...]

Each scenario file holds functions named ``scenario_*`` written against Prefect 3's API. For
riverrun the source (and the shared ``observe`` helpers) is renamed mechanically first, as the
compatibility contract says (``prefect`` → ``riverrun``, ``Prefect`` → ``Riverrun``,
``PREFECT_`` → ``RIVERRUN_``). Every scenario of every file runs in this one process, one after
the other; each writes one JSON line as soon as it finishes, so a scenario that hangs or kills
the process costs only itself and the ones after it.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def rename(source: str) -> str:
    """Prefect source → riverrun source, by the contract's mechanical replacements."""
    return (
        source.replace("prefect", "riverrun")
        .replace("Prefect", "Riverrun")
        .replace("PREFECT_", "RIVERRUN_")
    )


def load(path: Path, name: str, system: str) -> types.ModuleType:
    source = path.read_text()
    if system == "riverrun":
        source = rename(source)
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def scenario_names(path: Path) -> list[str]:
    """The scenarios of a file, in source order, found without importing it."""
    import ast

    tree = ast.parse(path.read_text())
    return [
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name.startswith("scenario_")
    ]


def crashed(e: BaseException) -> dict[str, Any]:
    return {
        "scenario_crashed": {
            "exception": type(e).__qualname__,
            "message": str(e),
            "traceback": "".join(traceback.format_exception(e)),
        }
    }


def run_one(fn: Any) -> dict[str, Any]:
    environ = dict(os.environ)
    try:
        got = asyncio.run(fn()) if inspect.iscoroutinefunction(fn) else fn()
        return {"observations": got}
    except BaseException as e:  # noqa: BLE001 - a scenario's own crash is its observation
        return crashed(e)
    finally:
        os.environ.clear()
        os.environ.update(environ)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", choices=["prefect", "riverrun"], required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", action="append", default=[], help="run just these scenarios")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or sorted((HERE / "scenarios").glob("*.py"))
    load(HERE / "observe.py", "observe", args.system)
    with args.out.open("w") as out:
        for path in files:
            names = [n for n in scenario_names(path) if not args.only or n in args.only]
            if not names:
                continue
            try:
                module = load(path, f"scenario_{path.stem}", args.system)
            except Exception as e:  # noqa: BLE001 - every scenario of the file records it
                crash, module = crashed(e), None
            for name in names:
                outcome = crash if module is None else run_one(getattr(module, name))
                record = {"file": path.stem, "scenario": name, **outcome}
                out.write(json.dumps(record, default=repr, sort_keys=True) + "\n")
                out.flush()
    sys.stdout.flush()
    if args.system == "riverrun":
        # A scenario may leave threads behind (a timed-out task); they must not hold the exit.
        # Prefect exits normally so its temporary server is stopped by its own exit hook.
        os._exit(0)


if __name__ == "__main__":
    main()
