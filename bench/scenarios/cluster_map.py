"""Scenarios ``dask_map`` and ``ray_map``: ``task.map`` over N items on a 2-worker cluster.

The program starts the cluster first (Dask: a ``LocalCluster`` of 2 worker processes, one
thread each; Ray: a local Ray with 2 CPUs), so start-up is not counted, and hands it to the
system's runner (riverrun: ``riverrun_dask`` / ``riverrun_ray``; Prefect: ``prefect_dask``
/ ``prefect_ray``). ``per_task_s`` is ``noop.map(range(N))`` plus every result, inside the
flow, divided by N; ``floor_per_task_s`` the same N no-op calls submitted to the same cluster
directly (Dask: ``client.map`` + ``gather``; Ray: N remote calls + one ``ray.get``), the
floor no runner can beat; ``overhead_per_task_s`` their difference. ``cpu_per_task_s`` and
``floor_cpu_per_task_s`` are the same two phases in CPU time of the flow's process
(``time.process_time``: all its threads, the Dask scheduler of the ``LocalCluster`` included,
the workers not), which a shared machine disturbs less than wall time. The check reads the N
task runs back through the system's client.
"""

from __future__ import annotations

import argparse
import importlib
import time
from typing import Any

import _common as c


def _args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runner", choices=["dask", "ray"], required=True)


def _noop(i: int) -> int:
    return i


def _dask_cluster() -> tuple[Any, str, Any]:
    import distributed

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    client = distributed.Client(cluster)

    def floor(n: int) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        client.gather(client.map(_noop, range(n), pure=False))
        return time.perf_counter() - start, time.process_time() - cpu

    def close() -> None:
        client.close()
        cluster.close()

    return floor, cluster.scheduler_address, close


def _ray_cluster() -> tuple[Any, str, Any]:
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    remote_noop = ray.remote(_noop)

    def floor(n: int) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        ray.get([remote_noop.remote(i) for i in range(n)])
        return time.perf_counter() - start, time.process_time() - cpu

    return floor, "auto", ray.shutdown


def body(args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    system = c.system_module(args.system)
    floor, address, close = _dask_cluster() if args.runner == "dask" else _ray_cluster()
    package = importlib.import_module(f"{args.system}_{args.runner}")
    try:
        if args.runner == "dask":
            runner = package.DaskTaskRunner(address=address)
        else:
            runner = package.RayTaskRunner()

        @system.task
        def noop(i: int) -> int:
            return i

        @system.flow(task_runner=runner)
        def mapped(n: int) -> tuple[Any, float, float, int]:
            start, cpu = time.perf_counter(), time.process_time()
            futures = noop.map(range(n))
            total = sum(future.result() for future in futures)
            map_s, map_cpu_s = time.perf_counter() - start, time.process_time() - cpu
            return c.current_flow_run_id(args.system), map_s, map_cpu_s, total

        if args.warmup:
            mapped(min(args.n, 20))
            floor(min(args.n, 20))
        start = time.perf_counter()
        flow_run_id, map_s, map_cpu_s, total = mapped(args.n)
        flow_s = time.perf_counter() - start
        floor_s, floor_cpu_s = floor(args.n)
    finally:
        close()
    metrics = {
        "per_task_s": map_s / args.n,
        "floor_per_task_s": floor_s / args.n,
        "overhead_per_task_s": (map_s - floor_s) / args.n,
        "cpu_per_task_s": map_cpu_s / args.n,
        "floor_cpu_per_task_s": floor_cpu_s / args.n,
        "map_s": map_s,
        "flow_s": flow_s,
    }
    check = c.check_task_runs(args.system, flow_run_id, args.n)
    check["result_ok"] = total == args.n * (args.n - 1) // 2
    check["passed"] = check["passed"] and check["result_ok"]
    return metrics, check


if __name__ == "__main__":
    c.main(body, _args)
