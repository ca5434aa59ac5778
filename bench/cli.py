"""The ``python -m bench`` command: every scenario on both systems, alternated, as ratios.

For each case: an untimed warm-up process per system, then the counted repeats alternated
A B A B ... so that drift on the shared machine hits both systems alike. Every run is a
fresh subprocess with a fresh home. Each finished run is appended to
``<results>/<timestamp>.runs.jsonl`` at once, and ``<results>/<timestamp>.json`` (raw runs,
machine, versions, options) is rewritten after every case; a full run then writes
``docs/benchmarks.md`` and ``docs/img/benchmarks.png`` through ``bench.report``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench import machine, report, runner, servers
from bench.plan import CASES, NO_SERVER, SCENARIOS, SYSTEMS, Case, quick_cases


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run every scenario on riverrun and Prefect 3, alternated; report ratios.",
    )
    parser.add_argument("--repeats", type=int, default=5, help="counted repeats per case (5)")
    parser.add_argument(
        "--quick", action="store_true", help="every scenario once, at small sizes, no warm-up"
    )
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help="comma-separated: riverrun,prefect (default both)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="SCENARIO",
        help="run only this scenario, or one case as SCENARIO@N "
        f"(repeatable): {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--results-dir", type=Path, default=runner.BENCH / "results")
    parser.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write docs/benchmarks.md and the chart (default: unless --quick)",
    )
    args = parser.parse_args(argv)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(args.systems) - set(SYSTEMS)
    if unknown or not args.systems:
        parser.error(f"--systems takes riverrun and/or prefect, not {sorted(unknown)}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    keys = {c.key for c in CASES}
    for only in args.only or []:
        if only not in SCENARIOS and only not in keys:
            parser.error(
                f"--only {only!r}: not a scenario ({', '.join(SCENARIOS)}) "
                f"nor a case ({', '.join(sorted(keys))})"
            )
    if args.report is None:
        args.report = not args.quick
    return args


def log(message: str) -> None:
    """A progress line on stderr."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def schedule(case: Case, systems: list[str], repeats: int, quick: bool) -> list[tuple[str, bool]]:
    """The runs of one case, in order: warm-ups, then counted repeats alternated A B A B.

    Returns ``(system, is_warmup)`` pairs. Prefect's slow cases are capped at
    ``case.prefect_repeats`` and may skip the warm-up process.
    """
    if quick:
        return [(s, False) for s in systems]
    counts = {s: repeats for s in systems}
    if "prefect" in counts and case.prefect_repeats is not None:
        counts["prefect"] = min(repeats, case.prefect_repeats)
    order: list[tuple[str, bool]] = [
        (s, True) for s in systems if s != "prefect" or case.prefect_warmup
    ]
    for i in range(max(counts.values())):
        order += [(s, False) for s in systems if i < counts[s]]
    return order


@dataclass(frozen=True)
class Prepared:
    """A system's store for one case: a home (template of each run's copy) and, on
    PostgreSQL, the database URL that system reads it from."""

    home: Path
    db_url: str | None = None
    db_name: str | None = None


def prepare(
    case: Case,
    system: str,
    n: int | None,
    seeds: dict[tuple[Any, ...], Prepared],
    keep_open: ExitStack,
    stack: ExitStack,
    keep: Callable[[dict[str, Any]], None],
) -> Prepared | None:
    """The store ``system`` runs ``case`` on, or ``None`` if the case needs none prepared.

    Seeded stores go into ``seeds`` (kept open by ``keep_open`` for the whole benchmark), so
    cases on the same size, database and seeding share one seeding; other stores last for
    the case (``stack``). A ``launch`` case's store is migrated by one untimed first start.
    Raises ``RuntimeError`` when preparing fails (recorded by the caller).
    """
    if not (case.seeded or case.remote or case.launch):
        return None
    method = case.seed_method.get(system, runner.SEED_METHOD[system])
    key = (system, n, case.database, method)
    if case.seeded and key in seeds:
        return seeds[key]
    owner = keep_open if case.seeded else stack
    home = owner.enter_context(runner.temp_home(system))
    db_name = db_url = None
    if case.database == "postgres":
        db_name = owner.enter_context(servers.scratch_database(system))
        db_url = servers.database_url(system, db_name)
    prepared = Prepared(home, db_url, db_name)

    def setup(record: dict[str, Any], role: str) -> None:
        # Kept (with its role, so never counted) and logged; a failed setup ends the case.
        record["role"] = role
        keep(record)
        log(
            f"{case.key} {system}: {role} {record['status']} "
            f"({record['metrics'].get('wall_s', 0):.1f} s)"
        )
        if record["status"] != "ok":
            raise RuntimeError(f"{role} failed: {record.get('error')}")

    if case.seeded:
        log(f"{case.key} {system}: seeding {n} flow runs ({method}) ...")
        setup(runner.seed_home(case, system, n or 0, home, db_url), "seed")
        if db_name is not None:
            servers.analyze(db_name)
        seeds[key] = prepared
    if case.launch:
        setup(servers.launch(case, system, home, warmup=True, db_url=db_url), "migrate")
    return prepared


def run_case(
    case: Case,
    systems: list[str],
    args: argparse.Namespace,
    sink: list[dict[str, Any]],
    jsonl: Path,
    seeds: dict[tuple[Any, ...], Prepared],
    keep_open: ExitStack,
) -> None:
    """Run every run of ``case``, appending each record to ``sink`` and to ``jsonl``.

    Remote cases run against one server per system for the whole case, on a copy of the
    prepared home (SQLite) or on the prepared database (PostgreSQL); ``launch`` cases
    start the server once per run, on a fresh copy of the migrated home.
    """

    def keep(record: dict[str, Any]) -> None:
        sink.append(record)
        with jsonl.open("a") as f:
            f.write(json.dumps(record, default=str) + "\n")

    def skip(system: str, status: str, reason: str) -> None:
        keep(
            {
                "case": case.key,
                "scenario": case.scenario,
                "n": case.n,
                "system": system,
                "status": status,
                "reason": reason,
                "error": reason,
                "warmup": False,
            }
        )
        log(f"{case.key} {system}: {reason}")

    pg_problem = servers.postgres_problem() if case.database == "postgres" else None
    active = []
    for system in systems:
        reason = case.not_attempted.get(system)
        needs_server = case.remote or case.launch
        if needs_server and not reason and servers.server_command(system, 0) is None:
            reason = NO_SERVER.format(system=system)
        if reason:
            skip(system, "not_attempted", reason)
        elif pg_problem:
            skip(system, "not_attempted", f"not attempted: {pg_problem}")
        else:
            active.append(system)
    with ExitStack() as stack:
        stores: dict[str, Prepared | None] = {}
        urls: dict[str, str | None] = {s: None for s in active}
        for system in list(active):
            n = case.size_for(system, args.quick)
            try:
                stores[system] = store = prepare(case, system, n, seeds, keep_open, stack, keep)
                if case.remote and store is not None:
                    # SQLite: a copy, so the seeded template stays as seeded.
                    home = (
                        store.home
                        if store.db_url
                        else stack.enter_context(runner.temp_home(system, store.home))
                    )
                    urls[system] = stack.enter_context(
                        servers.server(system, home, db_url=store.db_url)
                    ).url
            except (RuntimeError, NotImplementedError) as exc:
                skip(system, "error", str(exc))
                active.remove(system)
        for system, warmup in schedule(case, active, args.repeats, args.quick) if active else ():
            n = case.size_for(system, args.quick)
            store = stores.get(system)
            template = store.home if store is not None and not case.remote else None
            extra: tuple[str, ...] = ()
            if case.seeded and store is not None:
                extra = (
                    "--seed-info",
                    str(store.home / "bench-seed.json"),
                    "--expect-runs",
                    str(n),
                )
            # Remote runs get an empty home of their own: the server holds the data.
            with runner.temp_home(system, template) as home:
                if case.launch:
                    record = servers.launch(
                        case, system, home, warmup=warmup, db_url=store.db_url if store else None
                    )
                else:
                    record = runner.run_program(
                        case,
                        system,
                        n,
                        home,
                        warmup=warmup,
                        extra_args=extra,
                        api_url=urls.get(system),
                    )
            keep(record)
            primary = record.get("metrics", {}).get(case.metrics[0])
            shown = f"{primary:.6g}" if isinstance(primary, (int, float)) else "-"
            log(
                f"{case.key} {system}{' warm-up' if warmup else ''}: {record['status']} "
                f"{case.metrics[0]}={shown} wall={record.get('metrics', {}).get('wall_s', 0):.1f}s"
                + (f" ({str(record.get('error'))[-300:]})" if record["status"] != "ok" else "")
            )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status (0 unless the harness itself failed)."""
    args = parse_args(argv)
    if "prefect" in args.systems:
        runner.ensure_prefect()
    cases = quick_cases() if args.quick else CASES
    if args.only:
        cases = tuple(c for c in cases if c.scenario in args.only or c.key in args.only)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.results_dir / f"{stamp}.json"
    jsonl = args.results_dir / f"{stamp}.runs.jsonl"
    results: dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(),
        "machine": machine.describe(args.systems),
        "versions": {s: runner.system_version(s) for s in args.systems},
        "commit": runner.git_commit(),
        "options": {
            "repeats": args.repeats,
            "quick": args.quick,
            "systems": args.systems,
            "only": args.only,
        },
        "cases": [report.case_descriptor(c, args.quick) for c in cases],
        "runs": [],
    }
    start = time.monotonic()
    seeds: dict[tuple[Any, ...], Prepared] = {}
    with ExitStack() as keep_open:
        for case in cases:
            log(f"== {case.key} ==")
            run_case(case, args.systems, args, results["runs"], jsonl, seeds, keep_open)
            results["elapsed_s"] = time.monotonic() - start
            out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    results["finished"] = datetime.now(timezone.utc).isoformat()
    out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    log(f"results: {out} ({results['elapsed_s']:.0f} s)")
    print(report.render_table(results))
    if args.report:
        md, png = report.write(results, results_path=out)
        log(f"report: {md}, chart: {png}")
    return 0
