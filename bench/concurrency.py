"""Concurrency costs, riverrun beside Prefect 3: the tag-limit check per task, the slot round trip.

    .venv/bin/python bench/concurrency.py --system riverrun
    /work/prefect-venv/bin/python bench/concurrency.py --system prefect

Prints one JSON line: per-task time of a tagged task with no tag limit, the same with a
(never contended) tag limit, and the median ``with concurrency("name"):`` round trip
(acquire + release) on an existing global limit. Each system on its default store: riverrun
embedded, Prefect its temporary local server. Fresh home per run. Standard library only, so
it runs under either interpreter.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setup(system: str) -> subprocess.Popen[bytes] | None:
    home = tempfile.mkdtemp(prefix=f"bench-conc-{system}-")
    os.environ[f"{system.upper()}_HOME"] = home
    if system == "riverrun":
        os.environ["RIVERRUN_LOGGING_TO_CONSOLE"] = "false"
        return None
    # Prefect's concurrency needs its API: its own server on a free loopback port (the
    # temporary server of a bare client goes away between client contexts).
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    port = _free_port()
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "prefect"), "server", "start",
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/health", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)  # the server is starting
    os.environ["PREFECT_API_URL"] = url
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--system", choices=["riverrun", "prefect"], required=True)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--round-trips", type=int, default=50)
    args = parser.parse_args()
    server = _setup(args.system)
    try:
        _measure(args)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)


def _measure(args: argparse.Namespace) -> None:
    mod = importlib.import_module(args.system)
    sync_conc = importlib.import_module(f"{args.system}.concurrency.sync")
    orchestration = importlib.import_module(f"{args.system}.client.orchestration")
    actions = importlib.import_module(f"{args.system}.client.schemas.actions")

    @mod.task(tags=["bench"])
    def tagged(i: int) -> int:
        return i

    @mod.flow
    def many(n: int) -> int:
        return sum(tagged(i) for i in range(n))

    many(5)  # warm: imports, first store/server contact
    start = time.perf_counter()
    many(args.tasks)
    no_limit = (time.perf_counter() - start) / args.tasks

    with orchestration.get_client(sync_client=True) as client:
        client.create_concurrency_limit(tag="bench", concurrency_limit=1000)
        client.create_global_concurrency_limit(
            actions.GlobalConcurrencyLimitCreate(name="bench-gcl", limit=10)
        )
    many(5)
    start = time.perf_counter()
    many(args.tasks)
    with_limit = (time.perf_counter() - start) / args.tasks

    trips = []
    for _ in range(args.round_trips):
        start = time.perf_counter()
        with sync_conc.concurrency("bench-gcl", occupy=1):
            pass
        trips.append(time.perf_counter() - start)
    print(json.dumps({
        "system": args.system, "tasks": args.tasks,
        "per_task_ms_no_tag_limit": round(no_limit * 1e3, 3),
        "per_task_ms_with_tag_limit": round(with_limit * 1e3, 3),
        "concurrency_round_trip_ms_p50": round(statistics.median(trips) * 1e3, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
