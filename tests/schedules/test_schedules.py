"""riverrun.schedules: Prefect's constructors, validation, stored shapes, DST rules, jitter."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from riverrun.schedules import Cron, Interval, RRule, Schedule, construct_schedule
from riverrun.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

NY = ZoneInfo("America/New_York")


def test_interval_takes_seconds_as_a_number() -> None:
    assert Interval(90).interval == dt.timedelta(seconds=90)


def test_cron_keeps_every_option() -> None:
    schedule = Cron("0 8 * * 1", timezone="America/New_York", day_or=False, active=False,
                    parameters={"env": "prod"}, slug="mondays")  # fmt: skip
    assert (schedule.cron, schedule.timezone, schedule.day_or, schedule.active) == (
        "0 8 * * 1", "America/New_York", False, False,
    )  # fmt: skip
    assert (schedule.parameters, schedule.slug) == ({"env": "prod"}, "mondays")


def test_schedule_refuses_two_kinds_at_once() -> None:
    with pytest.raises(
        ValueError, match="Only one schedule type can be defined at a time. Found: interval, cron"
    ):
        Schedule(interval=dt.timedelta(hours=1), cron="0 * * * *")


def test_invalid_cron_names_the_string_and_the_form() -> None:
    with pytest.raises(ValueError, match=r'Invalid cron string: "61 \* \* \* \*".*five fields'):
        Cron("61 * * * *")


def test_hashed_cron_is_refused() -> None:
    with pytest.raises(ValueError, match="Random and Hashed expressions are unsupported"):
        Cron("H * * * *")


def test_invalid_rrule_names_the_string() -> None:
    with pytest.raises(ValueError, match=r'Invalid RRule string "FREQ=SOMETIMES": .*FREQ'):
        RRule("FREQ=SOMETIMES")


def test_invalid_timezone_names_the_iana_form() -> None:
    with pytest.raises(ValueError, match=r'Invalid timezone: "Mars/Olympus" \(specify in IANA'):
        Cron("0 * * * *", timezone="Mars/Olympus")


def test_non_positive_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        Interval(0)


def test_negative_jitter_is_refused() -> None:
    with pytest.raises(ValueError, match="jitter must not be negative"):
        Cron("0 * * * *", jitter=dt.timedelta(seconds=-1))


def test_interval_schedule_serialises_as_prefect_does() -> None:
    anchor = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    dumped = Interval(3600, anchor_date=anchor).to_schedule_type().model_dump(mode="json")
    assert dumped == {"interval": 3600.0, "anchor_date": "2025-01-01T00:00:00Z", "timezone": "UTC"}


def test_cron_and_rrule_serialise_as_prefect_does() -> None:
    assert Cron("0 * * * *").to_schedule_type().model_dump(mode="json") == {
        "cron": "0 * * * *", "timezone": None, "day_or": True,
    }  # fmt: skip
    assert RRule("FREQ=DAILY").to_schedule_type().model_dump(mode="json") == {
        "rrule": "FREQ=DAILY", "timezone": "UTC",
    }  # fmt: skip


def test_interval_timezone_defaults_to_the_anchors_zone() -> None:
    schedule = IntervalSchedule(
        interval=dt.timedelta(days=1), anchor_date=dt.datetime(2025, 1, 1, tzinfo=NY)
    )
    assert schedule.timezone == "America/New_York"


def test_naive_anchor_is_utc() -> None:
    schedule = IntervalSchedule(interval=dt.timedelta(hours=1), anchor_date=dt.datetime(2025, 1, 1))
    assert schedule.anchor_date.tzinfo == dt.timezone.utc and schedule.timezone == "UTC"


def test_construct_schedule_builds_each_kind() -> None:
    assert isinstance(construct_schedule(interval=60), IntervalSchedule)
    assert isinstance(construct_schedule(cron="0 * * * *", timezone="UTC"), CronSchedule)
    assert isinstance(construct_schedule(rrule="FREQ=HOURLY"), RRuleSchedule)


def test_construct_schedule_refuses_an_anchor_without_an_interval() -> None:
    with pytest.raises(ValueError, match="anchor date can only be provided with an interval"):
        construct_schedule(cron="0 * * * *", anchor_date=dt.datetime(2025, 1, 1))


def test_construct_schedule_needs_a_kind() -> None:
    with pytest.raises(ValueError, match="Either interval, cron, or rrule must be provided"):
        construct_schedule()


def test_hourly_cron_skips_the_missing_hour_in_march() -> None:
    dates = CronSchedule(cron="0 * * * *", timezone="America/New_York").get_dates(
        n=3, start=dt.datetime(2025, 3, 9, 1, tzinfo=NY)
    )
    assert [d.strftime("%H:%M%z") for d in dates] == ["01:00-0500", "03:00-0400", "04:00-0400"]


def test_cron_in_the_gap_fires_once_shifted_by_the_gap() -> None:
    dates = CronSchedule(cron="30 2 * * *", timezone="America/New_York").get_dates(
        n=2, start=dt.datetime(2025, 3, 9, tzinfo=NY)
    )
    assert [d.isoformat() for d in dates] == [
        "2025-03-09T03:30:00-04:00",
        "2025-03-10T02:30:00-04:00",
    ]


def test_cron_at_an_ambiguous_time_fires_once_at_the_first() -> None:
    dates = CronSchedule(cron="30 1 * * *", timezone="America/New_York").get_dates(
        n=2, start=dt.datetime(2025, 11, 2, tzinfo=NY)
    )
    assert [d.isoformat() for d in dates] == [
        "2025-11-02T01:30:00-04:00",
        "2025-11-03T01:30:00-05:00",
    ]


def test_hourly_interval_follows_utc_across_the_spring_change() -> None:
    schedule = IntervalSchedule(
        interval=dt.timedelta(hours=1), anchor_date=dt.datetime(2025, 1, 1, tzinfo=NY)
    )
    dates = schedule.get_dates(n=3, start=dt.datetime(2025, 3, 9, 1, tzinfo=NY))
    utc = [d.astimezone(dt.timezone.utc) for d in dates]
    gaps = {b - a for a, b in zip(utc, utc[1:], strict=False)}
    assert gaps == {dt.timedelta(hours=1)}


def test_daily_interval_keeps_the_wall_clock_time() -> None:
    schedule = IntervalSchedule(
        interval=dt.timedelta(days=1), anchor_date=dt.datetime(2025, 1, 1, 9, tzinfo=NY)
    )
    dates = schedule.get_dates(n=4, start=dt.datetime(2025, 3, 8, tzinfo=NY))
    assert {d.hour for d in dates} == {9}
    assert dates[1].astimezone(dt.timezone.utc) - dates[0] == dt.timedelta(hours=23)


def test_end_bounds_the_dates() -> None:
    dates = CronSchedule(cron="*/15 * * * *").get_dates(
        start=dt.datetime(2025, 6, 1, 10, tzinfo=dt.timezone.utc),
        end=dt.datetime(2025, 6, 1, 11, tzinfo=dt.timezone.utc),
    )
    assert len(dates) == 5
