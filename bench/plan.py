"""What the benchmark runs: each scenario, its sizes, metrics, repeats and time limits.

Prefect's slow cases run fewer repeats and no cross-process warm-up, so that a full run
takes about an hour on a 2-core machine (~35 minutes without the ``server_*`` cases); each
such choice is written next to the case (``prefect_note``) and printed in
``docs/benchmarks.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SYSTEMS = ("riverrun", "prefect")


@dataclass(frozen=True)
class Case:
    """One scenario at one size.

    Attributes:
        scenario: the scenario's name (``task_seq``); several cases may share it.
        program: the file under ``bench/scenarios/`` that runs it.
        n: the size (tasks, flow runs, lines, seeded runs), or ``None``.
        metrics: the measurements tabulated, primary first (``wall_s`` is the parent's).
        unit: ``s`` for times, ``MiB`` for memory, ``runs`` for counts.
        n_by_system: a different size for one system (documented in ``prefect_note``).
        not_attempted: system -> why it is not run at this size.
        prefect_repeats: at most this many counted Prefect repeats.
        prefect_warmup: whether Prefect gets an untimed warm-up process (only where the
            cold start is what is measured; elsewhere the program's in-process warm-up
            serves, and the minutes go to counted repeats).
        args: extra arguments for the program.
        seeded: seed the store with ``n`` flow runs first (the query scenarios).
        seed_method: system -> how ``scenarios/seed.py`` seeds it (default: riverrun runs
            real flows, Prefect calls its server's model functions in-process).
        remote: run against the system's own server on loopback.
        launch: no program: each run is one launch of the system's server, timed by the
            harness to its first healthy answer (the server scenarios; see ``servers.py``).
        database: ``sqlite`` (the home's file) or ``postgres`` (a scratch database on the
            local PostgreSQL server, one per system, dropped afterwards).
        absent: ``system:metric`` -> why that system has no such measurement.
        after_exit: count the rows in the database file after the process exits.
        timeout: seconds before a run is killed and reported as timed out.
        quick_n: the size used by ``--quick``.
    """

    scenario: str
    program: str
    n: int | None
    metrics: tuple[str, ...]
    unit: str = "s"
    n_by_system: dict[str, int] = field(default_factory=dict)
    not_attempted: dict[str, str] = field(default_factory=dict)
    prefect_repeats: int | None = None
    prefect_warmup: bool = False
    prefect_note: str = ""
    args: tuple[str, ...] = ()
    seeded: bool = False
    seed_method: dict[str, str] = field(default_factory=dict)
    remote: bool = False
    launch: bool = False
    database: str = "sqlite"
    absent: dict[str, str] = field(default_factory=dict)
    after_exit: bool = False
    timeout: float = 600.0
    quick_n: int | None = None

    @property
    def key(self) -> str:
        """A stable identifier: ``task_seq@1000``, ``server_query@100000/postgres``."""
        key = self.scenario if self.n is None else f"{self.scenario}@{self.n}"
        return key if self.database == "sqlite" else f"{key}/{self.database}"

    def size_for(self, system: str, quick: bool) -> int | None:
        """The size ``system`` runs at."""
        if quick:
            return self.quick_n if self.quick_n is not None else self.n
        return self.n_by_system.get(system, self.n)


RIVERRUN_ONLY = "not attempted: would not finish within the 10-minute limit per run"
NO_SERVER = "not yet available: {system} has no server yet (checked at run time)"
SLOW = "3 counted Prefect repeats, no warm-up process (each run takes minutes)"
SLOWEST = (
    "2 counted Prefect repeats, no warm-up process (each run takes ~3 minutes, most "
    "of it waiting for task runs to reach its database)"
)
WAIT = (
    "3 counted Prefect repeats: each run takes ~40 s, half of it waiting for the task "
    "runs to reach its database"
)

CASES: tuple[Case, ...] = (
    Case(
        "import",
        "import_time.py",
        None,
        ("import_s", "import_flow_task_s", "wall_s"),
        prefect_warmup=True,
        timeout=120,
    ),
    Case(
        "first_run",
        "first_run.py",
        1,
        ("wall_s",),
        after_exit=True,
        prefect_warmup=True,
        timeout=300,
    ),
    Case(
        "flow_overhead",
        "flow_overhead.py",
        200,
        ("per_run_s",),
        n_by_system={"prefect": 30},
        prefect_repeats=3,
        quick_n=5,
        prefect_note="Prefect runs N=30 (each empty flow run takes ~1.1 s); " + SLOW,
    ),
    Case(
        "task_seq",
        "task_seq.py",
        1_000,
        ("per_task_s", "per_task_flow_s"),
        quick_n=50,
        prefect_repeats=3,
        prefect_note=WAIT,
    ),
    Case(
        "task_seq",
        "task_seq.py",
        10_000,
        ("per_task_s", "per_task_flow_s"),
        prefect_repeats=2,
        prefect_note=SLOWEST,
        quick_n=200,
    ),
    Case(
        "task_seq",
        "task_seq.py",
        100_000,
        ("per_task_s", "per_task_flow_s"),
        quick_n=500,
        not_attempted={"prefect": RIVERRUN_ONLY},
    ),
    Case(
        "task_map",
        "task_map.py",
        1_000,
        ("per_task_s",),
        quick_n=50,
        prefect_repeats=3,
        prefect_note=WAIT,
    ),
    Case(
        "task_map",
        "task_map.py",
        10_000,
        ("per_task_s",),
        prefect_repeats=2,
        prefect_note=SLOWEST,
        quick_n=200,
    ),
    Case(
        "subflows",
        "subflows.py",
        200,
        ("per_subflow_s",),
        n_by_system={"prefect": 30},
        prefect_repeats=3,
        quick_n=5,
        prefect_note="Prefect runs N=30 (each subflow run takes ~1.1 s); " + SLOW,
    ),
    Case("logs", "logs.py", 10_000, ("logs_s",), quick_n=200, prefect_repeats=3, prefect_note=WAIT),
    Case(
        "memory",
        "task_seq.py",
        10_000,
        ("peak_rss_mb",),
        unit="MiB",
        args=("--warmup", "0"),
        prefect_repeats=1,
        quick_n=200,
        prefect_note="1 Prefect run (~3 minutes), no warm-up process",
    ),
    Case(
        "memory",
        "task_seq.py",
        100_000,
        ("peak_rss_mb",),
        unit="MiB",
        args=("--warmup", "0"),
        quick_n=500,
        not_attempted={"prefect": RIVERRUN_ONLY},
    ),
    Case(
        "exit_durability",
        "first_run.py",
        1_000,
        ("task_runs_after_exit",),
        unit="runs",
        after_exit=True,
        prefect_repeats=3,
        quick_n=20,
    ),
    Case(
        "query",
        "query.py",
        10_000,
        ("median_s", "p99_s"),
        seeded=True,
        quick_n=200,
        prefect_note="seeded once per system, each run on a fresh copy of the seeded home",
    ),
    Case(
        "query",
        "query.py",
        100_000,
        ("median_s", "p99_s"),
        seeded=True,
        quick_n=500,
        not_attempted={"prefect": "not attempted: seeding 100,000 runs takes far over 10 minutes"},
    ),
    Case(
        "cli",
        "cli.py",
        100_000,
        (
            "flow_run_ls_s",
            "flow_ls_s",
            "flow_run_inspect_s",
            "flow_run_logs_s",
            "block_ls_s",
            "config_view_s",
            "version_s",
            "help_s",
        ),
        seeded=True,
        quick_n=200,
        prefect_repeats=1,
        args=("--calls", "3"),
        seed_method={"riverrun": "events", "prefect": "sql"},
        timeout=1200,
        prefect_note="both stores seeded in bulk, as for `server_query`; each command run "
        "1 + 3 times (median of 3), 1 counted Prefect run (each of its commands "
        "starts its temporary server, ~3 s)",
    ),
    Case(
        "remote_task_seq",
        "task_seq.py",
        1_000,
        ("per_task_s", "per_task_flow_s"),
        remote=True,
        quick_n=50,
        prefect_repeats=3,
        prefect_note="one `prefect server start` on loopback per case, 3 counted repeats",
    ),
    Case(
        "remote_task_seq",
        "task_seq.py",
        10_000,
        ("per_task_s", "per_task_flow_s"),
        remote=True,
        quick_n=200,
        not_attempted={
            "prefect": "not attempted: Prefect's N=10,000 task_seq already takes "
            "minutes per run; its remote per-task cost is the N=1,000 row"
        },
    ),
    Case(
        "dask_map",
        "cluster_map.py",
        1_000,
        ("per_task_s", "floor_per_task_s", "overhead_per_task_s"),
        args=("--runner", "dask"),
        n_by_system={"prefect": 200},
        quick_n=20,
        prefect_repeats=3,
        prefect_note="Prefect runs N=200 with prefect-dask 0.3.7 (~0.7 s per task run on this "
        "machine); 3 counted Prefect repeats",
    ),
    Case(
        "ray_map",
        "cluster_map.py",
        1_000,
        ("per_task_s", "floor_per_task_s", "overhead_per_task_s"),
        args=("--runner", "ray"),
        n_by_system={"prefect": 200},
        quick_n=20,
        prefect_repeats=3,
        timeout=900,
        prefect_note="Prefect runs N=200 with prefect-ray; 3 counted Prefect repeats",
    ),
    Case(
        "remote_query",
        "query.py",
        10_000,
        ("median_s", "p99_s"),
        seeded=True,
        remote=True,
        quick_n=200,
        prefect_repeats=3,
        prefect_note="one `prefect server start` on loopback serving a copy of the seeded home",
    ),
    Case(
        "deployments",
        "deployments.py",
        50,
        (
            "trigger_p50_s",
            "trigger_p99_s",
            "claim_p50_s",
            "claim_p99_s",
            "serve_cpu_per_run_s",
            "read_deployments_p50_s",
            "create_run_p50_s",
        ),
        quick_n=5,
        timeout=900,
        not_attempted={
            "prefect": "not attempted: Prefect's serve() needs its server; riverrun "
            "serves with the embedded store"
        },
    ),
)

ONE_AT_A_TIME = (
    "one client, one request at a time (Prefect got slower with 4 in flight "
    "on SQLite, riverrun faster)"
)
SERVER_START = (
    "each run one `prefect server start` (own `PREFECT_HOME`, UI off) on a "
    "database migrated by an untimed first start"
)


def _server_cases(database: str) -> tuple[Case, ...]:
    """The server scenarios on one database (SQLite: the home's file; or PostgreSQL)."""
    return (
        Case(
            "server_start",
            "",
            None,
            ("start_s",),
            launch=True,
            database=database,
            prefect_repeats=3,
            prefect_warmup=True,
            timeout=180,
            prefect_note=SERVER_START,
        ),
        Case(
            "server_idle_rss",
            "",
            None,
            ("idle_rss_mb",),
            unit="MiB",
            launch=True,
            database=database,
            prefect_repeats=3,
            timeout=180,
            prefect_note=SERVER_START + "; RSS summed over its process tree once settled",
        ),
        Case(
            "server_flow_runs_per_s",
            "server_flow_runs.py",
            500,
            ("runs_per_s", "batched_runs_per_s"),
            unit="/s",
            remote=True,
            database=database,
            n_by_system={"prefect": 200},
            quick_n=20,
            prefect_repeats=3,
            absent={
                "prefect:batched_runs_per_s": "no batched path: Prefect creates and moves flow runs one request each"
            },
            prefect_note="Prefect runs N=200 (~8 runs/s); "
            + ONE_AT_A_TIME
            + "; 3 counted Prefect repeats",
        ),
        Case(
            "server_events_per_s",
            "server_events.py",
            50_000,
            ("events_per_s", "accepted_per_s"),
            unit="/s",
            remote=True,
            database=database,
            n_by_system={"prefect": 5_000},
            quick_n=2_000,
            prefect_repeats=3,
            prefect_note="Prefect sends N=5,000 (its in-memory queue holds 10,000 per "
            "subscriber); 3 counted Prefect repeats",
        ),
        Case(
            "server_query",
            "query.py",
            100_000,
            ("median_s", "p99_s"),
            seeded=True,
            remote=True,
            database=database,
            quick_n=200,
            prefect_repeats=3,
            args=("--calls", "200"),
            seed_method={"riverrun": "events", "prefect": "sql"},
            prefect_note="both stores seeded in bulk (`server_query` above), once per system; "
            "3 counted Prefect repeats",
        ),
    )


CASES += _server_cases("sqlite") + _server_cases("postgres")

SCENARIOS: tuple[str, ...] = tuple(dict.fromkeys(c.scenario for c in CASES))


def quick_cases() -> tuple[Case, ...]:
    """One case per scenario (the smallest), for ``--quick``."""
    seen: dict[str, Case] = {}
    for case in CASES:
        seen.setdefault(case.scenario, case)
    return tuple(seen.values())
