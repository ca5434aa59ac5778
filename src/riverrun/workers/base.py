"""``BaseWorker``: claim a work pool's runs, run each, heartbeat, shut down cleanly.

The loop (one per worker process):

- claims due runs of its pool in one atomic call (``claim_work_pool_runs``: queue priority,
  paused pools and queues, pool/queue limits and the worker's ``limit`` all applied by the
  store), as many as it has free slots;
- against a server it long-polls (``wait``): the server answers as soon as a run becomes due,
  so there is no 10 s poll; with the embedded store it wakes on SQLite's ``data_version``
  (another process committed), as ``serve()`` does;
- sends a heartbeat every ``heartbeat_interval_seconds`` (the worker shows ``ONLINE``; after
  three missed heartbeats ``OFFLINE``);
- renews the leases of its runs every third of their TTL (``RIVERRUN_FLOWS_LEASE_SECONDS``,
  30 s; at most every 10 s) and hands each run's lease token to its flow process, which renews
  the lease itself every second, so a run outlives its worker: a renewal answer saying a run is
  ``Cancelling`` stops its process and ends it ``Cancelled``; a lease lost (it expired and
  was swept, or another owner took it) stops the process, whose state proposals would be
  refused anyway (fencing). With the embedded store it also sweeps expired leases;
- reaps finished runs (a process that exited before its run ended marks it ``Crashed``);
- on SIGTERM or Ctrl-C stops its runs' processes and marks their unfinished runs
  ``Crashed`` at once, before exiting.

Subclasses say how a run is started (``ProcessWorker``: a subprocess from the entrypoint).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from riverrun._internal.signals import stop_on_signals
from riverrun.schemas import objects as o

LONG_POLL_S = 10.0
RENEW_EVERY_S = 10.0
_FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


class WorkerError(RuntimeError):
    """A worker cannot start: its pool is missing, of another type, or its options are bad."""


class BaseWorker:
    """Polls one work pool and runs its flow runs (Prefect's ``BaseWorker``).

    Args:
        work_pool_name: the pool to claim runs from.
        work_queues: only these queues of the pool (default: all, by priority).
        name: the worker's name (default: ``<Type>Worker <hostname>-<pid>``).
        limit: at most this many runs at once (None: no limit; 0 is refused).
        heartbeat_interval_seconds: how often the worker reports it is alive.
        create_pool_if_not_found: create the pool when it does not exist (else an error).
        base_job_template: the template a created pool gets (default: the type's own).
    """

    type: str = "base"
    job_configuration_keys: tuple[str, ...] = ()

    def __init__(
        self,
        work_pool_name: str,
        work_queues: list[str] | None = None,
        name: str | None = None,
        prefetch_seconds: float | None = None,
        create_pool_if_not_found: bool = True,
        limit: int | None = None,
        heartbeat_interval_seconds: int = 30,
        base_job_template: dict[str, Any] | None = None,
        **_prefect_only: Any,
    ) -> None:
        if not work_pool_name:
            raise WorkerError("A worker needs a work pool: --pool NAME.")
        if limit is not None and limit < 1:
            raise WorkerError(
                f"--limit must be at least 1, got {limit}: with {limit} the worker could never "
                "start a run. Leave it out for no limit, or pause the pool."
            )
        if heartbeat_interval_seconds < 1:
            raise WorkerError(
                f"heartbeat_interval_seconds must be at least 1, got {heartbeat_interval_seconds}."
            )
        self.work_pool_name = work_pool_name
        self.work_queues = list(work_queues or [])
        self.name = name or f"{type(self).__name__} {socket.gethostname()}-{os.getpid()}"
        self.limit = limit
        self.heartbeat_interval_seconds = heartbeat_interval_seconds
        self.create_pool_if_not_found = create_pool_if_not_found
        self.base_job_template = base_job_template
        self.stopping = threading.Event()
        self.work_pool: o.WorkPool | None = None
        self._backend: Any = None
        self._local: Any = None
        self.tokens: dict[str, int | None] = {}  # run ID -> the lease token of its claim
        self._to_cancel: set[str] = set()  # told by a renewal: Cancelling, or lease lost
        self._lock = threading.Lock()
        self.lease_seconds = _lease_seconds()

    # -- what subclasses provide ---------------------------------------------------------------
    @classmethod
    def get_default_base_job_template(cls) -> dict[str, Any]:
        """The base job template a pool of this type gets when created."""
        return {}

    def start_run(self, claimed: o.WorkerFlowRunResponse) -> None:
        """Start one claimed run (it is ``Pending``, owned by this worker)."""
        raise NotImplementedError

    def running(self) -> list[str]:
        """IDs of the runs this worker has started and not yet reaped."""
        raise NotImplementedError

    def reap(self) -> None:
        """Forget finished runs; mark ``Crashed`` those whose process ended first."""

    def stop_runs(self) -> None:
        """Stop every run's process (SIGTERM, then kill after a grace period)."""

    def kill_run(self, run_id: str) -> None:
        """Stop one run's process at once and forget it."""

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(
        self,
        run_once: bool = False,
        with_healthcheck: bool = False,
        printer: Callable[..., None] = print,
    ) -> None:
        """Run the worker until stopped (Prefect's coroutine; the loop runs in a thread)."""
        await asyncio.to_thread(self.run, run_once, with_healthcheck, printer)

    def run(
        self,
        run_once: bool = False,
        with_healthcheck: bool = False,
        printer: Callable[..., None] = print,
    ) -> None:
        """Run the worker in this thread until SIGTERM, Ctrl-C or ``stop()``."""
        from riverrun.deployments.serve import _backend

        # Before the pool is made: a SIGTERM sent once it is visible must find our handler.
        restore = stop_on_signals(self.stop)
        try:
            self._backend, self._local = _backend()
            self.work_pool = self._ensure_pool(printer)
        except BaseException:
            restore()
            raise
        self._worker_id = ""
        health = _start_healthcheck(self) if with_healthcheck else None
        beat = threading.Thread(target=self._heartbeats, daemon=True, name="riverrun-worker-beat")
        self._heartbeat()
        beat.start()
        printer(f"Worker {self.name!r} started! Polling work pool {self.work_pool_name!r}"
                + (f" queues {', '.join(self.work_queues)}" if self.work_queues else "") + ".")  # fmt: skip
        try:
            self._loop(run_once)
        finally:
            # The handlers stay until the runs are stopped: a second SIGTERM (a supervisor or
            # a test repeating its request) must not kill the worker mid-way through it.
            try:
                self.stopping.set()
                self.stop_runs()
                if health is not None:
                    health.shutdown()
                printer(f"Worker {self.name!r} stopped.")
            finally:
                restore()

    def stop(self) -> None:
        """Ask the loop to end (another thread, or a signal handler)."""
        self.stopping.set()

    def _ensure_pool(self, printer: Callable[..., None]) -> o.WorkPool:
        from riverrun.exceptions import ObjectNotFound
        from riverrun.schemas.actions import WorkPoolCreate

        try:
            pool: o.WorkPool = self._backend.read_work_pool(self.work_pool_name)
        except ObjectNotFound as exc:
            if not self.create_pool_if_not_found:
                raise WorkerError(
                    f"{exc} (or start the worker with --create-pool-if-not-found)"
                ) from None
            template = self.base_job_template or self.get_default_base_job_template()
            pool = self._backend.create_work_pool(
                WorkPoolCreate(name=self.work_pool_name, type=self.type, base_job_template=template)
            )
            printer(
                f"Work pool {self.work_pool_name!r} does not exist; created it (type {self.type})."
            )
        if pool.type != self.type:
            raise WorkerError(
                f"Work pool {pool.name!r} is of type {pool.type!r}; this worker is of type "
                f"{self.type!r}. Start a worker of that type, or use a {self.type!r} pool."
            )
        return pool

    # -- the loop ----------------------------------------------------------------------------------
    def _loop(self, run_once: bool) -> None:
        from riverrun.deployments.serve import _ChangeWatcher

        watch = _ChangeWatcher(self._local)
        poller = _Poller(self)
        try:
            while not self.stopping.is_set():
                self.reap()
                free = None if self.limit is None else self.limit - len(self.running())
                claimed: list[o.WorkerFlowRunResponse] = []
                if free is None or free > 0:
                    # Against a server: a long poll the server answers when a run is due. In
                    # this process (embedded store): no wait, the change watcher wakes us.
                    wait = LONG_POLL_S if self._local is None and not run_once else 0.0
                    claimed = poller.claim(free, wait)
                for item in claimed:
                    self.tokens[item.flow_run.id] = item.lease_token
                    self.start_run(item)
                self._act_on_renewals()
                if run_once:
                    break
                if not claimed:
                    watch.wait(self.stopping, timeout=1.0)
            if run_once:
                self._wait_for_runs()
        finally:
            watch.close()

    def _wait_for_runs(self) -> None:
        while self.running() and not self.stopping.is_set():
            self.reap()
            self.stopping.wait(0.1)

    def _claim(self, free: int | None, wait: float) -> list[o.WorkerFlowRunResponse]:
        return self._backend.claim_work_pool_runs(  # type: ignore[no-any-return]
            self.work_pool_name, self.name, self.work_queues or None, limit=free,
            lease_seconds=self.lease_seconds, wait=wait,
        )  # fmt: skip

    def _heartbeat(self) -> None:
        self._worker_id = self._backend.send_worker_heartbeat(
            self.work_pool_name, self.name,
            heartbeat_interval_seconds=self.heartbeat_interval_seconds,
        )  # fmt: skip

    def _heartbeats(self) -> None:
        """Heartbeats every interval and lease renewals every third of a TTL, on one thread."""
        import time

        renew_every = min(RENEW_EVERY_S, self.lease_seconds / 3)
        next_beat = time.monotonic() + self.heartbeat_interval_seconds
        while not self.stopping.wait(min(renew_every, max(0.0, next_beat - time.monotonic()))):
            try:
                if time.monotonic() >= next_beat:
                    self._heartbeat()
                    next_beat = time.monotonic() + self.heartbeat_interval_seconds
                self.renew_leases()
                if self._local is not None:  # no server: this process sweeps expired leases
                    self._local.expire_run_leases()
            except Exception as exc:  # noqa: BLE001 - a missed beat is reported, not fatal
                print(f"Worker {self.name!r}: heartbeat failed ({exc}); retrying.", flush=True)

    @property
    def lease_owner(self) -> str:
        """The owner name the store gave this worker's leases."""
        return f"worker:{self._worker_id}"

    def renew_leases(self) -> None:
        """Extend the leases of this worker's runs; note those to stop (Cancelling, lost)."""
        from riverrun.schemas.leases import LeaseHold

        holds = [LeaseHold(flow_run_id=i, lease_token=tok) for i, tok in list(self.tokens.items())
                 if tok is not None]  # fmt: skip
        if not holds:
            return
        answers = self._backend.renew_flow_run_leases(
            self.lease_owner, holds, ttl_seconds=self.lease_seconds
        )
        with self._lock:
            for answer in answers:
                cancelling = (
                    answer.state_type is not None and answer.state_type.value == "CANCELLING"
                )
                if cancelling or not answer.held:
                    self._to_cancel.add(answer.flow_run_id)

    def _act_on_renewals(self) -> None:
        with self._lock:
            todo, self._to_cancel = self._to_cancel, set()
        for run_id in todo:
            if run_id not in self.running():
                continue
            self.kill_run(run_id)
            run = self._backend.read_flow_run(run_id)
            if run.state_type is not None and run.state_type.value == "CANCELLING":
                from riverrun.states import Cancelled

                self._backend.set_flow_run_state(
                    run_id, Cancelled(message=run.state.message if run.state else None), force=True
                )
            self.tokens.pop(run_id, None)

    def crash_if_unfinished(self, run_id: str, message: str) -> None:
        """Mark a run ``Crashed`` unless it already reached a final state, and give up its
        lease. The proposal carries the claim's token, so a worker that lost the run to
        another owner is refused (fenced) instead of crashing someone else's run."""
        from riverrun.schemas.leases import LEASE_TOKEN_DETAIL
        from riverrun.states import Crashed

        token = self.tokens.pop(run_id, None)
        run = self._backend.read_flow_run(run_id)
        if run.state_type is None or run.state_type.value not in _FINAL:
            details = {} if token is None else {LEASE_TOKEN_DETAIL: token}
            self._backend.set_flow_run_state(
                run_id, Crashed(message=message, state_details=details), force=True
            )
        if token is not None:
            self._backend.release_flow_run_lease(run_id, token)


def _lease_seconds() -> float:
    """The TTL of the leases a worker takes: the flow processes' own (one setting for both)."""
    from riverrun.settings import get_current_settings

    return float(get_current_settings().flows_lease_seconds)


class _Poller:
    """Runs claims on a helper thread, so SIGTERM never waits behind a parked long poll.

    Runs an in-flight poll claims after shutdown began are left Pending with this worker's
    lease: the lease expires and they go back to Scheduled for another worker.
    """

    def __init__(self, worker: BaseWorker) -> None:
        self.worker = worker

    def claim(self, free: int | None, wait: float) -> list[o.WorkerFlowRunResponse]:
        if wait <= 0:
            return self.worker._claim(free, wait)
        box: list[Any] = []
        done = threading.Event()

        def call() -> None:
            try:
                box.append(self.worker._claim(free, wait))
            except BaseException as exc:  # noqa: BLE001 - handed to the loop's thread
                box.append(exc)
            done.set()

        threading.Thread(target=call, daemon=True, name="riverrun-worker-poll").start()
        while not done.wait(0.2):
            if self.worker.stopping.is_set():
                return []
        result = box[0]
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[no-any-return]


def _start_healthcheck(worker: BaseWorker) -> Any:
    """``--with-healthcheck``: GET /health on 127.0.0.1:8080 answers while the loop lives."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path.rstrip("/") == "/health" and not worker.stopping.is_set()
            body = b'{"message": "OK"}' if ok else b'{"message": "stopping"}'
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return

    host = os.environ.get("RIVERRUN_WORKER_WEBSERVER_HOST", "127.0.0.1")
    port = int(os.environ.get("RIVERRUN_WORKER_WEBSERVER_PORT", "8080"))
    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(
        target=server.serve_forever, daemon=True, name="riverrun-worker-health"
    ).start()
    return server
