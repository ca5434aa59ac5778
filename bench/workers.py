"""Workers: trigger → flow body latency, claims per second, idle load of parked polls.

Side by side with Prefect 3.9.1 where Prefect has the same thing:

- ``trigger``: ``run_deployment(..., timeout=0)`` → the first line of the flow body, with a
  process worker of each system against its own server (riverrun on SQLite, Prefect's
  ``prefect server start`` with its defaults, temporary home, free port). ``warm``: the worker
  is already polling (one untimed run first); ``cold``: the worker is started just after the
  trigger. Prefect's worker polls every 10 s (``PREFECT_WORKER_QUERY_SECONDS``), so its warm
  latency is spread over that interval. ``spaced`` (riverrun): warm, with 3 s between runs
  (it told apart a single warm spare's start-up from the rest; runs are now forked from a
  fork server, so ``warm`` and ``spaced`` should agree).
- ``claims``: runs claimed per second (claimed, not finished) by 8 claimers competing through
  a riverrun server on a scratch PostgreSQL database (riverrun only).
- ``idle``: CPU% of the riverrun server's process tree with 50 parked long polls over a window.

Each number is printed as one JSON line with the load average when it was taken; the machine
is shared, so take short runs and compare ratios. Usage (riverrun's interpreter)::

    python bench/workers.py [trigger] [claims] [idle]     # default: all three
    BENCH_WORKERS_N=10 BENCH_WORKERS_SYSTEMS=riverrun,prefect python bench/workers.py trigger

``PREFECT_PYTHON`` names Prefect's interpreter (default ``/work/prefect-venv/bin/python``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import free_port, scratch_database
from bench.stats import percentile

PREFECT_PYTHON = os.environ.get("PREFECT_PYTHON", "/work/prefect-venv/bin/python")
BODY_BOUND_S = 60.0  # one run's trigger → body, at most (Prefect: 10 s poll + start)
SPACED_GAP_S = 3.0  # ``spaced``: what a single warm spare needed to be ready again, loaded

FLOW = textwrap.dedent(
    """
    import os, time
    from {system} import flow

    @flow(name="wb")
    def body(out: str):
        stamp = time.time()  # the body's first line
        fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, (repr(stamp) + "\\n").encode())
        os.close(fd)
    """
)

# Runs under each system's interpreter: deploy, then trigger N runs one after the other.
TRIGGER = textwrap.dedent(
    """
    import json, os, signal, subprocess, sys, time
    from pathlib import Path
    from {system}.flows import Flow
    from {system}.deployments import run_deployment

    mode, n, out, workdir, worker_cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
    if mode == "deploy":
        Flow.from_source(source=workdir, entrypoint="body.py:body").deploy("d", work_pool_name="p")
        sys.exit(0)

    def lines():
        return Path(out).read_text().split() if Path(out).exists() else []

    def one(start_worker):
        before = len(lines())
        began = time.time()
        run_deployment("wb/d", parameters={{"out": out}}, timeout=0)
        worker = subprocess.Popen(worker_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True) if start_worker else None
        try:
            deadline = time.monotonic() + {bound}
            while len(lines()) == before:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.005)
            return float(lines()[before]) - began
        finally:
            if worker is not None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=60)

    def spaced():
        time.sleep({gap})  # what a single warm spare needed to be ready again
        return one(False)

    cold = mode == "cold"
    if not cold:
        one(False)  # warm-up: the worker is polling and its interpreter is ready
    print(json.dumps([spaced() if mode == "spaced" else one(cold) for _ in range(n)]))
    """
)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _python(system: str) -> str:
    return sys.executable if system == "riverrun" else PREFECT_PYTHON


def _cli(system: str) -> str:
    return str(Path(_python(system)).parent / system)


def _env(system: str, home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RIVERRUN_"))}
    env[f"{system.upper()}_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    if system == "prefect":
        env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
                   PREFECT_UI_ENABLED="false")  # fmt: skip
    if api_url is not None:
        env[f"{system.upper()}_API_URL"] = api_url
    return env


@contextmanager
def _server(system: str, home: Path, db_url: str | None = None) -> Iterator[tuple[str, int]]:
    """``system``'s own server on a free loopback port: (API URL, pid), once healthy."""
    port = free_port()
    env = _env(system, home)
    if db_url is not None:
        env["RIVERRUN_DATABASE_URL"] = db_url
    log = (home.parent / f"{system}-server.log").open("a")
    proc = subprocess.Popen([_cli(system), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                with opener.open(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{system} server did not start; see {log.name}") from None
                time.sleep(0.05)
        yield url, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()


def _run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed: {done.stderr[-2000:]}")
    return done.stdout


def trigger(system: str, n: int, tmp: Path) -> list[dict[str, object]]:
    """Warm and cold trigger → body latencies of ``system``'s process worker."""
    work = tmp / system
    work.mkdir()
    (work / "body.py").write_text(FLOW.format(system=system))
    (work / "trigger.py").write_text(
        TRIGGER.format(system=system, bound=BODY_BOUND_S, gap=SPACED_GAP_S)
    )
    results: list[dict[str, object]] = []
    with _server(system, work / "home") as (url, _pid):
        env = _env(system, work / "home", url)
        worker = [_cli(system), "worker", "start", "--pool", "p", "--type", "process"]
        _run([_cli(system), "work-pool", "create", "p", "--type", "process"], env, work, 120)
        script = [_python(system), str(work / "trigger.py")]
        _run([*script, "deploy", "0", "", str(work), "[]"], env, work, 300)
        modes = [("warm", n), ("cold", max(2, n // 3))]
        if system == "riverrun":  # Prefect's 10 s poll dominates either way
            modes.insert(1, ("spaced", n))
        for mode, count in modes:
            proc = None
            if mode != "cold":
                proc = subprocess.Popen(worker, env=env, cwd=work, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
            try:
                out = _run([*script, mode, str(count), str(work / f"{mode}.txt"), str(work),
                            json.dumps(worker)], env, work, count * BODY_BOUND_S + 300)  # fmt: skip
            finally:
                if proc is not None:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=60)
            took = json.loads(out.strip().splitlines()[-1])
            done = sorted(t for t in took if t is not None)
            results.append({
                "case": f"trigger→body {mode}", "system": system, "n": len(took),
                "missed": len(took) - len(done),
                "p50_s": round(percentile(done, 50), 3) if done else None,
                "p99_s": round(percentile(done, 99), 3) if done else None,
                "load": _load(),
            })  # fmt: skip
    return results


def _post(url: str, body: object, timeout: float = 30.0) -> object:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})  # fmt: skip
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=timeout) as resp:
        return json.loads(resp.read() or b"null")


def claims(runs: int, tmp: Path, claimers: int = 8) -> dict[str, object]:
    """Runs claimed per second by ``claimers`` competing through a server on PostgreSQL."""
    work = tmp / "claims"
    work.mkdir()
    (work / "body.py").write_text(FLOW.format(system="riverrun"))
    (work / "trigger.py").write_text(TRIGGER.format(system="riverrun", bound=BODY_BOUND_S))
    with scratch_database("riverrun") as name, \
            _server("riverrun", work / "home", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}") as (url, _):  # fmt: skip
        env = _env("riverrun", work / "home", url)
        _run([_cli("riverrun"), "work-pool", "create", "p", "--type", "process"], env, work, 120)
        _run([sys.executable, str(work / "trigger.py"), "deploy", "0", "", str(work), "[]"],
             env, work, 300)  # fmt: skip
        deployment = _post(f"{url}/deployments/filter", {})[0]["id"]  # type: ignore[index]
        for _ in range(runs):
            _post(f"{url}/deployments/{deployment}/create_flow_run", {"parameters": {"out": "x"}})
        claimed: list[int] = []
        lock = threading.Lock()

        def claimer(i: int) -> None:
            while True:
                got = _post(f"{url}/work_pools/p/claim_runs", {"worker_name": f"c{i}", "limit": 4})
                if not got:
                    return
                with lock:
                    claimed.append(len(got))  # type: ignore[arg-type]

        threads = [threading.Thread(target=claimer, args=(i,)) for i in range(claimers)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        took = time.perf_counter() - began
    return {"case": f"claims/s, {claimers} claimers, PostgreSQL", "system": "riverrun",
            "runs": runs, "claimed": sum(claimed), "claims_per_s": round(sum(claimed) / took, 1),
            "load": _load()}  # fmt: skip


def _tree_ticks(pid: int) -> int:
    """CPU ticks (user + system) of ``pid`` and its descendants."""
    from bench.servers import process_tree

    total = 0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def idle(tmp: Path, polls: int = 50, window_s: float = 30.0) -> dict[str, object]:
    """CPU% of the riverrun server with ``polls`` parked long polls, over ``window_s``."""
    work = tmp / "idle"
    work.mkdir()
    with _server("riverrun", work / "home") as (url, pid):
        _post(f"{url}/work_pools/", {"work_pool": {"name": "p", "type": "process"}})
        stop = threading.Event()

        def park(i: int) -> None:
            while not stop.is_set():
                _post(f"{url}/work_pools/p/claim_runs", {"worker_name": f"w{i}", "wait": 60}, 90)

        for i in range(polls):
            threading.Thread(target=park, args=(i,), daemon=True).start()
        deadline = time.monotonic() + 60
        while len(_post(f"{url}/work_pools/p/workers/filter", {})) < polls:  # type: ignore[arg-type]
            if time.monotonic() > deadline:
                raise RuntimeError("the polls never reached the server")
            time.sleep(0.1)
        ticks, began = _tree_ticks(pid), time.monotonic()
        time.sleep(window_s)  # the measured window itself
        used = (_tree_ticks(pid) - ticks) / os.sysconf("SC_CLK_TCK")
        elapsed = time.monotonic() - began
        stop.set()
    return {"case": f"idle server, {polls} parked polls", "system": "riverrun",
            "window_s": window_s, "cpu_percent": round(100 * used / elapsed, 2), "load": _load()}  # fmt: skip


def main() -> None:
    cases = sys.argv[1:] or ["trigger", "claims", "idle"]
    n = int(os.environ.get("BENCH_WORKERS_N", "10"))
    systems = os.environ.get("BENCH_WORKERS_SYSTEMS", "riverrun,prefect").split(",")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for case in cases:
            if case == "trigger":
                found = [r for s in systems for r in trigger(s, n, tmp)]
            elif case == "claims":
                found = [claims(int(os.environ.get("BENCH_WORKERS_RUNS", "400")), tmp)]
            else:
                found = [idle(tmp, window_s=float(os.environ.get("BENCH_WORKERS_WINDOW_S", "30")))]
            for result in found:
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
