"""A bounded schemathesis run over the OpenAPI spec of a real server, on SQLite and on
PostgreSQL, finds no 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from riverrun.server.testing import ServerProcess

pytest.importorskip("schemathesis")


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_schemathesis_finds_no_server_error(home: Path, database: str, request: pytest.FixtureRequest) -> None:
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli is not None
    url = request.getfixturevalue("pg_url") if database == "postgres" else None
    with ServerProcess(home, url, args=["--log-level", "warning"]) as server:
        root = server.api_url.removesuffix("/api")
        done = subprocess.run(
            [cli, "run", f"{server.api_url}/openapi.json", "--url", root,
             "--checks", "not_a_server_error", "--max-examples", "5", "--seed", "1",
             "--no-color"],
            capture_output=True, text=True, timeout=240, cwd=home,
        )  # fmt: skip
        log = server.log()
    assert done.returncode == 0, done.stdout[-4000:] + log[-4000:]
    assert "Traceback" not in log
