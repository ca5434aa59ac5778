"""Goldens: Prefect's observations of each scenario file, one JSON file per scenario file.

    python tests/conformance/goldens.py OBSERVATIONS.jsonl PREFECT_VERSION

writes ``goldens/<file>.json`` from a Prefect run of ``runner.py`` (``scripts/record-goldens``
calls it). Scenarios not in the run keep their recorded golden; scenarios no longer in their
file are dropped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens"
SCENARIOS = HERE / "scenarios"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_golden(stem: str) -> dict[str, Any]:
    path = GOLDENS / f"{stem}.json"
    if not path.exists():
        return {"prefect_version": None, "scenarios": {}}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def write(observations: Path, version: str) -> None:
    sys.path.insert(0, str(HERE))
    from runner import scenario_names

    by_file: dict[str, dict[str, Any]] = {}
    for record in read_jsonl(observations):
        by_file.setdefault(record.pop("file"), {})[record.pop("scenario")] = record
    GOLDENS.mkdir(exist_ok=True)
    for stem, recorded in sorted(by_file.items()):
        golden = load_golden(stem)
        if golden["prefect_version"] not in (None, version):
            print(
                f"{stem}: re-recorded scenarios move from Prefect {golden['prefect_version']} to {version}"
            )
        keep = scenario_names(SCENARIOS / f"{stem}.py")
        merged = {**golden["scenarios"], **recorded}
        golden = {
            "prefect_version": version,
            "scenarios": {n: merged[n] for n in keep if n in merged},
        }
        (GOLDENS / f"{stem}.json").write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
        crashed = [n for n, r in recorded.items() if "scenario_crashed" in r]
        print(
            f"{stem}: {len(recorded)} recorded"
            + (f", crashed on Prefect: {crashed}" if crashed else "")
        )


if __name__ == "__main__":
    write(Path(sys.argv[1]), sys.argv[2])
