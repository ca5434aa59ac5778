"""``bench/workers.py`` measures against a real riverrun server (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import workers


@pytest.mark.slow
def test_the_idle_case_reports_the_servers_cpu_with_parked_polls(tmp_path: Path) -> None:
    result = workers.idle(tmp_path, polls=5, window_s=1.0)
    assert result["system"] == "riverrun"
    assert isinstance(result["cpu_percent"], float) and result["cpu_percent"] >= 0
    assert len(result["load"]) == 3  # type: ignore[arg-type]
