"""Where riverrun differs from Prefect on purpose, scenario by scenario.

Each entry names a place in a scenario's observations (a dotted path), the exact value riverrun
gives there (after normalisation) and the section of ``docs/compatibility.md`` that says why.
The comparator checks that Prefect's golden really differs there and that riverrun gives exactly
this value; everything else in the scenario must match Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Deliberate:
    path: str
    riverrun: Any
    reason: str  # a heading id in docs/compatibility.md, e.g. "D1"


DELIBERATE: dict[str, list[Deliberate]] = {}
