"""Real servers for tests and measurements: a uvicorn subprocess on a free loopback port.

Used by the server tests, the client suite (run once per backend) and the bench's server cases.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
_START = "import sys; from riverrun._cli.main import app; sys.exit(app())"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``riverrun server start`` in a subprocess, with its own RIVERRUN_HOME and log file.

    Args:
        home: the server's RIVERRUN_HOME (its SQLite file lives there by default).
        database_url: RIVERRUN_DATABASE_URL, or None for the embedded file.
        auth: set RIVERRUN_SERVER_AUTH=true.
        env: further environment variables.
        args: further ``server start`` options.
    """

    def __init__(self, home: Path, database_url: str | None = None, *, auth: bool = False,
                 env: dict[str, str] | None = None, args: list[str] | None = None,
                 port: int | None = None) -> None:  # fmt: skip
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.log_path = self.home / f"server-{self.port}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
        self.env["RIVERRUN_HOME"] = str(self.home)
        if database_url:
            self.env["RIVERRUN_DATABASE_URL"] = database_url
        if auth:
            self.env["RIVERRUN_SERVER_AUTH"] = "true"
        self.env.update(env or {})
        self.args = list(args or [])
        self._proc: subprocess.Popen[bytes] | None = None
        self.started_in: float | None = None

    @property
    def api_url(self) -> str:
        """The API's base URL (what RIVERRUN_API_URL is set to)."""
        return f"http://{self.host}:{self.port}/api"

    @property
    def pid(self) -> int | None:
        """The server process's ID while it runs."""
        return None if self._proc is None else self._proc.pid

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a ``riverrun`` command with the server's environment (keys, retention...)."""
        return subprocess.run([sys.executable, "-c", _START, *args], env=self.env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    def start(self, timeout: float = 90.0) -> ServerProcess:
        """Launch the server and wait (at most ``timeout`` s) until ``/api/health`` answers."""
        import httpx

        cmd = [sys.executable, "-c", _START, "server", "start", "--host", self.host,
               "--port", str(self.port), *self.args]  # fmt: skip
        log = self.log_path.open("ab")
        began = time.perf_counter()
        self._proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = began + timeout
        # One client for the whole wait: a new one per try loads the CA bundle each time.
        try:
            with httpx.Client(timeout=1.0, trust_env=False) as client:
                while True:
                    if self._proc.poll() is not None:
                        raise RuntimeError(
                            f"The server exited with {self._proc.returncode}:\n{self.log()}"
                        )
                    try:
                        if client.get(f"{self.api_url}/health").status_code == 200:
                            self.started_in = time.perf_counter() - began
                            return self
                    except httpx.TransportError:
                        pass
                    if time.perf_counter() > deadline:
                        raise TimeoutError(
                            f"The server did not answer within {timeout} s:\n{self.log()}"
                        )
                    time.sleep(0.02)
        except BaseException:
            self.stop()  # a failed start (or a test's timeout) leaves no server behind
            raise

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def __enter__(self) -> ServerProcess:
        return self.start() if self._proc is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def create_pg_database(prefix: str = "riverrun_test") -> str:
    """A new, empty PostgreSQL database on the local server; returns its name."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    """Drop a database made by ``create_pg_database`` (even with connections open)."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_url(name: str) -> str:
    """The store URL of a local PostgreSQL database."""
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@contextmanager
def scratch_postgres(prefix: str = "riverrun_test") -> Iterator[str]:
    """A scratch PostgreSQL database's URL, dropped afterwards."""
    name = create_pg_database(prefix)
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


_DATA_TABLES = ("event", "automation_action", "automation", "log", "artifact", "variable",
                "task_run_tag", "task_run_state", "flow_run_tag", "flow_run_state", "flow_run_input",
                "task_run", "flow_run", "sla", "deployment_schedule", "deployment", "block_document", "block_schema",
                "block_type", "flow", "worker", "work_queue", "work_pool", "concurrency_lease", "concurrency_limit")  # fmt: skip


def clear_data(url: str) -> None:
    """Delete every run, flow, variable and block in a store (API keys stay)."""
    from riverrun._store.service import open_store

    store = open_store(url)
    with store.begin() as conn:
        for table in _DATA_TABLES:
            conn.execute(store.text(f"DELETE FROM {table}"))
