"""riverrun's schedules return the dates Prefect 3.9.1's own schedule classes return.

``prefect_dates.json`` was recorded from Prefect by ``record_prefect.py`` (America/New_York
across both 2025 changes, plus UTC and London cases); each case is replayed here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from riverrun.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

DATA = json.loads(Path(__file__).with_name("prefect_dates.json").read_text())

# Where riverrun differs on purpose (docs/deployments.md, "DST"): Prefect's RRule fires a
# nonexistent 2:30 at 1:30 standard time, an hour before the gap; riverrun moves it forward
# by the gap, as cron does.
DELIBERATE: dict[tuple[str, str], list[str]] = {
    ("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "2025-03-08T00:00:00-05:00"): [
        "2025-03-08T02:30:00-05:00", "2025-03-09T03:30:00-04:00", "2025-03-10T02:30:00-04:00",
    ],
}  # fmt: skip


def _schedule(case: dict[str, Any]) -> IntervalSchedule | CronSchedule | RRuleSchedule:
    if case["kind"] == "interval":
        return IntervalSchedule(
            interval=dt.timedelta(seconds=case["seconds"]),
            anchor_date=dt.datetime.fromisoformat(case["anchor"]),
            timezone=case["timezone"],
        )
    if case["kind"] == "cron":
        return CronSchedule(cron=case["cron"], timezone=case["timezone"],
                            day_or=case.get("day_or", True))  # fmt: skip
    return RRuleSchedule(rrule=case["rrule"], timezone=case["timezone"])


def _case_id(case: dict[str, Any]) -> str:
    what = case.get("cron") or case.get("rrule") or f"every {case.get('seconds')}s"
    return f"{case['kind']}:{what}:{case['start']}".replace("\n", " ")


@pytest.mark.parametrize("case", DATA["cases"], ids=_case_id)
def test_dates_match_prefect(case: dict[str, Any]) -> None:
    start = dt.datetime.fromisoformat(case["start"])
    end = dt.datetime.fromisoformat(case["end"]) if case.get("end") else None
    found = _schedule(case).get_dates(n=case["n"], start=start, end=end)
    key = (case.get("rrule") or case.get("cron") or "", case["start"])
    assert [d.isoformat() for d in found] == DELIBERATE.get(key, case["expected"])


def test_the_recorded_data_is_from_prefect_3_9_1() -> None:
    assert DATA["prefect"] == "3.9.1"
    assert len(DATA["cases"]) >= 30
