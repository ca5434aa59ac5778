"""Schedules for deployments: ``Cron``, ``Interval``, ``RRule`` (Prefect 3's ``prefect.schedules``).

Example:
    >>> from riverrun.schedules import Cron
    >>> my_flow.serve(name="nightly", schedules=[Cron("0 2 * * *", timezone="Europe/Paris")])

How each kind treats daylight saving time is in ``docs/deployments.md``: intervals under a day
step in UTC, longer ones and cron and RRule keep the local wall-clock time. ``jitter``
(riverrun's addition) spreads runs over a window after each time, so a thousand deployments
on ``0 * * * *`` do not all start in the same second; every process agrees on each run's
offset, so scheduling stays idempotent.
"""

from __future__ import annotations

import dataclasses
import datetime
from functools import partial
from typing import Any

from riverrun._scheduling import dates as _dates
from riverrun.schemas.schedules import SCHEDULE_TYPES, construct_schedule


@dataclasses.dataclass(frozen=True)
class Schedule:
    """One schedule of a deployment; give exactly one of ``interval``, ``cron``, ``rrule``.

    Args:
        interval: how often, from ``anchor_date``.
        cron: a cron string such as ``"0 0 * * *"``.
        rrule: an RFC 5545 rule such as ``"RRULE:FREQ=DAILY;INTERVAL=1"``.
        timezone: an IANA timezone such as ``"America/New_York"`` (default UTC, or the
            anchor's zone for intervals).
        anchor_date: what intervals count from (default: now).
        day_or: cron only: day-of-month OR day-of-week (True, as cron) or AND (as fcron).
        active: whether the schedule creates runs.
        parameters: parameter overrides for this schedule's runs.
        slug: a name unique within the deployment, so updates keep the same schedule.
        jitter: riverrun only: each run starts up to this much after its time.

    Raises:
        ValueError: more than one kind, or an invalid cron, rrule or timezone string.
    """

    interval: datetime.timedelta | None = None
    cron: str | None = None
    rrule: str | None = None
    timezone: str | None = None
    anchor_date: datetime.datetime = dataclasses.field(
        default_factory=partial(datetime.datetime.now, tz=datetime.timezone.utc)
    )
    day_or: bool = True
    active: bool = True
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    slug: str | None = None
    jitter: datetime.timedelta | None = None

    def __post_init__(self) -> None:
        defined = [
            name for name in ("interval", "cron", "rrule") if getattr(self, name) is not None
        ]
        if len(defined) > 1:
            raise ValueError(
                f"Only one schedule type can be defined at a time. Found: {', '.join(defined)}"
            )
        try:
            if self.cron is not None:
                _dates.validate_cron(self.cron)
            if self.rrule is not None:
                _dates.validate_rrule(self.rrule)
            _dates.validate_timezone(self.timezone)
        except _dates.ScheduleError as exc:
            raise ValueError(str(exc)) from None
        if self.jitter is not None and self.jitter < datetime.timedelta(0):
            raise ValueError(f"jitter must not be negative, got {self.jitter}.")

    def to_schedule_type(self) -> SCHEDULE_TYPES:
        """The stored schedule object (``IntervalSchedule``, ``CronSchedule`` or ``RRuleSchedule``)."""
        from riverrun.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

        if self.interval is not None:
            return IntervalSchedule(interval=self.interval, anchor_date=self.anchor_date,
                                    timezone=self.timezone)  # fmt: skip
        if self.cron is not None:
            return CronSchedule(cron=self.cron, timezone=self.timezone, day_or=self.day_or)
        if self.rrule is not None:
            return RRuleSchedule(rrule=self.rrule, timezone=self.timezone)
        raise ValueError("A Schedule needs one of interval, cron or rrule.")


def Cron(
    cron: str,
    /,
    timezone: str | None = None,
    day_or: bool = True,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
    jitter: datetime.timedelta | None = None,
) -> Schedule:
    """A cron schedule, e.g. ``Cron("0 8 * * 1", timezone="America/New_York")``."""
    return Schedule(cron=cron, timezone=timezone, day_or=day_or, active=active,
                    parameters=parameters or {}, slug=slug, jitter=jitter)  # fmt: skip


def Interval(
    interval: datetime.timedelta | float | int,
    /,
    anchor_date: datetime.datetime | None = None,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
    jitter: datetime.timedelta | None = None,
) -> Schedule:
    """An interval schedule; a number is seconds: ``Interval(60)``, ``Interval(timedelta(hours=1))``."""
    if isinstance(interval, (float, int)):
        interval = datetime.timedelta(seconds=interval)
    if interval <= datetime.timedelta(0):
        raise ValueError(f"An interval must be positive, got {interval}.")
    if anchor_date is None:
        anchor_date = datetime.datetime.now(tz=datetime.timezone.utc)
    return Schedule(interval=interval, anchor_date=anchor_date, timezone=timezone,
                    active=active, parameters=parameters or {}, slug=slug, jitter=jitter)  # fmt: skip


def RRule(
    rrule: str,
    /,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
    jitter: datetime.timedelta | None = None,
) -> Schedule:
    """An RRule schedule, e.g. ``RRule("RRULE:FREQ=MONTHLY;BYDAY=2FR", timezone="America/Chicago")``."""
    return Schedule(rrule=rrule, timezone=timezone, active=active,
                    parameters=parameters or {}, slug=slug, jitter=jitter)  # fmt: skip


__all__ = ["Cron", "Interval", "RRule", "Schedule", "construct_schedule"]
