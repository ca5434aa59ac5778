"""Trigger evaluation throughput with many automations (issue 15: 1,000 automations, 10,000
events/s), in-process: the evaluator the server's service and the recorder both use.

1,000 automations, each a reactive trigger on its own deployment's ``Failed`` runs (as teams
write them), fed 20,000 flow-run state events of which 1 in 100 is a matching ``Failed``.
Measured twice: as evaluated (each event only to the triggers its name can concern) and with
every trigger fed every event (how evaluation worked before the name index). Usage:
``python bench/automation_evaluation.py [AUTOMATIONS] [EVENTS]``; prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone


def _setup(automations: int, events: int) -> tuple[object, list[object]]:
    from riverrun._automations.triggers import Evaluator
    from riverrun.events import Event, EventTrigger

    evaluator = Evaluator()
    evaluator.set_automations([
        (f"a{n}", EventTrigger(
            expect={f"riverrun.flow-run.Failed.d{n}"},
            match_related={"riverrun.resource.id": f"riverrun.deployment.d{n}"},
        ))
        for n in range(automations)
    ])  # fmt: skip
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    names = [
        "riverrun.flow-run.Pending",
        "riverrun.flow-run.Running",
        "riverrun.flow-run.Completed",
    ]
    stream = []
    for n in range(events):
        deployment = n % automations
        name = f"riverrun.flow-run.Failed.d{deployment}" if n % 100 == 0 else names[n % 3]
        stream.append(Event.model_validate({
            "event": name, "occurred": t0 + timedelta(milliseconds=n),
            "resource": {"riverrun.resource.id": f"riverrun.flow-run.{n}"},
            "related": [{"riverrun.resource.id": f"riverrun.deployment.d{deployment}",
                         "riverrun.resource.role": "deployment"}],
        }))  # fmt: skip
    return evaluator, stream


def _events_per_s(evaluator: object, stream: list[object]) -> tuple[float, int]:
    start = time.perf_counter()
    fired = sum(len(evaluator.observe(e)) for e in stream)  # type: ignore[attr-defined]
    return len(stream) / (time.perf_counter() - start), fired


def main() -> None:
    automations = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    evaluator, stream = _setup(automations, events)
    indexed, fired = _events_per_s(evaluator, stream)
    every = list(evaluator._states)  # type: ignore[attr-defined]
    evaluator._index.candidates = lambda _name: every  # type: ignore[attr-defined]
    brute_stream = stream[: max(1, events // 20)]  # 20x fewer: it is that much slower
    brute, _ = _events_per_s(evaluator, brute_stream)
    print(json.dumps({"automations": automations, "events": events, "fired": fired,
                      "events_per_s_indexed": round(indexed),
                      "events_per_s_every_trigger": round(brute),
                      "speedup": round(indexed / brute, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
