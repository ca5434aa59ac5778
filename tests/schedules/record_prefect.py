"""Record what Prefect 3.9.1's own schedule classes return, as test data for riverrun.

Run with Prefect's interpreter (not riverrun's):
    /work/prefect-venv/bin/python tests/schedules/record_prefect.py
It writes ``prefect_dates.json`` beside this file; ``test_prefect_parity.py`` replays every
case through ``riverrun.schedules`` and compares instants and local offsets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect.server.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

NY = "America/New_York"
OUT = Path(__file__).with_name("prefect_dates.json")


def local(text: str, tz: str = NY) -> str:
    """An ISO time with the offset it has in ``tz`` (the cases are written as wall times)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).isoformat()


CASES: list[dict[str, Any]] = [
    # intervals under 24 h follow UTC
    {
        "kind": "interval",
        "seconds": 3600,
        "anchor": local("2025-01-01T00:00"),
        "timezone": NY,
        "start": local("2025-03-09T00:00"),
        "n": 6,
    },
    {
        "kind": "interval",
        "seconds": 3600,
        "anchor": local("2025-01-01T00:00"),
        "timezone": NY,
        "start": local("2025-11-02T00:00"),
        "n": 6,
    },
    {
        "kind": "interval",
        "seconds": 5400,
        "anchor": local("2025-01-01T00:15"),
        "timezone": NY,
        "start": local("2025-03-08T23:00"),
        "n": 6,
    },
    {
        "kind": "interval",
        "seconds": 1800,
        "anchor": "2025-01-01T00:00:00+00:00",
        "timezone": None,
        "start": "2025-06-01T10:10:00+00:00",
        "n": 4,
    },
    # daily intervals follow the wall clock
    {
        "kind": "interval",
        "seconds": 86400,
        "anchor": local("2025-01-01T09:00"),
        "timezone": NY,
        "start": local("2025-03-07T00:00"),
        "n": 5,
    },
    {
        "kind": "interval",
        "seconds": 86400,
        "anchor": local("2025-01-01T09:00"),
        "timezone": NY,
        "start": local("2025-10-31T00:00"),
        "n": 5,
    },
    {
        "kind": "interval",
        "seconds": 86400,
        "anchor": local("2025-01-01T02:30"),
        "timezone": NY,
        "start": local("2025-03-07T00:00"),
        "n": 5,
    },
    {
        "kind": "interval",
        "seconds": 86400,
        "anchor": local("2025-01-01T02:30"),
        "timezone": NY,
        "start": local("2025-06-01T00:00"),
        "n": 2,
    },
    {
        "kind": "interval",
        "seconds": 86400,
        "anchor": local("2025-01-01T01:30"),
        "timezone": NY,
        "start": local("2025-10-31T00:00"),
        "n": 4,
    },
    {
        "kind": "interval",
        "seconds": 7 * 86400,
        "anchor": local("2025-01-06T09:00"),
        "timezone": NY,
        "start": local("2025-02-20T00:00"),
        "n": 6,
    },
    {
        "kind": "interval",
        "seconds": 86400 + 3600,
        "anchor": local("2025-03-01T00:00"),
        "timezone": NY,
        "start": local("2025-03-07T00:00"),
        "n": 5,
    },
    {
        "kind": "interval",
        "seconds": 86400,
        "anchor": local("2025-06-01T09:00"),
        "timezone": NY,
        "start": local("2025-03-07T00:00"),
        "n": 4,
    },
    {
        "kind": "interval",
        "seconds": 3600,
        "anchor": local("2025-01-01T00:00"),
        "timezone": NY,
        "start": local("2025-03-09T00:00"),
        "end": local("2025-03-09T05:00"),
        "n": None,
    },
    # cron follows the wall clock
    {
        "kind": "cron",
        "cron": "0 * * * *",
        "timezone": NY,
        "start": local("2025-03-09T00:00"),
        "n": 5,
    },
    {
        "kind": "cron",
        "cron": "0 * * * *",
        "timezone": NY,
        "start": local("2025-11-02T00:00"),
        "n": 5,
    },
    {
        "kind": "cron",
        "cron": "30 2 * * *",
        "timezone": NY,
        "start": local("2025-03-08T00:00"),
        "n": 3,
    },
    {
        "kind": "cron",
        "cron": "30 1 * * *",
        "timezone": NY,
        "start": local("2025-11-01T00:00"),
        "n": 3,
    },
    {
        "kind": "cron",
        "cron": "*/30 * * * *",
        "timezone": NY,
        "start": local("2025-03-09T01:00"),
        "n": 6,
    },
    {
        "kind": "cron",
        "cron": "*/30 * * * *",
        "timezone": NY,
        "start": "2025-03-09T07:00:00+00:00",
        "n": 4,
    },
    {
        "kind": "cron",
        "cron": "*/30 * * * *",
        "timezone": NY,
        "start": "2025-03-09T07:20:00+00:00",
        "n": 4,
    },
    {
        "kind": "cron",
        "cron": "*/30 * * * *",
        "timezone": NY,
        "start": local("2025-11-02T00:30"),
        "n": 6,
    },
    {
        "kind": "cron",
        "cron": "*/30 * * * *",
        "timezone": NY,
        "start": "2025-11-02T06:10:00+00:00",
        "n": 4,
    },
    {
        "kind": "cron",
        "cron": "15 1 * * *",
        "timezone": NY,
        "start": "2025-11-02T06:05:00+00:00",
        "n": 2,
    },
    {
        "kind": "cron",
        "cron": "0 9 * * 1-5",
        "timezone": NY,
        "start": local("2025-03-06T12:00"),
        "n": 4,
    },
    {
        "kind": "cron",
        "cron": "0 9 * * 1-5",
        "timezone": NY,
        "start": local("2025-10-30T12:00"),
        "n": 4,
    },
    {
        "kind": "cron",
        "cron": "0 0 1-7 * 5",
        "timezone": None,
        "day_or": False,
        "start": "2025-01-01T00:00:00+00:00",
        "n": 3,
    },
    {
        "kind": "cron",
        "cron": "0 0 1-7 * 5",
        "timezone": None,
        "day_or": True,
        "start": "2025-01-01T00:00:00+00:00",
        "n": 5,
    },
    {
        "kind": "cron",
        "cron": "*/15 * * * *",
        "timezone": None,
        "start": "2025-06-01T10:07:30+00:00",
        "end": "2025-06-01T11:00:00+00:00",
        "n": None,
    },
    {
        "kind": "cron",
        "cron": "0 0 * * *",
        "timezone": None,
        "start": "2025-06-01T00:00:00+00:00",
        "n": 2,
    },
    {
        "kind": "cron",
        "cron": "@daily",
        "timezone": "Europe/London",
        "start": "2025-03-29T12:00:00+00:00",
        "n": 3,
    },
    # rrule
    {
        "kind": "rrule",
        "rrule": "FREQ=HOURLY",
        "timezone": NY,
        "start": local("2025-03-09T00:00"),
        "n": 5,
    },
    {
        "kind": "rrule",
        "rrule": "FREQ=HOURLY",
        "timezone": NY,
        "start": local("2025-11-02T00:00"),
        "n": 5,
    },
    {
        "kind": "rrule",
        "rrule": "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
        "timezone": NY,
        "start": local("2025-03-08T00:00"),
        "n": 3,
    },
    {
        "kind": "rrule",
        "rrule": "FREQ=DAILY;BYHOUR=1;BYMINUTE=30",
        "timezone": NY,
        "start": local("2025-11-01T00:00"),
        "n": 3,
    },
    {
        "kind": "rrule",
        "rrule": "DTSTART:20250101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,FR",
        "timezone": NY,
        "start": local("2025-03-05T00:00"),
        "n": 4,
    },
    {
        "kind": "rrule",
        "rrule": "FREQ=MONTHLY;BYDAY=2FR",
        "timezone": None,
        "start": "2025-01-01T00:00:00+00:00",
        "n": 3,
    },
]


async def dates(case: dict[str, Any]) -> list[str]:
    start = dt.datetime.fromisoformat(case["start"])
    end = dt.datetime.fromisoformat(case["end"]) if case.get("end") else None
    schedule: Any
    if case["kind"] == "interval":
        kwargs: dict[str, Any] = {
            "interval": dt.timedelta(seconds=case["seconds"]),
            "anchor_date": dt.datetime.fromisoformat(case["anchor"]),
        }
        if case["timezone"]:
            kwargs["timezone"] = case["timezone"]
        schedule = IntervalSchedule(**kwargs)
    elif case["kind"] == "cron":
        schedule = CronSchedule(
            cron=case["cron"], timezone=case["timezone"], day_or=case.get("day_or", True)
        )
    else:
        schedule = RRuleSchedule(rrule=case["rrule"], timezone=case["timezone"] or "UTC")
    found = await schedule.get_dates(n=case["n"], start=start, end=end)
    return [d.isoformat() for d in found]


def errors() -> dict[str, str]:
    out = {}
    for name, build in {
        "cron": lambda: CronSchedule(cron="61 * * * *"),
        "rrule": lambda: RRuleSchedule(rrule="FREQ=SOMETIMES"),
        "timezone": lambda: CronSchedule(cron="0 * * * *", timezone="Mars/Olympus"),
    }.items():
        try:
            build()
        except Exception as exc:  # noqa: BLE001 - recording whatever Prefect raises
            out[name] = f"{type(exc).__name__}: {exc}"
    return out


async def main() -> None:
    for case in CASES:
        case["expected"] = await dates(case)
    OUT.write_text(
        json.dumps({"prefect": "3.9.1", "cases": CASES, "errors": errors()}, indent=1) + "\n"
    )
    print(f"{len(CASES)} cases written to {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
