"""Timestamps: timezone-aware UTC datetimes in the API, integer microseconds in the store."""

from __future__ import annotations

import time
from datetime import datetime, timezone

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now_us() -> int:
    """Microseconds since the Unix epoch, the store's timestamp unit."""
    return time.time_ns() // 1000


def now() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


def to_us(value: datetime) -> int:
    """Convert a datetime to epoch microseconds; naive datetimes are taken as local time."""
    if value.tzinfo is None:
        value = value.astimezone()
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> datetime:
    """Convert epoch microseconds to a timezone-aware UTC datetime."""
    # Whole seconds by integer division: ``value / 1e6`` is a float that can round up to the
    # next second (late in year 9999, past what a datetime holds).
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)
