"""The CLI's quick coercion of option values gives typer's own answers, on every parameter."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from riverrun._cli._params import QuickCoercion
from riverrun._cli.main import _COMMANDS, app


def _params() -> list[tuple[str, Any, Any]]:
    found = []
    root = typer.main.get_command(app)
    stack: list[tuple[str, Any]] = [("riverrun", root)]
    for name, (module, _, _) in _COMMANDS.items():
        try:
            stack.append((name, typer.main.get_command(importlib.import_module(module).app)))
        except ModuleNotFoundError:
            continue
    while stack:
        path, command = stack.pop()
        for param in command.params:
            if hasattr(param, "type_descriptor"):
                found.append((f"{path} {param.name}", command, param))
        stack.extend((f"{path} {n}", sub) for n, sub in getattr(command, "commands", {}).items())
    return found


def _samples(param: Any) -> list[Any]:
    values: list[Any] = [
        None,
        param.default,
        "text",
        "5",
        "0",
        "007",
        "99999999999999999999",
        "-3",
        "2.5",
        "+4",
        " 6",
        "1_000",
        "٣",
        ("a", "b"),
        ["x"],
        7,
        0.5,
    ]
    return values + [True, False, ()]


def _answer(runtime: Any, value: Any, param: Any, ctx: Any) -> Any:
    try:
        return ("ok", runtime.coerce(value, param=param, ctx=ctx))
    except (BadParameter, ValueError, TypeError) as exc:
        return ("error", type(exc).__name__, str(exc))


PARAMS = _params()


@pytest.mark.parametrize(("label", "command", "param"), PARAMS, ids=[p[0] for p in PARAMS])
def test_quick_coercion_answers_as_typer_does(label: str, command: Any, param: Any) -> None:
    ctx = Context(command)
    quick = QuickCoercion(param.type_descriptor)
    full = build_runtime_param(param.type_descriptor)
    for value in _samples(param):
        if isinstance(value, (tuple, list)) and not (param.multiple or param.nargs == -1):
            continue  # click hands a single-value parameter one value, never a sequence
        quick_answer = _answer(quick, value, param, ctx)
        full_answer = _answer(full, value, param, ctx)
        assert quick_answer == full_answer, (label, value)
        if quick_answer[0] == "ok":
            assert type(quick_answer[1]) is type(full_answer[1]), (label, value)


def test_read_commands_do_not_import_pydantic_to_read_their_options(tmp_path: Any) -> None:
    code = (
        "import sys\n"
        "from riverrun._cli.main import app\n"
        "try:\n"
        "    app(['version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('pydantic', 'typer._adapters') if m in sys.modules))\n"
    )
    env = {"RIVERRUN_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
