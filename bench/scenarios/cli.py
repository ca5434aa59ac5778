"""Scenario ``cli``: each read command of the system's CLI, timed as a whole process.

On a store seeded with N flow runs (``seed.py``) plus one saved ``Secret`` block, runs
``riverrun ...`` / ``prefect ...`` (the script beside the interpreter) for: ``flow-run ls``,
``flow ls``, ``flow-run inspect ID``, ``flow-run logs ID`` (ID: the newest run), ``block ls``,
``config view``, ``version`` and ``--help``. After ``--warmup`` untimed calls of each
(bytecode caches filled, as on a user's machine), ``--calls`` timed calls each; a metric is
the median wall time of one command, start to exit, ``<command>_s``. Prefect's CLI without
``PREFECT_API_URL`` starts its temporary server inside each command, as it does for a user.
The check: every call exits 0, and ``flow-run ls`` printed a seeded run's name.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _common as c

COMMANDS: dict[str, list[str]] = {
    "flow_run_ls": ["flow-run", "ls"],
    "flow_ls": ["flow", "ls"],
    "flow_run_inspect": ["flow-run", "inspect", "{id}"],
    "flow_run_logs": ["flow-run", "logs", "{id}"],
    "block_ls": ["block", "ls"],
    "config_view": ["config", "view"],
    "version": ["version"],
    "help": ["--help"],
}


def extra(parser: Any) -> None:
    parser.add_argument("--seed-info", default=None)
    parser.add_argument("--expect-runs", type=int, default=None)
    parser.add_argument("--calls", type=int, default=3)


def newest_run_and_a_block(system_name: str) -> str:
    """Save a ``Secret`` block and return the newest flow run's ID (untimed setup)."""
    system = c.system_module(system_name)
    sorting = c.system_module(system_name, "client.schemas.sorting")
    secret = c.system_module(system_name, "blocks.system").Secret
    secret(value="not-a-real-password").save("bench-cli", overwrite=True)

    async def newest() -> str:
        async with system.get_client() as client:
            runs = await client.read_flow_runs(sort=sorting.FlowRunSort.START_TIME_DESC, limit=1)
        return str(runs[0].id)

    return str(c.run_async(newest()))


# On a busy shared machine Prefect's temporary server can take longer than its default 20 s
# to answer; a command that gives up then measures nothing.
SLOW_START = {"prefect": {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}}


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    os.environ.update(SLOW_START.get(args.system, {}))
    run_id = newest_run_and_a_block(args.system)
    script = str(Path(sys.executable).with_name(args.system))
    env = {**os.environ, "COLUMNS": "200"}
    metrics: dict[str, Any] = {}
    failures: list[str] = []
    listed = ""
    for name, template in COMMANDS.items():
        command = [script, *(part.format(id=run_id) for part in template)]
        times = []
        for i in range(max(args.warmup, 0) + args.calls):
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                failures.append(
                    f"{' '.join(command[1:])}: exit {proc.returncode}: {proc.stderr[-300:]}"
                )
                break
            if name == "flow_run_ls":
                listed = proc.stdout
            if i >= args.warmup:
                times.append(elapsed)
        if times:
            metrics[f"{name}_s"] = statistics.median(times)
    check = {
        "failures": failures[:3],
        "lists_a_seeded_run": "seed-" in listed,
        "passed": not failures and "seed-" in listed,
    }
    return metrics, check


if __name__ == "__main__":
    c.main(body, extra)
