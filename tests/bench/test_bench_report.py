"""The statistics, schedule, result parsing and report code of ``bench``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from bench.cli import schedule
from bench.plan import CASES, SCENARIOS, Case, quick_cases
from bench.stats import Summary, counted_values, percentile, ratio, summarize

from bench import report, runner


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 51)]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 99) == 50.0
    assert percentile([3.0], 99) == 3.0


@pytest.mark.parametrize("pct", [0, 101])
def test_percentile_rejects_out_of_range(pct: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], pct)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_summarize_gives_median_min_max_count() -> None:
    assert summarize([3, 1, 2, 10]) == Summary(2.5, 1.0, 10.0, 4)
    assert summarize([]) is None


def test_ratio_is_prefect_median_over_riverrun_median() -> None:
    assert ratio(Summary(10.0, 9, 11, 3), Summary(0.1, 0.1, 0.1, 5)) == pytest.approx(100)
    assert ratio(None, Summary(1, 1, 1, 1)) is None
    assert ratio(Summary(1, 1, 1, 1), None) is None
    assert ratio(Summary(1, 1, 1, 1), Summary(0, 0, 0, 1)) is None


def test_counted_values_skip_warmups_and_failures() -> None:
    runs = [
        {"status": "ok", "warmup": True, "metrics": {"x": 1}},
        {"status": "ok", "warmup": False, "metrics": {"x": 2}},
        {"status": "failed", "warmup": False, "metrics": {"x": 3}},
        {"status": "ok", "warmup": False, "metrics": {"y": 4}},
    ]
    assert counted_values(runs, "x") == [2.0]


def test_schedule_warms_up_then_alternates_and_caps_prefect() -> None:
    case = Case("s", "p.py", 10, ("m",), prefect_repeats=2)
    assert schedule(case, ["riverrun", "prefect"], 3, quick=False) == [
        ("riverrun", True),
        ("riverrun", False),
        ("prefect", False),
        ("riverrun", False),
        ("prefect", False),
        ("riverrun", False),
    ]


def test_schedule_in_quick_mode_runs_each_system_once() -> None:
    case = Case("s", "p.py", 10, ("m",), prefect_warmup=True)
    assert schedule(case, ["riverrun", "prefect"], 5, quick=True) == [
        ("riverrun", False),
        ("prefect", False),
    ]


def test_every_case_has_a_program_or_is_a_server_launch() -> None:
    for case in CASES:
        if case.launch:
            assert case.program == "", case.key
        else:
            assert (runner.SCENARIOS / case.program).is_file(), case.program


def test_quick_covers_every_scenario_on_sqlite() -> None:
    assert [c.scenario for c in quick_cases()] == list(SCENARIOS)
    assert {c.database for c in quick_cases()} == {"sqlite"}


def test_a_postgres_case_has_its_own_key() -> None:
    sqlite = Case("server_query", "query.py", 100_000, ("p99_s",))
    postgres = Case("server_query", "query.py", 100_000, ("p99_s",), database="postgres")
    assert sqlite.key == "server_query@100000"
    assert postgres.key == "server_query@100000/postgres"
    assert (
        Case("server_start", "", None, ("start_s",), database="postgres").key
        == "server_start/postgres"
    )
    assert len({c.key for c in CASES}) == len(CASES)


def test_parse_result_takes_the_last_result_line() -> None:
    out = 'noise\n{"bench_result": true, "ok": false}\nmore\n{"bench_result": true, "ok": true}\n'
    assert runner.parse_result(out) == {"bench_result": True, "ok": True}
    assert runner.parse_result("no result here") is None


def test_clean_env_names_the_database_in_each_systems_setting(tmp_path: Path) -> None:
    riverrun = runner.clean_env("riverrun", tmp_path, db_url="postgresql+psycopg://x/db")
    prefect = runner.clean_env("prefect", tmp_path, db_url="postgresql+asyncpg://x/db")
    assert riverrun["RIVERRUN_DATABASE_URL"] == "postgresql+psycopg://x/db"
    assert prefect["PREFECT_API_DATABASE_CONNECTION_URL"] == "postgresql+asyncpg://x/db"
    assert "RIVERRUN_DATABASE_URL" not in runner.clean_env("riverrun", tmp_path)


def test_clean_env_drops_callers_settings_and_sets_a_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://example.invalid/api")
    env = runner.clean_env("prefect", tmp_path)
    assert "PREFECT_API_URL" not in env
    assert env["PREFECT_HOME"] == str(tmp_path)
    assert not any(k.startswith("RIVERRUN_") for k in env)


def test_count_after_exit_groups_runs_by_state(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "prefect.db") as conn:
        conn.execute("CREATE TABLE flow_run (state_type TEXT)")
        conn.execute("CREATE TABLE task_run (state_type TEXT)")
        conn.execute("INSERT INTO flow_run VALUES ('COMPLETED')")
        conn.executemany(
            "INSERT INTO task_run VALUES (?)", [("COMPLETED",), ("completed",), ("RUNNING",)]
        )
    counted = runner.count_after_exit("prefect", tmp_path)
    assert counted["task_run"] == {"COMPLETED": 2, "RUNNING": 1}
    assert runner.count_after_exit("riverrun", tmp_path) == {"db_found": False}


def _run(
    case: str, system: str, value: float, metric: str = "per_task_s", status: str = "ok"
) -> dict[str, Any]:
    return {
        "case": case,
        "system": system,
        "status": status,
        "warmup": False,
        "n": 1000,
        "metrics": {metric: value},
    }


def _results() -> dict[str, Any]:
    cases = [
        report.case_descriptor(c, quick=False)
        for c in CASES
        if c.key in ("task_seq@1000", "task_seq@100000", "memory@10000")
    ]
    runs = [_run("task_seq@1000", "riverrun", v) for v in (20e-6, 25e-6, 30e-6)]
    runs += [_run("task_seq@1000", "prefect", v) for v in (5e-3, 6e-3)]
    runs += [
        _run("task_seq@100000", "riverrun", 22e-6),
        {
            "case": "task_seq@100000",
            "system": "prefect",
            "status": "not_attempted",
            "reason": "not attempted: too slow",
            "warmup": False,
        },
    ]
    runs += [
        _run("memory@10000", "riverrun", 40, "peak_rss_mb"),
        _run("memory@10000", "prefect", 200, "peak_rss_mb"),
    ]
    return {
        "cases": cases,
        "runs": runs,
        "options": {"repeats": 3},
        "machine": {},
        "versions": {"riverrun": "0.1.0", "prefect": "3.9.1"},
        "elapsed_s": 60,
    }


def test_table_has_medians_and_the_ratio() -> None:
    rows = {(r["case"], r["metric"]): r for r in report.table_rows(_results())}
    row = rows["task_seq@1000", "per_task_s"]
    assert row["riverrun"].median == pytest.approx(25e-6)
    assert row["ratio"] == pytest.approx(5.5e-3 / 25e-6)
    assert rows["task_seq@100000", "per_task_s"]["prefect_status"] == "not attempted"
    table = report.render_table(_results())
    assert "| task_seq | per task | 1,000 | 25.0 µs | 20.0 µs | 30.0 µs | 5.5 ms" in table
    assert "220x" in table


def test_targets_are_read_from_the_table() -> None:
    verdicts = {t: ok for t, _, ok in report.targets(_results())}
    assert verdicts["task_seq ≥ 100x faster (N=1,000)"] == "yes"
    assert verdicts["memory lower at every N both ran"] == "yes"
    assert verdicts["import ≥ 10x faster (`import X`)"] == "n/a"


def test_fmt_picks_a_readable_unit() -> None:
    assert report.fmt(12e-6, "s") == "12.0 µs"
    assert report.fmt(0.0123, "s") == "12.3 ms"
    assert report.fmt(12.3, "s") == "12.30 s"
    assert report.fmt(37.4, "MiB") == "37 MiB"
    assert report.fmt(None, "s") == "—"


def test_write_produces_the_page_and_the_chart(tmp_path: Path) -> None:
    md, png = report.write(_results(), None, tmp_path / "b.md", tmp_path / "img" / "b.png")
    text = md.read_text()
    assert "## Results" in text and "img/b.png" in text
    assert png.read_bytes().startswith(b"\x89PNG")


def test_merge_lets_a_later_file_replace_a_case() -> None:
    from bench.merge import merge

    first = _results()
    second = {
        "cases": [c for c in first["cases"] if c["key"] == "task_seq@100000"],
        "runs": [_run("task_seq@100000", "riverrun", 11e-6)],
        "elapsed_s": 30,
    }
    merged = merge([("a.json", first), ("b.json", second)])
    rows = {(r["case"], r["metric"]): r for r in report.table_rows(merged)}
    assert rows["task_seq@100000", "per_task_s"]["riverrun"].median == pytest.approx(11e-6)
    assert rows["task_seq@1000", "per_task_s"]["riverrun"].median == pytest.approx(25e-6)
    assert merged["elapsed_s"] == 90
    assert "b.json" in report.render_markdown(merged, None)


FLOW_RUNS = next(c.key for c in CASES if c.scenario == "server_flow_runs_per_s")


def _server_results() -> dict[str, Any]:
    keys = (FLOW_RUNS, "server_query@100000/postgres", "server_start")
    cases = [report.case_descriptor(c, quick=False) for c in CASES if c.key in keys]
    runs = [_run(FLOW_RUNS, "riverrun", v, "runs_per_s") for v in (50.0, 60.0, 70.0)]
    runs += [_run(FLOW_RUNS, "prefect", v, "runs_per_s") for v in (5.0, 7.0)]
    runs += [
        _run("server_query@100000/postgres", system, v, "p99_s")
        for system, v in (("riverrun", 0.02), ("prefect", 0.2))
    ]
    runs += [
        _run("server_start", "riverrun", 0.5, "start_s"),
        _run("server_start", "prefect", 6.0, "start_s"),
        {**_run("server_start", "prefect", 20.0, "start_s"), "role": "migrate"},
    ]
    return {
        "cases": cases,
        "runs": runs,
        "options": {"repeats": 3},
        "machine": {},
        "versions": {},
        "elapsed_s": 60,
    }


def test_a_rate_ratio_is_riverrun_over_prefect() -> None:
    rows = {(r["case"], r["metric"]): r for r in report.table_rows(_server_results())}
    row = rows[(FLOW_RUNS, "runs_per_s")]
    assert row["ratio"] == pytest.approx(60.0 / 6.0)
    assert row["ratio"] == pytest.approx(report.advantage(row["prefect"], row["riverrun"], "/s"))
    assert report.fmt(1234.4, "/s") == "1,234/s"


def test_a_metric_one_system_has_no_path_for_says_so() -> None:
    rows = {(r["case"], r["metric"]): r for r in report.table_rows(_server_results())}
    batched = rows[(FLOW_RUNS, "batched_runs_per_s")]
    assert batched["prefect_status"] == "no such path"


def test_postgres_rows_are_labelled_and_first_starts_are_not_counted() -> None:
    results = _server_results()
    table = report.render_table(results)
    assert "| server_query (PostgreSQL) | p99 call | 100,000 | 20.0 ms" in table
    start = next(r for r in report.table_rows(results) if r["case"] == "server_start")
    assert start["prefect"].median == pytest.approx(6.0)
    assert report.first_starts(results)[-2] == "- `server_start` prefect: 20.00 s"


def test_server_targets_read_riverrun_from_the_table() -> None:
    verdicts = {t: (m, ok) for t, m, ok in report.targets(_server_results())}
    assert verdicts["riverrun server start to healthy < 1 s (SQLite)"] == ("500.0 ms", "yes")
    assert verdicts[
        "riverrun server query p99 < 50 ms over 100,000 runs via HTTP (PostgreSQL)"
    ] == ("20.0 ms", "yes")
    assert verdicts["riverrun server start to healthy < 1 s (PostgreSQL)"][1] == "n/a"
