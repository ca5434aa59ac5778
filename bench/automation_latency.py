"""Event → action latency through a real server (issue 15: 1,000 automations, 10,000 events/s).

A ``riverrun server`` on loopback (SQLite, or PostgreSQL with ``--postgres``) holds
AUTOMATIONS automations, each notifying a webhook when a flow run of its own deployment fails
(``expect={"riverrun.flow-run.Failed"}``, ``match_related`` the deployment: the shape teams
write, all sharing one event name). CLIENTS processes POST events to ``/api/events`` in
batches of BATCH, together RATE events/s for SECONDS seconds; one event in FAIL_EVERY is a
``Failed`` of a random deployment, the others ``Running`` / ``Completed`` of one. A webhook
receiver on loopback (in this process) times each notification against the wall-clock time
its event was sent (carried in the event's payload, rendered into the body).

"Without falling behind" is read from the output: the events/s the clients achieved, the
latency p50/p99/max, p99 over the first and the last third of the firings (growing means
the service falls behind), and how long after the last POST the last notification came.
Usage: ``python bench/automation_latency.py [--automations N] [--rate R] [--seconds S]
[--clients C] [--postgres]``; prints one JSON line. The machine may be shared: the load
average is printed with the numbers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BATCH = 100
FAIL_EVERY = 1000


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latencies: list[tuple[float, float]] = []  # (sent, seconds to arrive)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        arrived = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.end_headers()
        sent = float(json.loads(body)["sent"])
        server = self.server
        assert isinstance(server, _Receiver)
        with server.lock:
            server.latencies.append((sent, arrived - sent))

    def log_message(self, *args: Any) -> None:
        pass


def _client(api_url: str, deployments: list[str], rate: float, seconds: float,
            seed: int, out: Any) -> None:  # fmt: skip
    """Post ``rate`` events/s for ``seconds`` s, in batches; report what was sent (or why
    it stopped: the harness must not wait for a report that never comes)."""
    try:
        _post(api_url, deployments, rate, seconds, seed, out)
    except Exception as exc:  # noqa: BLE001 - reported to the harness, which says so
        out.put({"error": f"{type(exc).__name__}: {exc}"})


def _post(api_url: str, deployments: list[str], rate: float, seconds: float,
          seed: int, out: Any) -> None:  # fmt: skip
    import httpx

    rng = random.Random(seed)
    names = ["riverrun.flow-run.Running", "riverrun.flow-run.Completed"]
    sent = failed = 0
    period = BATCH / rate
    with httpx.Client(base_url=api_url, timeout=60, trust_env=False) as http:
        began = time.monotonic()
        next_at = began
        while time.monotonic() - began < seconds:
            events = []
            for _ in range(BATCH):
                deployment = rng.choice(deployments)
                fails = rng.randrange(FAIL_EVERY) == 0
                failed += fails
                now = time.time()
                events.append({
                    "kind": "event", "id": str(uuid.uuid4()), "occurred": int(now * 1e6),
                    "event": "riverrun.flow-run.Failed" if fails else rng.choice(names),
                    "resource": {"riverrun.resource.id": f"riverrun.flow-run.{uuid.uuid4()}"},
                    "related": [{"riverrun.resource.id": f"riverrun.deployment.{deployment}",
                                 "riverrun.resource.role": "deployment"}],
                    "payload": {"sent": now},
                })  # fmt: skip
            http.post("/events", json={"events": events}).raise_for_status()
            sent += len(events)
            next_at += period
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the load generator, not waiting for a result
        out.put({"sent": sent, "failed": failed, "seconds": time.monotonic() - began})


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pctl(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--automations", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    from riverrun.server.testing import ServerProcess, scratch_postgres

    receiver = _Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        db_url = stack.enter_context(scratch_postgres("bench_auto")) if args.postgres else None
        server = stack.enter_context(ServerProcess(home / "server", db_url))
        os.environ["RIVERRUN_API_URL"] = server.api_url
        os.environ["RIVERRUN_HOME"] = str(home / "client")
        # With no automations the events still name deployments, of no trigger.
        deployments = _create_automations(args.automations, receiver.url) or [str(uuid.uuid4())]
        assert server.pid is not None
        cpu_before, load_before = _cpu_s(server.pid), os.getloadavg()
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        clients = [
            ctx.Process(target=_client, args=(server.api_url, deployments,
                                              args.rate / args.clients, args.seconds, n, out))
            for n in range(args.clients)
        ]  # fmt: skip
        for c in clients:
            c.start()
        profile = os.environ.get("BENCH_PY_SPY")  # a file: py-spy's collapsed stacks of the server
        spy = None
        if profile:
            import subprocess
            import sys

            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p",
                                    str(server.pid), "-o", profile, "-f", "raw", "-r", "50",
                                    "-d", str(int(args.seconds))])  # fmt: skip
        reports = [out.get(timeout=args.seconds + 600) for _ in clients]
        errors = [r["error"] for r in reports if "error" in r]
        if errors:
            raise SystemExit(f"a client stopped: {errors[0]}")
        for c in clients:
            c.join()
        posted_at = time.time()
        if spy is not None:
            spy.wait()
        expected = sum(r["failed"] for r in reports) if args.automations else 0
        deadline = time.monotonic() + 300
        while len(receiver.latencies) < expected and time.monotonic() < deadline:
            time.sleep(0.05)  # bounded wait for the last notifications
        drained_s = time.time() - posted_at
        cpu_s = _cpu_s(server.pid) - cpu_before
        load_after = os.getloadavg()
    receiver.shutdown()
    arrivals = sorted(receiver.latencies)
    latencies = [lat for _, lat in arrivals]
    third = max(1, len(latencies) // 3)
    sent = sum(r["sent"] for r in reports)
    print(json.dumps({
        "database": "postgresql" if args.postgres else "sqlite",
        "automations": args.automations, "clients": args.clients,
        "target_events_per_s": args.rate, "seconds": args.seconds,
        "events_sent": sent,
        "events_per_s_achieved": round(sent / max(r["seconds"] for r in reports)),
        "notifications_expected": expected, "notifications_received": len(latencies),
        "latency_p50_s": round(_pctl(latencies, 0.5), 3),
        "latency_p99_s": round(_pctl(latencies, 0.99), 3),
        "latency_max_s": round(max(latencies, default=float("nan")), 3),
        "latency_mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "p99_first_third_s": round(_pctl(latencies[:third], 0.99), 3),
        "p99_last_third_s": round(_pctl(latencies[-third:], 0.99), 3),
        "last_notification_after_last_post_s": round(drained_s, 2),
        "server_cpu_s": round(cpu_s, 1),
        "load_before": [round(x, 1) for x in load_before],
        "load_after": [round(x, 1) for x in load_after],
    }))  # fmt: skip


def _create_automations(count: int, url: str) -> list[str]:
    from riverrun.automations import Automation, EventTrigger, SendNotification
    from riverrun.blocks.notifications import CustomWebhookNotificationBlock
    from riverrun.client.orchestration import get_client

    block = CustomWebhookNotificationBlock(name="bench", url=url, json_data={"sent": "{{body}}"})
    block.save("bench-hook", overwrite=True)
    block_id = uuid.UUID(str(block._block_document_id))
    deployments = [str(uuid.uuid4()) for _ in range(count)]
    with get_client(sync_client=True) as client:
        for n, deployment in enumerate(deployments):
            client.create_automation(Automation(
                name=f"deployment {n} failed",
                trigger=EventTrigger(
                    expect={"riverrun.flow-run.Failed"},
                    match_related={"riverrun.resource.id": f"riverrun.deployment.{deployment}",
                                   "riverrun.resource.role": "deployment"},
                ),
                actions=[SendNotification(block_document_id=block_id,
                                          body="{{ event.payload.sent }}")],
            ))  # fmt: skip
    return deployments


if __name__ == "__main__":
    main()
