"""``bench.servers``: process trees and their memory, database URLs, the PostgreSQL check."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bench import servers

# A child that starts a grandchild and prints its pid; the grandchild prints "ready" (to the
# same pipe); both then wait for their stdin to close.
GRANDCHILD = "import sys; print('ready', flush=True); sys.stdin.read()"
PARENT = (
    "import subprocess, sys; "
    f"c = subprocess.Popen([sys.executable, '-c', {GRANDCHILD!r}], stdin=subprocess.PIPE); "
    "print(c.pid, flush=True); sys.stdin.read(); c.stdin.close(); c.wait()"
)


@pytest.fixture
def family() -> Iterator[tuple[int, int]]:
    """A child process and its own child, both started and idle: ``(child, grandchild)``."""
    with subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stdin is not None
        grandchild = int(proc.stdout.readline())
        assert proc.stdout.readline().strip() == "ready"
        try:
            yield proc.pid, grandchild
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)


def test_process_tree_holds_the_process_and_its_descendants(family: tuple[int, int]) -> None:
    child, grandchild = family
    tree = servers.process_tree(child)
    assert tree == [child, grandchild]
    assert child in servers.process_tree(os.getpid())


def test_tree_rss_sums_every_process_of_the_tree(family: tuple[int, int]) -> None:
    child, grandchild = family
    total, count = servers.tree_rss_mib(child)
    assert count == 2
    assert total == pytest.approx(servers.rss_mib(child) + servers.rss_mib(grandchild), abs=1)
    assert servers.rss_mib(child) > 1


def test_rss_of_a_process_that_is_gone_is_zero() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert servers.rss_mib(int(proc.stdout)) == 0.0


def test_settled_rss_returns_once_the_samples_agree() -> None:
    rss, count, settle_s = servers.settled_rss_mib(
        os.getpid(), window=2, tolerance_mib=1e6, interval=0.001
    )
    assert rss > 1 and count >= 1 and settle_s >= 0


def test_each_system_reads_postgres_through_its_own_driver() -> None:
    assert servers.database_url("riverrun", "db1").startswith("postgresql+psycopg://")
    assert servers.database_url("prefect", "db1").startswith("postgresql+asyncpg://")
    assert servers.database_url("prefect", "db1").endswith("/db1")


def test_server_command_names_each_systems_own_cli() -> None:
    prefect = servers.server_command("prefect", 4321)
    assert prefect is not None and prefect[1:3] == ["server", "start"]
    assert prefect[-2:] == ["--port", "4321"]
    riverrun = servers.server_command("riverrun", 4321)
    assert riverrun is not None and riverrun[0].endswith("riverrun")


def test_scratch_database_is_dropped_afterwards() -> None:
    if servers.postgres_problem():
        pytest.skip("no PostgreSQL server to hold a scratch database")
    import psycopg

    def exists(name: str) -> bool:
        with psycopg.connect(servers.PG_ADMIN) as conn:
            return (
                conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
                is not None
            )

    with servers.scratch_database("riverrun") as name:
        assert exists(name)
    assert not exists(name)
