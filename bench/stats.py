"""Statistics over repeated runs: median, min, max, nearest-rank percentiles and ratios."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Summary:
    """Median, min and max of one metric over the counted repeats of one system."""

    median: float
    min: float
    max: float
    count: int

    def as_dict(self) -> dict[str, float | int]:
        """The summary as plain JSON-ready data."""
        return {"median": self.median, "min": self.min, "max": self.max, "count": self.count}


def summarize(values: Iterable[float]) -> Summary | None:
    """Summarise ``values``; ``None`` when there are none."""
    data = [float(v) for v in values]
    if not data:
        return None
    return Summary(statistics.median(data), min(data), max(data), len(data))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100] of a non-empty sequence.

    Example:
        >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
        2.0
    """
    if not values:
        raise ValueError("percentile of no values; run at least one repeat")
    if not 0 < pct <= 100:
        raise ValueError(f"percentile {pct} is outside (0, 100]")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def ratio(prefect: Summary | None, riverrun: Summary | None) -> float | None:
    """Prefect's median over riverrun's (how many times riverrun is faster or smaller).

    ``None`` when either side is missing or riverrun's median is zero.
    """
    if prefect is None or riverrun is None or riverrun.median <= 0:
        return None
    return prefect.median / riverrun.median


def counted_values(runs: Iterable[dict[str, Any]], metric: str) -> list[float]:
    """The values of ``metric`` over successful, non-warm-up runs."""
    return [
        float(r["metrics"][metric])
        for r in runs
        if r.get("status") == "ok"
        and not r.get("warmup")
        and isinstance(r.get("metrics", {}).get(metric), (int, float))
    ]
