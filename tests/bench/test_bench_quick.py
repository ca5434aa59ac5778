"""``python -m bench --quick --systems riverrun`` keeps working (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bench.plan import SCENARIOS

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_riverrun_run_writes_a_result_line_per_scenario(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--systems",
            "riverrun",
            "--results-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    [jsonl] = tmp_path.glob("*.runs.jsonl")
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert {r["scenario"] for r in records if r.get("role") != "seed"} == set(SCENARIOS)
    [results] = tmp_path.glob("*[0-9]Z.json")
    assert len(json.loads(results.read_text())["runs"]) == len(records)
