"""Which database errors mean "the data sent was bad" rather than "the server is broken".

The server answers those with 422; it asks here so that it never imports SQLAlchemy itself.
"""

from __future__ import annotations


def bad_data_errors() -> tuple[type[Exception], ...]:
    """Exception types raised when the database rejects a value (range, NUL byte, constraint)."""
    from sqlalchemy.exc import DataError, IntegrityError

    return (DataError, IntegrityError)
