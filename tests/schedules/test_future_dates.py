"""The scheduler's cache of upcoming dates gives what a fresh computation gives, pass after pass."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from riverrun._scheduling.future_dates import FutureDates
from riverrun.schemas.schedules import CronSchedule, RRuleSchedule

T0 = int(datetime(2026, 3, 8, 6, 0, tzinfo=timezone.utc).timestamp() * 1_000_000)  # US DST day
MINUTE = 60_000_000
HUNDRED_DAYS = int(timedelta(days=100).total_seconds() * 1_000_000)


def _fresh(schedule: CronSchedule | RRuleSchedule, now: int, limit: int) -> list[int]:
    dates = schedule.get_dates(
        n=limit,
        start=datetime.fromtimestamp(now / 1e6, timezone.utc),
        end=datetime.fromtimestamp((now + HUNDRED_DAYS) / 1e6, timezone.utc),
    )
    return [int(d.timestamp() * 1_000_000) for d in dates]


def _cached(
    cache: FutureDates, schedule: CronSchedule | RRuleSchedule, now: int, limit: int
) -> list[int]:
    return cache.upcoming(
        ("schedule-1", schedule.model_dump_json()),
        lambda s, e, n: schedule.get_dates(n=n, start=s, end=e),
        now,
        now + HUNDRED_DAYS,
        limit,
    )


def test_every_pass_matches_a_fresh_computation_across_a_dst_change() -> None:
    schedule = CronSchedule(cron="*/7 1-3 * * *", timezone="America/New_York")
    cache = FutureDates()
    for step in range(0, 3 * 24 * 60, 37):  # passes every 37 minutes for three days
        now = T0 + step * MINUTE
        assert _cached(cache, schedule, now, 100) == _fresh(schedule, now, 100)


def test_an_edited_schedule_is_computed_from_its_new_definition() -> None:
    cache = FutureDates()
    hourly = CronSchedule(cron="0 * * * *")
    _cached(cache, hourly, T0, 10)
    every_ten = CronSchedule(cron="*/10 * * * *")
    assert _cached(cache, every_ten, T0 + MINUTE, 10) == _fresh(every_ten, T0 + MINUTE, 10)


def test_a_finite_rrule_runs_out_as_a_fresh_computation_does() -> None:
    schedule = RRuleSchedule(rrule="DTSTART:20260308T060000Z\nRRULE:FREQ=HOURLY;COUNT=5")
    cache = FutureDates()
    for hours in range(0, 7):
        now = T0 + hours * 60 * MINUTE + 1
        assert _cached(cache, schedule, now, 100) == _fresh(schedule, now, 100)


def test_a_steady_schedule_is_asked_for_dates_once_per_limit_passes_not_every_pass() -> None:
    schedule = CronSchedule(cron="* * * * *")
    cache, asked = FutureDates(), []

    def dates(start: datetime, end: datetime, n: int) -> list[datetime]:
        asked.append(n)
        return schedule.get_dates(n=n, start=start, end=end)

    for minute in range(30):  # a pass a minute, each needing one new date
        now = T0 + minute * MINUTE + 1
        got = cache.upcoming(("s", "def"), dates, now, now + HUNDRED_DAYS, 10)
        assert got == _fresh(schedule, now, 10)
    assert len(asked) <= 4
