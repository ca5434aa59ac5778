"""Deployments: trigger -> flow body start latency under ``serve()``, and the API's latency.

A flow that writes the time its body starts is served by ``flow.serve()`` in a subprocess
(embedded store, no server). Each of N runs is triggered with ``run_deployment(timeout=0)``;
latency is from the trigger call to the body's first line, read from the marker file, and
``serve_cpu_per_run_s`` is the serving process tree's CPU time (its start-up included) over
the runs.
Then ``read_deployments`` and ``create_flow_run_from_deployment`` are timed on a second,
unserved deployment. riverrun only: Prefect's ``serve()`` needs its server.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from _common import main, system_module

FLOW = """
import os, time
from {system} import flow

@flow(name="bench-served")
def served(marker: str) -> None:
    with open(os.environ["BENCH_MARKERS"], "a") as out:
        out.write(f"{{marker}} {{time.time()}}\\n")

if __name__ == "__main__":
    served.serve(name="bench", print_starting_message=False)
"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def _wait(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.005)
    raise TimeoutError(f"not within {timeout} s")


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="bench-deployments-"))
    (work / "served.py").write_text(textwrap.dedent(FLOW.format(system=args.system)))
    markers = work / "markers.txt"
    markers.touch()
    env = {**os.environ, "BENCH_MARKERS": str(markers)}
    os.environ["BENCH_MARKERS"] = str(markers)
    server = subprocess.Popen(
        [sys.executable, "served.py"],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deployments = system_module(args.system, "deployments")
    client = system_module(args.system, "client.orchestration").get_client(sync_client=True)
    try:
        _wait(lambda: _exists(client), 60)
        latencies, triggered = [], []
        for i in range(args.n + args.warmup):
            start = time.time()
            run = deployments.run_deployment(
                "bench-served/bench", parameters={"marker": str(i)}, timeout=0
            )
            line = _wait(lambda i=i: _marker(markers, str(i)), 60)
            if i >= args.warmup:
                latencies.append(float(line) - start)
                triggered.append((run.id, start))
    finally:
        server.terminate()
        server.wait(timeout=60)
    # CPU of the serving process and everything it started (fork server, runs), waited for:
    # unlike wall time, it does not grow with the machine's load.
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    serve_cpu_s = used.ru_utime + used.ru_stime
    sys.path.insert(0, str(work))
    os.chdir(work)
    import served  # type: ignore[import-not-found]

    unserved = served.served.to_deployment("unserved").apply()
    reads, creates = [], []
    for _ in range(max(args.n, 20)):
        t0 = time.perf_counter()
        client.read_deployments()
        reads.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        client.create_flow_run_from_deployment(unserved, parameters={"marker": "x"})
        creates.append(time.perf_counter() - t0)
    # trigger -> claimed by the serving process (its first Pending state): the wake-up part.
    claims = [
        client.read_flow_run_states(run_id)[1].timestamp.timestamp() - start
        for run_id, start in triggered
    ]
    metrics = {
        "trigger_p50_s": _pct(latencies, 0.5),
        "trigger_p99_s": _pct(latencies, 0.99),
        "claim_p50_s": _pct(claims, 0.5),
        "claim_p99_s": _pct(claims, 0.99),
        "serve_cpu_per_run_s": serve_cpu_s / (args.n + args.warmup),
        "read_deployments_p50_s": _pct(reads, 0.5),
        "create_run_p50_s": _pct(creates, 0.5),
    }
    return metrics, {"passed": len(latencies) == args.n, "runs": len(latencies)}


def _exists(client: Any) -> bool:
    try:
        client.read_deployment_by_name("bench-served/bench")
        return True
    except Exception:  # noqa: BLE001 - not there yet
        return False


def _marker(markers: Path, marker: str) -> str | None:
    for line in markers.read_text().splitlines():
        name, _, when = line.partition(" ")
        if name == marker:
            return when
    return None


if __name__ == "__main__":
    main(body)
