"""`import riverrun` stays cheap: no heavy dependency is loaded until it is used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "sqlalchemy",
    "fastapi",
    "alembic",
    "httpx",
    "rich",
    "dask",
    "ray",
    "uvicorn",
    "typer",
    "pydantic",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_riverrun_loads_no_heavy_dependency() -> None:
    loaded = _modules_after("import riverrun")
    assert [m for m in HEAVY if m in loaded] == []


def test_importing_flow_and_task_loads_no_store_or_server_dependency() -> None:
    loaded = _modules_after("from riverrun import flow, task, get_run_logger, tags")
    assert [m for m in HEAVY if m in loaded and m != "pydantic"] == []


def test_running_a_flow_records_without_sqlalchemy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import os\n"
        f"os.environ['RIVERRUN_HOME'] = {str(tmp_path)!r}\n"
        "from riverrun import flow, task\n"
        "@task\ndef t(): return 1\n"
        "@flow\ndef f(): return t()\n"
        "f()\n"
    )
    loaded = _modules_after(code)
    assert "sqlalchemy" not in loaded
    assert "alembic" not in loaded
