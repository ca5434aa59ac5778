"""The schema form renderer: one golden per parameter type, and parsing the form back.

Goldens live in ``goldens/<case>.html``; ``UI_UPDATE_GOLDENS=1 pytest tests/ui`` rewrites
them (then look at the diff).
"""

from __future__ import annotations

import enum
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import pytest
from pydantic import BaseModel, Field

from riverrun.server.ui.forms import SECRET_UNCHANGED, parse_form, render_form
from riverrun.utilities.callables import parameter_schema

GOLDENS = Path(__file__).parent / "goldens"


class Region(enum.Enum):
    EU = "eu"
    US = "us"


class Target(BaseModel):
    host: str
    port: int = 5432


def p_literal(select: Literal["snd", "prd"] = "snd") -> None: ...
def p_enum(region: Region) -> None: ...
def p_list_literal(tables: list[Literal["users", "orders", "items"]] = ["users"]) -> None: ...  # noqa: B006
def p_bool(dry_run: bool = False) -> None: ...
def p_int_bounds(workers: Annotated[int, Field(ge=1, le=16)] = 4) -> None: ...
def p_float_bounds(ratio: Annotated[float, Field(gt=0, le=1)] = 0.5) -> None: ...
def p_datetime(min_date: datetime) -> None: ...
def p_date(day: date = date(2024, 5, 1)) -> None: ...
def p_optional(limit: Optional[int] = None) -> None: ...
def p_guide_none(max_date: datetime = None) -> None: ...  # type: ignore[assignment]  # noqa: RUF013
def p_union(key: int | str = 7) -> None: ...
def p_nested(target: Target) -> None: ...
def p_list(folders: list[str] = ["photos", "music"]) -> None: ...  # noqa: B006
def p_dict(options: dict[str, int] = {"retries": 2}) -> None: ...  # noqa: B006
def p_any(payload: Any = None) -> None: ...
def p_default_text(name: str = "daily export") -> None: ...


CASES = {fn.__name__[2:]: fn for fn in (p_literal, p_enum, p_list_literal, p_bool, p_int_bounds,
         p_float_bounds, p_datetime, p_date, p_optional, p_guide_none, p_union, p_nested, p_list,
         p_dict, p_any, p_default_text)}  # fmt: skip


def schema_of(fn: Any) -> dict[str, Any]:
    return parameter_schema(fn).model_dump_for_openapi()


def _strip_timezones(html: str) -> str:
    # The timezone list is the system's tz database; the golden keeps only its start.
    start = html.find('<datalist id="rr-timezones">')
    return html if start < 0 else html[:start] + '<datalist id="rr-timezones">…</datalist>'


@pytest.mark.parametrize("case", sorted(CASES))
def test_form_golden(case: str) -> None:
    html = _strip_timezones(str(render_form(schema_of(CASES[case]))))
    golden = GOLDENS / f"{case}.html"
    if os.environ.get("UI_UPDATE_GOLDENS") == "1":
        golden.write_text(html + "\n")
    assert html + "\n" == golden.read_text()


def _parse(fn: Any, pairs: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, str]]:
    return parse_form(schema_of(fn), pairs)


def test_literal_select_gives_the_value() -> None:
    assert _parse(p_literal, [("p.select", "prd")]) == ({"select": "prd"}, {})


def test_literal_outside_the_choices_is_an_error_at_its_field() -> None:
    _, errors = _parse(p_literal, [("p.select", "dev")])
    assert errors == {"p.select": "'dev' is not one of snd, prd."}


def test_multi_select_gives_a_list() -> None:
    assert _parse(p_list_literal, [("p.tables", "users"), ("p.tables", "items")])[0] == {
        "tables": ["users", "items"]
    }


def test_switch_off_sends_false() -> None:
    assert _parse(p_bool, [("p.dry_run", "false")])[0] == {"dry_run": False}
    assert _parse(p_bool, [("p.dry_run", "false"), ("p.dry_run", "true")])[0] == {"dry_run": True}


def test_number_outside_its_bounds_is_an_error_at_its_field() -> None:
    assert _parse(p_int_bounds, [("p.workers", "17")])[1] == {"p.workers": "Must be at most 16."}
    assert _parse(p_float_bounds, [("p.ratio", "0")])[1] == {"p.ratio": "Must be greater than 0."}


def test_not_a_number_is_an_error_at_its_field() -> None:
    assert _parse(p_int_bounds, [("p.workers", "four")])[1] == {
        "p.workers": "'four' is not a whole number."
    }


def test_datetime_takes_the_chosen_timezone() -> None:
    values, _ = _parse(
        p_datetime, [("p.min_date", "2024-05-01T08:30"), ("p.min_date.tz", "Europe/Paris")]
    )
    assert values == {"min_date": "2024-05-01T08:30:00+02:00"}


def test_datetime_with_an_unknown_timezone_is_an_error() -> None:
    _, errors = _parse(
        p_datetime, [("p.min_date", "2024-05-01T08:30"), ("p.min_date.tz", "Mars/Olympus")]
    )
    assert "Unknown timezone 'Mars/Olympus'" in errors["p.min_date"]


def test_required_datetime_left_empty_is_an_error() -> None:
    assert _parse(p_datetime, [("p.min_date", "")])[1] == {"p.min_date": "This field is required."}


def test_guide_none_default_left_empty_means_none() -> None:
    assert _parse(p_guide_none, [("p.max_date", ""), ("p.max_date.tz", "UTC")]) == (
        {"max_date": None},
        {},
    )


def test_empty_field_with_a_default_is_left_to_the_default() -> None:
    assert _parse(p_default_text, [("p.name", "")]) == ({}, {})


def test_union_takes_the_picked_variant() -> None:
    assert _parse(p_union, [("p.key.__variant", "1"), ("p.key.1", "abc")])[0] == {"key": "abc"}
    assert _parse(p_union, [("p.key.__variant", "0"), ("p.key.0", "x")])[1] == {
        "p.key": "'x' is not a whole number."
    }


def test_nested_model_parses_its_fields() -> None:
    values, errors = _parse(p_nested, [("p.target.host", "db"), ("p.target.port", "6432")])
    assert values == {"target": {"host": "db", "port": 6432}} and errors == {}


def test_list_rows_keep_their_order_and_skip_removed_rows() -> None:
    pairs = [("p.folders.0", "a"), ("p.folders.2", "c")]
    assert _parse(p_list, pairs)[0] == {"folders": ["a", "c"]}


def test_json_editor_rejects_invalid_json_at_its_field() -> None:
    _, errors = _parse(p_dict, [("p.options", "{retries: 2}")])
    assert errors["p.options"].startswith("Not valid JSON")


def test_secret_submitted_unchanged_keeps_its_value() -> None:
    schema = {"type": "object", "properties": {"token": {"type": "string", "format": "password", "writeOnly": True}},
              "required": ["token"]}  # fmt: skip
    html = str(render_form(schema, {"token": "s3cret"}))
    assert "s3cret" not in html and SECRET_UNCHANGED in html
    assert parse_form(schema, [("p.token", SECRET_UNCHANGED)], secrets={"token": "s3cret"})[0] == {
        "token": "s3cret"
    }


def test_server_errors_are_shown_at_their_field() -> None:
    html = str(
        render_form(schema_of(p_int_bounds), {"workers": 99}, {"p.workers": "Must be at most 16."})
    )
    assert (
        'aria-invalid="true"' in html
        and '<p class="field-error" id="f-p-workers-error" role="alert">Must be at most 16.</p>'
        in html
    )
