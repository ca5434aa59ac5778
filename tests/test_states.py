"""States: their time as a datetime and as the store's microseconds agree."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from riverrun.states import Completed, Running, State


def test_a_new_state_is_timestamped_now_in_utc() -> None:
    before = datetime.now(timezone.utc)
    state = Running()
    after = datetime.now(timezone.utc)
    assert state.timestamp.tzinfo is not None
    assert before - timedelta(microseconds=1) <= state.timestamp <= after


def test_timestamp_and_timestamp_us_name_the_same_moment() -> None:
    state = Completed()
    since_epoch = state.timestamp - datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert since_epoch // timedelta(microseconds=1) == state.timestamp_us


def test_setting_the_timestamp_moves_timestamp_us_too() -> None:
    state = Completed()
    state.timestamp = datetime(2030, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert state.timestamp_us == 1_893_553_445_000_006


def test_a_copy_keeps_the_timestamp() -> None:
    given = datetime(2030, 1, 2, tzinfo=timezone.utc)
    state = State("COMPLETED", timestamp=given)
    assert state.model_copy(update={"message": "m"}).timestamp == given
