"""When a schedule fires: pure functions of (schedule fields, start, end, n) to datetimes.

DST handling reproduces Prefect 3.9.1's schedule classes (``tests/schedules/prefect_dates.json``
records what they return):

- Intervals of less than a day are exact durations: an hourly interval fires every UTC hour,
  so local clocks show 1:00 twice in November and skip 2:00 in March.
- Intervals of whole days (and the day part of longer ones) keep the local wall-clock time:
  a daily 9:00 stays 9:00. A wall time that does not exist that day moves forward by the gap
  (2:30 becomes 3:30, and the series keeps 3:30, as Prefect's does); an ambiguous one resolves
  to the later (standard-time) instant, as pendulum does for Prefect.
- Cron and RRule follow the wall clock: each wall time fires once; a nonexistent one fires at
  the instant the gap shifts it to (2:30 → 3:30), an ambiguous one at its first occurrence.
  (Prefect's RRule fires a nonexistent 2:30 at 1:30 standard time, an hour *before* the gap,
  an artefact of dateutil's timezones; riverrun treats RRule like cron — see
  ``docs/compatibility.md``.)

Only stdlib ``zoneinfo``, ``croniter`` and ``dateutil`` are used; nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice, takewhile
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = dt.timezone.utc
# Candidate dates examined per call, as Prefect (``MAX_ITERATIONS``).
MAX_ITERATIONS = 1000
# RRule's implicit anchor when the rule has no DTSTART (Prefect's ``DEFAULT_ANCHOR_DATE``).
DEFAULT_RRULE_ANCHOR = dt.datetime(2020, 1, 1)
MAX_RRULE_LENGTH = 6500
_ONE_SECOND = dt.timedelta(seconds=1)
# Longest DST shift in tzdata is 2 h (Antarctica/Troll); look this far back for a transition.
_TRANSITION_WINDOW = dt.timedelta(hours=3)


class ScheduleError(ValueError):
    """A cron, rrule or timezone string that cannot be scheduled (the message says the fix)."""


# -- validation ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name (``None`` is UTC).

    Raises:
        ScheduleError: the name is not an IANA timezone.
    """
    key = name or "UTC"
    if key not in _timezones():
        raise ScheduleError(
            f'Invalid timezone: "{key}" (specify in IANA tzdata format, for example, '
            "America/New_York)"
        )
    try:
        return ZoneInfo(key)
    except ZoneInfoNotFoundError as exc:  # listed but unreadable: a broken tzdata install
        raise ScheduleError(f'Timezone "{key}" has no tzdata file: {exc}') from exc


def validate_timezone(name: str | None) -> str | None:
    """``name`` unchanged if it is an IANA timezone (or None); else a ``ScheduleError``."""
    if name is not None:
        zone(name)
    return name


def validate_cron(expression: str) -> str:
    """``expression`` unchanged if croniter accepts it; random/hashed forms are refused.

    Raises:
        ScheduleError: naming the expression and what is wrong with it.
    """
    from croniter import croniter

    fields = expression.split()
    if any(field.casefold() in ("r", "h") for field in fields):
        raise ScheduleError(
            f'Random and Hashed expressions are unsupported, received: "{expression}"'
        )
    if not croniter.is_valid(expression):
        raise ScheduleError(
            f'Invalid cron string: "{expression}". Use five fields, minute hour day-of-month '
            'month day-of-week, for example "0 9 * * 1-5" (9:00 on weekdays), or @hourly, '
            "@daily, @weekly, @monthly, @yearly."
        )
    return expression


def validate_rrule(rule: str) -> str:
    """``rule`` unchanged if dateutil parses it and it is not too long.

    Raises:
        ScheduleError: naming the rule and dateutil's complaint.
    """
    import dateutil.rrule

    try:
        dateutil.rrule.rrulestr(rule, cache=True)
    except (ValueError, TypeError) as exc:
        raise ScheduleError(
            f'Invalid RRule string "{rule}": {exc}. Write it as RFC 5545 says, for example '
            '"FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9".'
        ) from exc
    if len(rule) > MAX_RRULE_LENGTH:
        raise ScheduleError(
            f'Invalid RRule string "{rule[:40]}...": max length is {MAX_RRULE_LENGTH}, got '
            f"{len(rule)}; use a shorter rule or several schedules."
        )
    return rule


# -- local time --------------------------------------------------------------------------------------
def _aware(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """``value`` in ``tz``; a naive value is read as UTC (as Prefect's schedules read it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def resolve(wall: dt.datetime, tz: ZoneInfo, *, later_fold: bool = False) -> dt.datetime:
    """The instant a naive wall time means in ``tz``, normalised (so it prints its real offset).

    A wall time inside a spring-forward gap moves forward by the gap; an ambiguous one is its
    first occurrence, or the second with ``later_fold`` (what pendulum does for intervals).
    """
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    first_offset, second_offset = first.utcoffset(), second.utcoffset()
    chosen = first
    if first_offset != second_offset and later_fold:
        assert first_offset is not None and second_offset is not None
        # fold=0 has the larger offset only in a fold (fall back); in a gap fold=0 is the
        # pre-gap offset, which moves the wall time forward, as wanted.
        if first_offset > second_offset:
            chosen = second
    return chosen.astimezone(UTC).astimezone(tz)


def _recent_transition(tz: ZoneInfo, instant: dt.datetime) -> tuple[dt.datetime, float] | None:
    """The offset change within ``_TRANSITION_WINDOW`` before ``instant``: (when, seconds).

    ``seconds`` is positive for a spring-forward gap, negative for a fall-back fold.
    """
    utc = instant.astimezone(UTC)
    now_offset = utc.astimezone(tz).utcoffset()
    then_offset = (utc - _TRANSITION_WINDOW).astimezone(tz).utcoffset()
    if now_offset == then_offset or now_offset is None or then_offset is None:
        return None
    low, high = int((utc - _TRANSITION_WINDOW).timestamp()), int(utc.timestamp())
    while high - low > 1:  # offset(low) == then, offset(high) == now
        mid = (low + high) // 2
        if dt.datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == now_offset:
            high = mid
        else:
            low = mid
    return dt.datetime.fromtimestamp(high, UTC), (now_offset - then_offset).total_seconds()


def _bounds(
    tz: ZoneInfo, n: int | None, start: dt.datetime | None, end: dt.datetime | None
) -> tuple[int, dt.datetime, dt.datetime | None]:
    if n is None:
        n = MAX_ITERATIONS if end is not None else 1
    start_tz = _aware(start if start is not None else dt.datetime.now(UTC), tz)
    end_tz = _aware(end, tz) if end is not None else None
    return n, start_tz, end_tz


def _collect(
    candidates: Iterable[dt.datetime], n: int, start: dt.datetime, end: dt.datetime | None
) -> list[dt.datetime]:
    """The first ``n`` distinct candidates in [start, end], sorted (Prefect's loop).

    Distinct means a distinct wall time: Prefect's sets of same-zone datetimes compare wall
    times, so an hourly interval fires at the first 1:00 of a fall-back night and not at the
    second (measured; its docstring says otherwise).
    """
    start_utc = start.astimezone(UTC)
    end_utc = end.astimezone(UTC) if end is not None else None
    found: dict[dt.datetime, dt.datetime] = {}
    for candidate in islice(candidates, MAX_ITERATIONS + 2):
        when = candidate.astimezone(UTC)
        if end_utc is not None and when > end_utc:
            break
        if when >= start_utc:
            found.setdefault(candidate.replace(tzinfo=None), candidate)
        if len(found) >= n:
            break
    return sorted(found.values(), key=lambda d: d.astimezone(UTC))


# -- interval ----------------------------------------------------------------------------------------
def interval_dates(
    interval: dt.timedelta,
    anchor_date: dt.datetime,
    timezone: str | None,
    n: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[dt.datetime]:
    """Dates of ``anchor_date + k * interval`` in [start, end], at most ``n`` (default 1).

    Args:
        interval: a positive duration.
        anchor_date: where the series is counted from; naive means UTC.
        timezone: IANA name; None means the anchor's zone, else UTC.
        n: how many dates (default: 1, or up to 1,000 when ``end`` is given).
        start: the first date is on or after this (default: now).
        end: no date is after this.
    """
    if interval <= dt.timedelta(0):
        raise ScheduleError(f"An interval must be positive, got {interval}.")
    tz = zone(timezone or _zone_name(anchor_date))
    n, start_tz, end_tz = _bounds(tz, n, start, end)
    anchor = _aware(anchor_date, tz)
    days = interval.days
    seconds = interval.total_seconds() - days * 86400
    total = interval.total_seconds()

    def add(when: dt.datetime, add_days: float, add_seconds: float) -> dt.datetime:
        # pendulum's ``add``: with a day part the whole step is wall-clock arithmetic.
        if add_days:
            wall = when.replace(tzinfo=None) + dt.timedelta(days=add_days, seconds=add_seconds)
            return resolve(wall, tz, later_fold=True)
        return (when.astimezone(UTC) + dt.timedelta(seconds=add_seconds)).astimezone(tz)

    def jump(count: int) -> dt.datetime:
        if days == 0 or seconds == 0:
            return add(anchor, days * count, seconds * count)
        return add(anchor, 0, total * count)

    def before(a: dt.datetime, b: dt.datetime) -> bool:
        return a.astimezone(UTC) < b.astimezone(UTC)

    offset = 0
    if not before(start_tz, anchor) and days and not seconds and tz.key != "UTC":
        # A wall time normalised at a gap keeps its new hour for the rest of the series, so
        # walk from the anchor (Prefect's ``_seek_calendar_interval`` lands on the same dates).
        current = anchor
        while before(current, start_tz):
            current = add(current, days, 0)
        current_date = current
    else:
        offset = int((start_tz - anchor).total_seconds() / total)
        current_date = jump(offset)
        while before(start_tz, current_date):
            offset -= 1
            current_date = jump(offset)
    before_anchor_days = before(start_tz, anchor) and days != 0 and seconds == 0

    def following(when: dt.datetime) -> dt.datetime:
        nonlocal offset
        if before_anchor_days and offset < 0:
            offset += 1
            return jump(offset)
        return add(when, days, seconds)

    while before(current_date, start_tz):
        current_date = following(current_date)

    def series() -> Iterator[dt.datetime]:
        when = current_date
        while True:
            yield when
            when = following(when)

    return _collect(series(), n, start_tz, end_tz)


def _zone_name(anchor: dt.datetime) -> str:
    """The IANA zone an anchor carries (Prefect's default timezone), else UTC."""
    key = getattr(anchor.tzinfo, "key", None)
    return key if isinstance(key, str) and key in _timezones() else "UTC"


# -- cron ----------------------------------------------------------------------------------------------
def cron_dates(
    cron: str,
    timezone: str | None,
    day_or: bool = True,
    n: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[dt.datetime]:
    """Dates a cron expression fires in [start, end], at most ``n`` (default 1).

    Each matching wall time in ``timezone`` fires once (see the module docstring for DST).
    """
    from croniter import croniter

    tz = zone(timezone)
    n, start_tz, end_tz = _bounds(tz, n, start, end)
    start_wall = start_tz.replace(tzinfo=None) - _ONE_SECOND
    if start_tz.microsecond:
        start_wall += _ONE_SECOND
    # In UTC: aware arithmetic in one zone drops ``fold`` and would misread a repeated hour.
    start_utc = start_tz.astimezone(UTC)
    transition = _recent_transition(tz, start_utc + _ONE_SECOND)
    since = (start_utc - transition[0]).total_seconds() if transition else -1.0
    if transition and 0 <= since < -transition[1]:
        # start is in the second pass of a repeated hour: its wall times already fired.
        fold_end = transition[0].astimezone(tz).replace(tzinfo=None) - dt.timedelta(
            seconds=transition[1]
        )
        start_wall = fold_end - _ONE_SECOND

    def walls(after: dt.datetime) -> Iterator[dt.datetime]:
        itr = croniter(cron, after, day_or=day_or)
        while True:
            yield itr.get_next(dt.datetime)

    candidates: Iterator[dt.datetime] = (resolve(w, tz) for w in walls(start_wall))
    if transition and 0 <= since < transition[1]:
        # start is just after a gap: wall times inside it were shifted to after start.
        gap_end = transition[0].astimezone(tz).replace(tzinfo=None)
        shifted = takewhile(
            lambda wall: wall < gap_end,
            walls(start_wall - dt.timedelta(seconds=transition[1])),
        )
        candidates = heapq.merge(
            (resolve(w, tz) for w in shifted), candidates, key=lambda d: d.astimezone(UTC)
        )
    return _collect(candidates, n, start_tz, end_tz)


# -- rrule ---------------------------------------------------------------------------------------------
def rrule_dates(
    rule: str,
    timezone: str | None,
    n: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[dt.datetime]:
    """Dates an RFC 5545 rule fires in [start, end], at most ``n`` (default 1).

    The rule's wall times are read in ``timezone`` (default UTC); without DTSTART it is
    anchored at 2020-01-01 00:00, as Prefect's.
    """
    tz = zone(timezone)
    n, start_tz, end_tz = _bounds(tz, n, start, end)
    parsed = _localized_rrule(rule, tz.key)
    start_walltz = start_tz.astimezone(_dateutil_zone(tz.key))
    generated = parsed.xafter(start_walltz, count=None, inc=True)
    return _collect((resolve(d.replace(tzinfo=None), tz) for d in generated), n, start_tz, end_tz)


@lru_cache(maxsize=256)
def _dateutil_zone(key: str) -> dt.tzinfo:
    import dateutil.tz

    found = dateutil.tz.gettz(key)
    assert found is not None  # key was validated by zone()
    return found


def _localized_rrule(rule: str, key: str) -> _RRuleLike:
    """The parsed rule with its DTSTART, UNTIL and dates read in the schedule's zone."""
    import dateutil.rrule

    tzinfo = _dateutil_zone(key)
    parsed = dateutil.rrule.rrulestr(rule, dtstart=DEFAULT_RRULE_ANCHOR, cache=True)

    def localize(one: dateutil.rrule.rrule) -> dateutil.rrule.rrule:
        changes: dict[str, dt.datetime] = {"dtstart": one._dtstart.replace(tzinfo=tzinfo)}
        if one._until:
            changes["until"] = one._until.replace(tzinfo=tzinfo)
        return one.replace(**changes)

    if isinstance(parsed, dateutil.rrule.rrule):
        return localize(parsed)
    localized = dateutil.rrule.rruleset(cache=True)
    for one in parsed._rrule:
        localized.rrule(localize(one))
    for one in parsed._exrule:
        localized.exrule(localize(one))
    for when in parsed._rdate:
        localized.rdate(when.replace(tzinfo=tzinfo))
    for when in parsed._exdate:
        localized.exdate(when.replace(tzinfo=tzinfo))
    return localized


class _RRuleLike(Protocol):
    """What ``rrule_dates`` needs of a dateutil rule or rule set (for type checkers)."""

    def xafter(
        self, dt: dt.datetime, count: int | None = None, inc: bool = False
    ) -> Iterator[dt.datetime]: ...
