"""The machine a benchmark ran on: CPU model, cores, memory, OS, Python versions."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    """Total memory in GiB from ``/proc/meminfo``."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages when the run starts (others' work shows here)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def python_speed_s() -> float:
    """Seconds for a fixed pure-Python loop (best of 5): how fast one core is right now.

    The machines differ from day to day (shared hosts); this puts runs of different days
    on one scale, since every per-call cost here is Python-bound.
    """
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return round(best, 4)


def describe(systems: list[str]) -> dict[str, Any]:
    """Everything the report prints about the machine and interpreters."""
    from bench import runner

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "os": platform.platform(),
        "load_avg": load_average(),
        "python_speed_s": python_speed_s(),
        "python": {s: runner.python_version(s) for s in systems},
    }
