"""Run an ingest plan on stdlib ``sqlite3`` with a few large statements, not one per row.

``executemany`` gives the GIL back around every row's ``sqlite3_step`` and must win it
back before binding the next row. While a flow's thread runs Python flat out, each of those
hand-backs waits out the interpreter's switch interval (5 ms), so the recorder's writer
managed a few hundred rows a second and its work piled up until the flow's end. Here a
step's rows are bound in one go to a multi-row ``VALUES`` list, and one ``sqlite3_step``
writes them all without the GIL: the writer does its SQLite work on the other core while
the flow keeps running, and binding by position is cheaper than by name as well.

The bulk statement is derived mechanically from the step's ``:named`` SQL in ``ingest.py``,
so both forms mean the same thing; a step the rewrite does not cover runs through
``executemany`` as before.
"""

from __future__ import annotations

import functools
import re
import sqlite3

from riverrun._store.ingest import Plan

_PARAM = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")
_VALUES_THEN_CONFLICT = re.compile(r"\bVALUES\s*\((.*)\)\s*(ON CONFLICT\b)", re.S)
_RUN_SOURCE = re.compile(r"\bFROM (\w+) AS run WHERE\b")
_UPDATE_WHERE = re.compile(r"^(\s*UPDATE\b.*?)(\bWHERE\b.*)$", re.S)

# SQLite before 3.32 allowed 999 bound parameters per statement, later builds 32,766 or
# more.
_MAX_PARAMS = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999
# Compiling a shape the first time costs ~7 µs per row of a task run's 23 columns (13 ms at
# 1,024 rows), paid again by every process; past ~100 rows, a statement runs no faster per
# row. At 128 rows a flow of 1,000 tasks spent 48 µs a task, against 67 µs at 2,048.
_MAX_ROWS = 128
_SOURCE = "__rows__"


class BulkStatement:
    """One ingest statement rewritten to read its rows from ``(VALUES ...) AS v``.

    Attributes:
        names: the row keys bound to ``v.column1``, ``v.column2``... in that order.
        max_rows: the most rows one statement takes.
    """

    __slots__ = ("names", "max_rows", "_template", "_texts")

    def __init__(self, names: tuple[str, ...], template: str, max_rows: int) -> None:
        self.names = names
        self.max_rows = max_rows
        self._template = template
        self._texts: dict[int, str] = {}

    def sql(self, rows: int) -> str:
        """The statement for exactly ``rows`` rows of bound values."""
        text = self._texts.get(rows)
        if text is None:
            group = "(" + ",".join("?" * len(self.names)) + ")"
            values = f"(VALUES {','.join([group] * rows)}) AS v"
            text = self._texts[rows] = self._template.replace(_SOURCE, values)
        return text


@functools.cache
def bulk_form(sql: str) -> BulkStatement | None:
    """The multi-row form of one ingest statement, or None if the rewrite does not cover it.

    ``INSERT ... VALUES (...) ON CONFLICT`` becomes ``INSERT ... SELECT ... FROM (VALUES
    ...) AS v WHERE v.column1 IS NOT NULL ON CONFLICT``; ``INSERT ... SELECT ... FROM t AS
    run WHERE`` reads the values first and joins ``run`` to them; ``UPDATE t SET ... WHERE``
    gains ``FROM (VALUES ...) AS v``. Each ``:name`` becomes the values' column for it.
    """
    values = _VALUES_THEN_CONFLICT.search(sql)
    run_source = _RUN_SOURCE.search(sql)
    update = _UPDATE_WHERE.match(sql)
    if values is not None:
        # Padding rows are all NULL; every bulk INSERT's first parameter is a key.
        shaped = (
            sql[: values.start()]
            + f"SELECT {values.group(1)} FROM {_SOURCE} WHERE v.column1 IS NOT NULL "
            + sql[values.start(2) :]
        )
    elif run_source is not None:
        shaped = _RUN_SOURCE.sub(
            lambda m: f"FROM {_SOURCE} CROSS JOIN {m.group(1)} AS run WHERE", sql
        )
    elif update is not None:
        shaped = f"{update.group(1)}FROM {_SOURCE} {update.group(2)}"
    else:
        return None
    names = tuple(dict.fromkeys(_PARAM.findall(shaped)))
    column = {name: f"v.column{i}" for i, name in enumerate(names, start=1)}
    template = _PARAM.sub(lambda m: column[m.group(1)], shaped)
    return BulkStatement(names, template, max(1, min(_MAX_ROWS, _MAX_PARAMS // len(names))))


def apply_bulk(steps: Plan, cursor: sqlite3.Cursor) -> None:
    """Execute a plan (inside the caller's transaction) in as few statements as it allows.

    Rows go in chunks of the statement's maximum; the last chunk is padded with NULL rows
    up to a power of two, so a statement has only eight shapes for SQLite's statement
    cache to hold, and the padding matches no run and passes no key filter.
    """
    for sql, rows in steps:
        form = bulk_form(sql) if len(rows) > 1 else None
        if form is None:
            cursor.executemany(sql, rows)
            continue
        names = form.names
        for start in range(0, len(rows), form.max_rows):
            chunk = rows[start : start + form.max_rows]
            size = min(form.max_rows, 1 << (len(chunk) - 1).bit_length())
            params = [row[name] for row in chunk for name in names]
            params.extend([None] * ((size - len(chunk)) * len(names)))
            cursor.execute(form.sql(size), params)
