"""Each scenario's observations on riverrun equal Prefect 3.9.1's golden, or differ exactly as
``deliberate.py`` lists (each difference explained in docs/compatibility.md).

All scenarios run in one subprocess (a few seconds in all); each test compares one scenario.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.compare import align_mro, diff, get_path, normalise, set_path
from conformance.deliberate import DELIBERATE, KNOWN_GAPS
from conformance.goldens import GOLDENS, SCENARIOS, load_golden, read_jsonl
from conformance.runner import scenario_names

HERE = Path(__file__).resolve().parent
DOCS = HERE.parents[1] / "docs" / "compatibility.md"
RUN_BOUND_SECONDS = 240

CASES = [
    (path.stem, name) for path in sorted(SCENARIOS.glob("*.py")) for name in scenario_names(path)
]


@pytest.fixture(scope="session")
def riverrun_observations(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    work = tmp_path_factory.mktemp("conformance")
    out = work / "observations.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    env["RIVERRUN_HOME"] = str(work / "home")
    proc = subprocess.run(
        [sys.executable, str(HERE / "runner.py"), "--system", "riverrun", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_BOUND_SECONDS,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return {(r.pop("file"), r.pop("scenario")): r for r in read_jsonl(out)}


def _case(stem: str, name: str) -> Any:
    gap = KNOWN_GAPS.get(f"{stem}::{name}")
    marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
    return pytest.param(stem, name, id=f"{stem}::{name}", marks=marks)


@pytest.mark.parametrize(("stem", "name"), [_case(s, n) for s, n in CASES])
def test_scenario_matches_prefect(
    riverrun_observations: dict[tuple[str, str], Any], stem: str, name: str
) -> None:
    golden = load_golden(stem)["scenarios"].get(name)
    assert golden is not None, f"no golden for {stem}::{name}; run scripts/record-goldens"
    got = riverrun_observations.get((stem, name))
    assert got is not None, (
        f"{stem}::{name} did not finish on riverrun (it hung or killed the runner)"
    )
    assert "scenario_crashed" not in got, got.get("scenario_crashed", {}).get("traceback")
    expected = normalise(golden, golden=True)
    got = normalise(got)
    for entry in DELIBERATE.get(f"{stem}::{name}", []):
        prefect_value = get_path(expected, entry.path)
        assert prefect_value != entry.riverrun, f"{entry.path} no longer differs from Prefect"
        set_path(expected, entry.path, entry.riverrun)
    problems = diff(expected, align_mro(expected, got))
    assert not problems, "riverrun differs from Prefect 3.9.1:\n" + "\n".join(problems)


def test_every_golden_was_recorded_from_prefect_3_9_1() -> None:
    versions = {
        p.stem: json.loads(p.read_text())["prefect_version"] for p in GOLDENS.glob("*.json")
    }
    assert versions and set(versions.values()) == {"3.9.1"}, versions


def test_every_deliberate_difference_is_explained_in_the_docs() -> None:
    headings = set(re.findall(r"^#+ (D\d+)\b", DOCS.read_text(), re.M))
    reasons = {e.reason for entries in DELIBERATE.values() for e in entries}
    assert reasons <= headings, f"reasons without a section in {DOCS.name}: {reasons - headings}"


def test_every_deliberate_entry_and_known_gap_names_a_scenario() -> None:
    names = {f"{s}::{n}" for s, n in CASES}
    assert set(DELIBERATE) <= names
    assert set(KNOWN_GAPS) <= names
    assert not set(DELIBERATE) & set(KNOWN_GAPS)
