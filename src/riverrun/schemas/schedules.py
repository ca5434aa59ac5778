"""Schedule objects as deployments store them: interval, cron and RRule (Prefect's shapes).

Each serialises as Prefect's does (``{"interval": 3600.0, "anchor_date": ..., "timezone":
...}``, ``{"cron": ..., "timezone": ..., "day_or": ...}``, ``{"rrule": ..., "timezone": ...}``)
and answers ``get_dates(n, start, end)`` with the pure functions of
``riverrun._scheduling.dates``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from riverrun._scheduling import dates as _dates

# Prefect stores an interval as seconds (a float), not as an ISO 8601 duration. Always, not
# only in pydantic's JSON: the server writes answers with its own encoder from Python values.
Seconds = Annotated[
    dt.timedelta,
    Field(gt=dt.timedelta(0)),
    PlainSerializer(lambda v: v.total_seconds(), return_type=float),
]


def _check(validate: Any, value: Any) -> Any:
    try:
        return validate(value)
    except _dates.ScheduleError as exc:
        raise ValueError(str(exc)) from None


class _Schedule(BaseModel):
    # Built on first use: a CLI command that never reads a schedule (`flow-run ls`) would
    # otherwise pay ~0.05 s at import for three validators it does not call.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    def get_dates(
        self,
        n: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> list[dt.datetime]:
        """The next ``n`` dates (default 1, or up to 1,000 before ``end``) on or after ``start``.

        Naive ``start``/``end`` are read as UTC; dates come back in the schedule's timezone.
        """
        return self._dates(n, start, end)

    def _dates(
        self, n: int | None, start: dt.datetime | None, end: dt.datetime | None
    ) -> list[dt.datetime]:
        raise NotImplementedError  # pragma: no cover - every schedule type overrides it


class IntervalSchedule(_Schedule):
    """Every ``interval`` from ``anchor_date`` (under a day: UTC steps; days: wall clock)."""

    interval: Seconds
    anchor_date: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    timezone: str | None = None

    @field_validator("anchor_date")
    @classmethod
    def _aware_anchor(cls, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)

    @model_validator(mode="after")
    def _default_timezone(self) -> IntervalSchedule:
        if self.timezone is None:
            self.timezone = _dates._zone_name(self.anchor_date)
        else:
            _check(_dates.validate_timezone, self.timezone)
        # The zone is kept in ``timezone``; the anchor is the instant, in UTC. An anchor in a
        # zone's local mean time (before ~1900: Dublin -00:25:21) has an offset in seconds,
        # which RFC 3339 cannot write and pydantic's JSON cuts to minutes, moving the anchor.
        self.anchor_date = self.anchor_date.astimezone(dt.timezone.utc)
        return self

    def _dates(
        self, n: int | None, start: dt.datetime | None, end: dt.datetime | None
    ) -> list[dt.datetime]:
        return _dates.interval_dates(self.interval, self.anchor_date, self.timezone, n, start, end)


class CronSchedule(_Schedule):
    """A cron expression read in ``timezone`` (default UTC), following its wall clock."""

    cron: str = Field(examples=["0 0 * * *"])
    timezone: str | None = Field(default=None, examples=["America/New_York"])
    day_or: bool = True

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return _check(_dates.validate_cron, value)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str | None:
        return _check(_dates.validate_timezone, value)

    def _dates(
        self, n: int | None, start: dt.datetime | None, end: dt.datetime | None
    ) -> list[dt.datetime]:
        return _dates.cron_dates(self.cron, self.timezone, self.day_or, n, start, end)


class RRuleSchedule(_Schedule):
    """An RFC 5545 recurrence rule read in ``timezone`` (default UTC)."""

    rrule: str
    timezone: str | None = "UTC"

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, value: str) -> str:
        return _check(_dates.validate_rrule, value)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str:
        return _check(_dates.validate_timezone, value or "UTC")

    def _dates(
        self, n: int | None, start: dt.datetime | None, end: dt.datetime | None
    ) -> list[dt.datetime]:
        return _dates.rrule_dates(self.rrule, self.timezone, n, start, end)


class NoSchedule(BaseModel):
    """No schedule (Prefect's placeholder type)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


SCHEDULE_TYPES = Union[IntervalSchedule, CronSchedule, RRuleSchedule]


def construct_schedule(
    interval: int | float | dt.timedelta | None = None,
    anchor_date: dt.datetime | str | None = None,
    cron: str | None = None,
    rrule: str | None = None,
    timezone: str | None = None,
) -> SCHEDULE_TYPES:
    """One schedule from Prefect's keyword form (``interval`` in seconds or a timedelta).

    Raises:
        ValueError: more than one kind given, none given, or an anchor/timezone without one.
    """
    if sum(entry is not None for entry in (interval, cron, rrule)) > 1:
        raise ValueError("Only one of interval, cron, or rrule can be provided.")
    if anchor_date and not interval:
        raise ValueError("An anchor date can only be provided with an interval schedule")
    if timezone and not (interval or cron or rrule):
        raise ValueError("A timezone can only be provided with interval, cron, or rrule")
    if interval:
        if isinstance(interval, (int, float)):
            interval = dt.timedelta(seconds=interval)
        anchor = anchor_date or dt.datetime.now(dt.timezone.utc)
        return IntervalSchedule.model_validate(
            {"interval": interval, "anchor_date": anchor, "timezone": timezone}
        )
    if cron:
        return CronSchedule(cron=cron, timezone=timezone)
    if rrule:
        return RRuleSchedule(rrule=rrule, timezone=timezone)
    raise ValueError("Either interval, cron, or rrule must be provided")


def parse_schedule(data: dict[str, Any]) -> SCHEDULE_TYPES:
    """The schedule object a stored JSON dict describes (by which key it has)."""
    if "interval" in data:
        return IntervalSchedule.model_validate(data)
    if "cron" in data:
        return CronSchedule.model_validate(data)
    if "rrule" in data:
        return RRuleSchedule.model_validate(data)
    raise ValueError(f"Not a schedule (no interval, cron or rrule): {data!r}")


__all__ = [
    "SCHEDULE_TYPES",
    "CronSchedule",
    "IntervalSchedule",
    "NoSchedule",
    "RRuleSchedule",
    "construct_schedule",
    "parse_schedule",
]
