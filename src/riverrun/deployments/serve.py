"""``serve()``: a process that schedules and runs its deployments, with no server needed.

The loop, with the embedded store (or ``RIVERRUN_DATABASE_URL``):

- keeps every schedule materialised ahead and marks late runs (the store-level scheduler,
  idempotent, so two serving processes on one store never double-schedule);
- claims due runs (catchup and overlap policies applied) and starts each in a subprocess
  from the deployment's entrypoint, at most ``limit`` at once: a fork of a fork server that
  has imported riverrun (``_launch.py``), so runs back to back each start in milliseconds;
- wakes within ~50 ms of any commit to the SQLite file by watching ``PRAGMA data_version``
  on a read connection (a few microseconds a check), so a triggered run starts well within
  a second — no 10 s poll; on PostgreSQL or against a server it checks every 0.5 s;
- checks its deployments' SLAs every ``RIVERRUN_SERVER_SERVICES_SLA_LOOP_SECONDS`` (5 s) and
  records violations, which this process's automations then act on.

Against a server (``RIVERRUN_API_URL``) the server's scheduler and SLA services do those; this
process claims and runs, through the same operations over HTTP.
- on Ctrl-C or SIGTERM stops its subprocesses, marks their unfinished runs ``Crashed``, and
  with ``pause_on_shutdown`` pauses the deployments no other live process serves.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from riverrun._internal.signals import stop_on_signals
from riverrun.deployments._launch import (
    Launcher,
    RunProcess,
    child_env,
    exit_description,
    wait_or_kill,
)
from riverrun.deployments._launch import terminate as _terminate
from riverrun.deployments.runner import RunnerDeployment

SCHEDULER_INTERVAL_S = 10.0
_FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


class Runner:
    """Serves deployments: schedules them, claims their runs, runs each in a subprocess.

    Args:
        deployments: what to serve (``flow.to_deployment(...)`` results).
        limit: at most this many runs at once (None: no limit).
        pause_on_shutdown: pause the deployments on exit, unless another process serves them.
        print_starting_message: print what is served and how to trigger it.
    """

    def __init__(
        self,
        deployments: list[RunnerDeployment],
        limit: int | None = None,
        pause_on_shutdown: bool = True,
        print_starting_message: bool = True,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}.")
        self.deployments = deployments
        self.limit = limit
        self.pause_on_shutdown = pause_on_shutdown
        self.print_starting_message = print_starting_message
        self.stopping = threading.Event()
        self.processes: dict[str, RunProcess] = {}
        self.deployment_ids: list[str] = []
        self._store: Any = None  # the client's backend: the store, or the HTTP backend
        self._local: Any = None  # the Store itself when this process has it (not remote)
        self._launcher = Launcher()  # forks each run from a pre-imported fork server
        self._marks: list[Path] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def run(self) -> None:
        """Serve until Ctrl-C, SIGTERM or ``stop()``."""
        # Before apply(): a SIGTERM sent once the deployment is visible must find our handler.
        restore = stop_on_signals(self.stop)
        try:
            self._store, self._local = _backend()
            # apply() also unpauses (unless paused=True): a pause_on_shutdown is undone on start.
            self.deployment_ids = [str(d.apply()) for d in self.deployments]
            self._marks = [_mark_serving(dep_id) for dep_id in self.deployment_ids]
            if self.print_starting_message:
                names = ", ".join(f"'{d.full_name}'" for d in self.deployments)
                print(f"Serving {names}. Trigger a run with `riverrun deployment run "
                      f"'{self.deployments[0].full_name}'`; Ctrl-C stops.", flush=True)  # fmt: skip
            self._loop()
        finally:
            # The handlers stay until shutdown is over: a second SIGTERM (a supervisor or a
            # test repeating its request) must not kill the process mid-way through it.
            try:
                self._shutdown()
            finally:
                restore()

    def stop(self) -> None:
        """Ask the loop to end (from another thread or a signal handler)."""
        self.stopping.set()

    # -- the loop ----------------------------------------------------------------------------------
    def _loop(self) -> None:
        watch = _ChangeWatcher(self._local)
        self._launcher.start()
        from riverrun.settings import get_current_settings

        next_schedule = next_sla_check = 0.0
        sla_interval = get_current_settings().server_services_sla_loop_seconds
        try:
            while not self.stopping.is_set():
                now = time.monotonic()
                if now >= next_schedule:
                    if self._local is not None:  # against a server, its scheduler does this
                        self._local.schedule_deployment_runs(self.deployment_ids)
                        self._local.mark_late_runs()
                    next_schedule = now + SCHEDULER_INTERVAL_S
                if self._local is not None and now >= next_sla_check:
                    # Through the backend, so automations on the violations run here too.
                    self._store.call_store("check_slas", deployment_ids=self.deployment_ids)
                    next_sla_check = now + sla_interval
                self._reap()
                self._cancel_requested()
                self._start_due()
                due = (
                    min(next_schedule, next_sla_check) if self._local is not None else next_schedule
                )
                watch.wait(self.stopping, timeout=min(1.0, max(0.0, due - time.monotonic())))
        finally:
            watch.close()

    def _start_due(self) -> None:
        free = None if self.limit is None else self.limit - len(self.processes)
        if free is not None and free <= 0:
            return
        for run in self._store.claim_deployment_runs(self.deployment_ids, limit=free):
            self.processes[run.id] = self._process_for(run.id)

    def _process_for(self, run_id: str) -> RunProcess:
        """A process running the run: forked from the fork server, or a fresh interpreter."""
        return self._launcher.launch(run_id, env=child_env(), cwd=os.getcwd())

    def _reap(self) -> None:
        for run_id, process in list(self.processes.items()):
            code = process.poll()
            if code is None:
                continue
            del self.processes[run_id]
            self._crash_if_unfinished(
                run_id, f"Its process {exit_description(code)} before the run finished."
            )

    def _cancel_requested(self) -> None:
        if not self.processes:
            return
        from riverrun.states import Cancelled

        for run_id, process in list(self.processes.items()):
            run = self._store.read_flow_run(run_id)
            if run.state_type is not None and run.state_type.value == "CANCELLING":
                _terminate(process)
                del self.processes[run_id]
                self._store.set_flow_run_state(
                    run_id, Cancelled(message=run.state.message), force=True
                )

    def _crash_if_unfinished(self, run_id: str, message: str) -> None:
        from riverrun.states import Crashed

        run = self._store.read_flow_run(run_id)
        if run.state_type is None or run.state_type.value not in _FINAL:
            self._store.set_flow_run_state(run_id, Crashed(message=message), force=True)

    def _shutdown(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for run_id, process in self.processes.items():
            wait_or_kill(process, deadline)
            self._crash_if_unfinished(
                run_id, "The serving process shut down while the run was in progress."
            )
        self.processes.clear()
        self._launcher.close()  # after the runs: it reports their exit codes
        for mark in self._marks:
            mark.unlink(missing_ok=True)
        if self.pause_on_shutdown:
            for dep_id in self.deployment_ids:
                if not _served_elsewhere(dep_id):
                    self._store.pause_deployment(dep_id)


class _ChangeWatcher:
    """Waits until the database changes (SQLite's ``data_version``) or a timeout passes."""

    def __init__(self, store: Any) -> None:
        self._conn: sqlite3.Connection | None = None
        if store is not None and store.is_sqlite:
            from riverrun._store.dialect import sqlite_path

            # A connection of our own: data_version changes when *another* connection commits.
            self._conn = sqlite3.connect(str(sqlite_path(store.url)), check_same_thread=False)
            self._version = self._read()

    def _read(self) -> int:
        assert self._conn is not None
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, stopping: threading.Event, timeout: float) -> None:
        if self._conn is None:
            stopping.wait(min(timeout, 0.5))
            return
        deadline = time.monotonic() + timeout
        while not stopping.is_set():
            version = self._read()
            if version != self._version:
                self._version = version
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            stopping.wait(min(0.05, remaining))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


# -- which processes serve a deployment ------------------------------------------------------------
def _serving_dir(deployment_id: str) -> Path:
    from riverrun.settings import home_path

    return home_path() / "serving" / deployment_id


def _mark_serving(deployment_id: str) -> Path:
    folder = _serving_dir(deployment_id)
    folder.mkdir(parents=True, exist_ok=True)
    mark = folder / f"{socket.gethostname()}-{os.getpid()}"
    mark.touch()
    return mark


def _served_elsewhere(deployment_id: str) -> bool:
    """Whether another live process on this machine serves the deployment (its mark, its pid)."""
    folder = _serving_dir(deployment_id)
    host = socket.gethostname()
    for mark in folder.glob("*") if folder.exists() else []:
        name_host, _, pid = mark.name.rpartition("-")
        if name_host != host or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            mark.unlink(missing_ok=True)
            continue
        except PermissionError:
            pass
        return True
    return False


def _backend() -> tuple[Any, Any]:
    """(the client's backend, the ``Store`` if this process has it in-process, else None)."""
    from riverrun.client._transport import backend_for
    from riverrun.settings import get_current_settings

    backend = backend_for(get_current_settings())
    return backend, getattr(backend, "store", None)


def serve(
    *deployments: RunnerDeployment,
    pause_on_shutdown: bool = True,
    print_starting_message: bool = True,
    limit: int | None = None,
    **_prefect_only: Any,
) -> None:
    """Serve deployments in this process until Ctrl-C or SIGTERM (Prefect's ``serve``).

    Example:
        >>> serve(etl.to_deployment("nightly", cron="0 2 * * *"), report.to_deployment("adhoc"))
    """
    if not deployments:
        raise ValueError(
            "serve() needs at least one deployment: serve(my_flow.to_deployment('name'))."
        )
    Runner(list(deployments), limit, pause_on_shutdown, print_starting_message).run()


async def aserve(
    *deployments: RunnerDeployment,
    pause_on_shutdown: bool = True,
    print_starting_message: bool = True,
    limit: int | None = None,
    **kwargs: Any,
) -> None:
    """``serve`` for async code: the loop runs in a thread, so the event loop stays free."""
    import asyncio

    runner = Runner(list(deployments), limit, pause_on_shutdown, print_starting_message)
    try:
        await asyncio.to_thread(runner.run)
    finally:
        runner.stop()
