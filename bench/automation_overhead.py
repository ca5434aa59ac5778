"""task_seq side by side: no automation vs one automation, embedded (issue 15's 5% bound).

Runs ``scenarios/task_seq.py`` in fresh processes against two fresh RIVERRUN_HOMEs, one with
an automation "notify when a flow run tagged env:pro fails" (which these runs never match:
the cost measured is evaluating, not delivering), alternating, and prints the medians of
``per_task_flow_s``. Usage: ``python bench/automation_overhead.py [N] [REPEATS]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def _prepare(home: Path, with_automation: bool) -> None:
    if not with_automation:
        return
    code = (
        "from riverrun.automations import Automation, EventTrigger, DoNothing\n"
        "Automation(name='pro failures', trigger=EventTrigger(expect={'riverrun.flow-run.Failed'},"
        " match_related={'riverrun.resource.id': 'riverrun.tag.env:pro'}),"
        " actions=[DoNothing()]).create()\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "RIVERRUN_HOME": str(home)}, check=True
    )


def _run(home: Path, n: int) -> float:
    out = subprocess.run(
        [sys.executable, str(HERE / "scenarios" / "task_seq.py"), "--system", "riverrun", "--n", str(n)],
        env={**os.environ, "RIVERRUN_HOME": str(home)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    return float(json.loads(line)["metrics"]["per_task_flow_s"])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        homes = {False: Path(tmp) / "plain", True: Path(tmp) / "automation"}
        for flag, home in homes.items():
            _prepare(home, flag)
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(repeats):
            for flag, home in homes.items():
                times[flag].append(_run(home, n))
    plain, auto = statistics.median(times[False]), statistics.median(times[True])
    print(json.dumps({"n": n, "repeats": repeats, "per_task_flow_us_no_automation": plain * 1e6,
                      "per_task_flow_us_one_automation": auto * 1e6,
                      "overhead_pct": (auto / plain - 1) * 100}))  # fmt: skip


if __name__ == "__main__":
    main()
