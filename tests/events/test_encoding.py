"""The one encoder: every value an event can hold, written as pydantic's JSON mode writes it,
read back by the server's models as the same value, and never an error."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import math
import pathlib
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from riverrun.schemas.encoding import dumps, jsonable


class Color(enum.Enum):
    RED = "red"
    ONE = 1


class Level(enum.IntEnum):
    LOW = 1


class Point(BaseModel):
    x: int
    at: dt.datetime


@dataclasses.dataclass
class Pair:
    left: int
    right: str


offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
datetimes = st.datetimes(timezones=st.none() | offsets | st.just(dt.timezone.utc))
times = st.times(timezones=st.none() | offsets)
decimals = st.decimals(allow_nan=False, allow_infinity=False) | st.decimals(
    places=2, allow_nan=False, allow_infinity=False
)
paths = st.lists(
    st.text(st.characters(blacklist_characters="/\x00"), min_size=1, max_size=8), max_size=4
).map(lambda parts: pathlib.Path("/", *parts))
models = st.builds(Point, x=st.integers(-(2**53), 2**53), at=datetimes)

# Each strategy with the type the server's side would read it back as.
TYPED: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (dt.datetime, datetimes),
    (dt.date, st.dates()),
    (dt.time, times),
    (dt.timedelta, st.timedeltas()),
    (uuid.UUID, st.uuids()),
    (decimal.Decimal, decimals),
    (Color, st.sampled_from(Color)),
    (Level, st.sampled_from(Level)),
    (pathlib.Path, paths),
    (set[int], st.sets(st.integers())),
    (frozenset[str], st.frozensets(st.text())),
    (bytes, st.text().map(str.encode)),
    (Point, models),
    (tuple[int, ...], st.lists(st.integers()).map(tuple)),
]
typed_values = st.one_of(*(strategy.map(lambda v, t=t: (t, v)) for t, strategy in TYPED))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(),
    *(strategy for _, strategy in TYPED),
    st.builds(Pair, st.integers(), st.text()),
)  # fmt: skip
keys = st.one_of(
    st.text(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.dates(),
    st.uuids(),
)
nested = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(keys, inner, max_size=4)
        | st.tuples(inner, inner)
    ),
    max_leaves=12,
)


@given(typed_values)
def test_each_value_is_written_as_pydantic_json_mode_writes_it(typed: tuple[Any, Any]) -> None:
    _, value = typed
    assert json.loads(dumps(value)) == json.loads(json.dumps(to_jsonable_python(value)))


@given(typed_values)
def test_the_server_side_reads_each_value_back_as_itself(typed: tuple[Any, Any]) -> None:
    type_, value = typed
    assert TypeAdapter(type_).validate_python(json.loads(dumps(value))) == value


@given(nested)
def test_jsonable_is_what_dumps_writes(value: Any) -> None:
    assert json.loads(dumps(value)) == jsonable(value)


@given(nested)
def test_the_text_reads_back_and_writes_again_unchanged(value: Any) -> None:
    text = dumps(value)
    assert json.dumps(json.loads(text), ensure_ascii=False) == text


def test_nan_and_infinity_are_written_as_python_json_writes_them() -> None:
    decoded = json.loads(dumps({"nan": math.nan, "inf": math.inf}))
    assert math.isnan(decoded["nan"]) and decoded["inf"] == math.inf


def test_bytes_that_are_not_utf8_keep_an_escape_instead_of_failing() -> None:
    assert json.loads(dumps(b"ok\xff")) == "ok\\xff"


def test_an_object_of_no_known_type_is_its_repr() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    assert json.loads(dumps({"x": Opaque()})) == {"x": "<opaque>"}


def test_a_broken_repr_still_encodes() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert (
        json.loads(dumps(Broken())) == "<test_a_broken_repr_still_encodes.<locals>.Broken object>"
    )


def test_a_container_holding_itself_encodes_with_a_marker() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    assert json.loads(dumps(loop)) == [1, "<circular reference to a list>"]


def test_keys_json_cannot_write_are_encoded_as_values() -> None:
    key = uuid.UUID(int=7)
    assert json.loads(dumps({dt.date(2026, 1, 2): 1, key: 2, (1, 2): 3})) == {
        "2026-01-02": 1, str(key): 2, "[1, 2]": 3,
    }  # fmt: skip
