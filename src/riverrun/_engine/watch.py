"""The run watcher: a flow process keeps its runs' leases and hears of their cancellation.

One daemon thread per process, started by the first flow run and asleep when none runs.
Every ``RIVERRUN_FLOWS_WATCH_INTERVAL_SECONDS`` (1 s) it looks at every flow run of this
process (subflows too):

- against a server, it renews their leases (``renew_flow_run_leases``, TTL
  ``RIVERRUN_FLOWS_LEASE_SECONDS``; the store writes the expiry only when it has drifted, so
  most renewals are one read) with this process's host, PID and start time; the answer carries
  each run's state. The client flushes this process's events first, so the run exists when
  its lease is first taken. A server that cannot be reached is tried again the next second;
  the run goes on (its events are spooled);
- embedded, it records this process on each new run (the next process opening the file marks
  the runs of a dead process ``Crashed``; the recorder records it first, with the run's
  Running state) and reads their states from the file.

A run started by a worker comes with the worker's lease token (``LEASE_TOKEN_ENV``, for the
run named by ``FLOW_RUN_ID_ENV``): the watcher renews that lease with it — through the
client, or embedded in the file every third of a TTL — so the run outlives a worker killed
with ``kill -9``, and a lease taken over since (a newer token) is not extended.

A renewal that answers ``held=False`` for a run whose lease this process held (and whose
final state the engine has not recorded) means the lease was lost: the process was frozen or
cut off past its TTL and the run was crashed or taken over meanwhile. The watcher logs why
(an ERROR line of the run), stops the user's code as it delivers a cancellation (below, with
no watchdog: the run is no longer this process's to record) and, if the code does not stop
within ``RIVERRUN_RUNNER_CANCELLATION_GRACE_SECONDS``, ends the process with exit code 1.
The engine ends the run ``Crashed`` with that message, a state the store refuses
(``_engine.lease_state``).

A run found ``Cancelling`` is cancelled in its process: the watcher notes the intent and
sends the main thread SIGTERM (a sync top-level run) or cancels the asyncio task (an async
one); the engine sees the intent and ends the run ``Cancelled`` ("Flow run was cancelled.",
as Prefect) with its ``on_cancellation`` hooks. In case the process does not stop — code in C
that never returns to Python, a signal handler of the user's — a small watchdog process is
started: after ``RIVERRUN_RUNNER_CANCELLATION_GRACE_SECONDS`` it records the run ``Cancelled``
and kills the process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from riverrun._engine import lease_state
from riverrun._internal.processes import this_process
from riverrun._recording.recorder import Recorder

logger = logging.getLogger("riverrun.watch")
_run_logger = logging.getLogger("riverrun.flow_runs")

CANCELLED_MESSAGE = "Flow run was cancelled."
_FIRST_LOOK_S = 0.05

_intents: set[str] = set()

_Lost = tuple[int, "int | None", "str | None"]
"""A lease a renewal found not held: (this process's token, the run's token, its state name)."""


def cancel_requested(*run_ids: str | None) -> bool:
    """Whether a cancellation was delivered to any of these runs (a run or its root)."""
    return any(r is not None and r in _intents for r in run_ids)


@dataclass
class _Watched:
    recorder: Recorder
    deliver: Callable[[], None]  # interrupts the run's code (a signal, a task cancel)
    recorded: bool = False
    notified: bool = False
    renewed_at: float = float("-inf")  # time.monotonic() of the last embedded lease renewal
    exit_timer: threading.Timer | None = None  # ends the process if a lost run will not stop


@dataclass
class _Watcher:
    runs: dict[str, _Watched] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    pid: int = 0
    client: Any = None
    warned: bool = False

    def add(self, run_id: str, watched: _Watched) -> None:
        with self.lock:
            self.runs[run_id] = watched
            if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._loop, name="riverrun-run-watch",
                                               daemon=True)  # fmt: skip
                self.thread.start()
        self.wake.set()

    def remove(self, run_id: str) -> None:
        with self.lock:
            watched = self.runs.pop(run_id, None)
        if watched is not None and watched.exit_timer is not None:
            watched.exit_timer.cancel()  # the run's code did stop
        lease_state.forget(run_id)

    def _loop(self) -> None:
        from riverrun.settings import get_current_settings

        while True:
            self.wake.wait()
            with self.lock:
                runs = dict(self.runs)
                if not runs:
                    self.wake.clear()
                    continue
            settings = get_current_settings()
            wait = settings.flows_watch_interval_seconds
            try:
                if self._tick(runs, settings):
                    # A run not stored yet (its first events still on their way): until its
                    # process is on record a kill would go unnoticed, so look again soon.
                    wait = min(wait, _FIRST_LOOK_S)
            except Exception as exc:  # the run must outlive its watcher's troubles
                if not self.warned:
                    self.warned = True
                    logger.debug("Run watcher could not check its runs: %s", exc)
            # Between ticks the thread sleeps; a new run wakes it at once.
            self.wake.clear()
            self.wake.wait(wait)
            self.wake.set()

    def _tick(self, runs: dict[str, _Watched], settings: Any) -> bool:
        """One look at every run; True if some run is not stored yet."""
        from riverrun._recording.run_process import (
            is_embedded,
            read_run_states,
            record_run_process,
        )

        states: dict[str, str | None] = {}
        embedded = {i: w for i, w in runs.items() if is_embedded(w.recorder)}
        remote = {i: w for i, w in runs.items() if i not in embedded}
        if embedded:
            recorder = next(iter(embedded.values())).recorder
            new = [i for i, w in embedded.items() if not w.recorded]
            if new:
                recorder.flush(timeout=1.0)  # its rows first; a locked file must not hold us
                for run_id in record_run_process(recorder, new):
                    embedded[run_id].recorded = True
            states.update(read_run_states(recorder, list(embedded)))
            lost = _renew_embedded(embedded, settings.flows_lease_seconds, states)
        else:
            lost = {}
        if remote:
            answered, lost_remote = self._renew(list(remote), settings)
            states.update(answered)
            lost.update(lost_remote)
        for run_id, (token, current, state_name) in lost.items():
            # Under the lock, and only for a run still watched whose final state the engine
            # has not recorded: a run that ended while its renewal was under way (the answer
            # says not held: it is final) is not lost, and its process must not be stopped.
            with self.lock:
                watched = self.runs.get(run_id)
                if watched is None or watched.notified or lease_state.is_finishing(run_id):
                    continue
                watched.notified = True
                _stop_lost(run_id, lease_state.lose(run_id, token, current, state_name), watched)
        for run_id, state_type in states.items():
            watched = runs.get(run_id)
            if state_type == "CANCELLING" and watched is not None and not watched.notified:
                watched.notified = True
                _intents.add(run_id)
                _start_watchdog(run_id)
                watched.deliver()
        missing = [i for i, w in embedded.items() if not w.recorded]
        return bool(missing) or any(states.get(i) is None for i in remote)

    def _renew(
        self, run_ids: list[str], settings: Any
    ) -> tuple[dict[str, str | None], dict[str, _Lost]]:
        """Renew the runs' leases through the client: their state types, and leases not held."""
        from riverrun.client.orchestration import get_client
        from riverrun.exceptions import RiverrunServerUnreachable
        from riverrun.schemas.leases import LeaseHold, RunProcess

        if self.client is None:
            self.client = get_client(sync_client=True)
        hostname, pid, started = this_process()
        holds = [LeaseHold(flow_run_id=r, lease_token=lease_state.held_token(r)) for r in run_ids]
        try:
            answers = self.client.renew_flow_run_leases(
                f"process:{hostname}:{pid}", holds, settings.flows_lease_seconds,
                RunProcess(hostname=hostname, pid=pid, started=started),
            )  # fmt: skip
        except RiverrunServerUnreachable:
            # Spooled meanwhile; the server keeps no lease expiring before it is back.
            return dict.fromkeys(run_ids, "UNREACHABLE"), {}
        lost: dict[str, _Lost] = {}
        for hold, answer in zip(holds, answers, strict=True):
            run_id = answer.flow_run_id
            if answer.held:
                lease_state.took(run_id, answer.lease_token)
            elif hold.lease_token is not None:
                lost[run_id] = (hold.lease_token, answer.lease_token, answer.state_name)
        states = {a.flow_run_id: None if a.state_type is None else a.state_type.value
                  for a in answers}  # fmt: skip
        return states, lost


def _renew_embedded(
    runs: dict[str, _Watched], ttl_s: float, states: dict[str, str | None]
) -> dict[str, _Lost]:
    """Renew, in the file, the lease of the run this process was handed one of, when due;
    the run if that lease is no longer held."""
    from riverrun._recording.run_process import renew_run_lease

    run_id, token = lease_state.env_lease()
    if run_id is None or token is None:
        return {}
    watched = runs.get(run_id)
    if watched is None or not watched.recorded:
        return {}
    now = time.monotonic()
    if now - watched.renewed_at < ttl_s / 3:
        return {}
    held = renew_run_lease(watched.recorder, run_id, token, ttl_s)
    if held is not None:
        watched.renewed_at = now
    if held is False:
        state = states.get(run_id)
        return {run_id: (token, None, state and state.title())}
    return {}


def confirm_handed_lease(client: Any, run_id: str) -> str | None:
    """Before a handed run's code starts: None if this process still holds its lease (or
    holds none, or cannot tell: the server is unreachable), else why it lost it.

    A process frozen before its run started may resume after the run was rescheduled and
    run by another holder: it must not run the user's code a second time.
    """
    from riverrun.exceptions import RiverrunServerUnreachable
    from riverrun.schemas.leases import LeaseHold
    from riverrun.settings import get_current_settings

    leased, token = lease_state.env_lease()
    if leased != run_id or token is None:
        return None
    hostname, pid, _started = this_process()
    hold = LeaseHold(flow_run_id=run_id, lease_token=token)
    try:
        (answer,) = client.renew_flow_run_leases(
            f"process:{hostname}:{pid}", [hold], get_current_settings().flows_lease_seconds
        )
    except RiverrunServerUnreachable:
        return None  # the watcher asks again every second once the run starts
    if answer.held:
        return None
    return lease_state.lose(run_id, token, answer.lease_token, answer.state_name)


def _stop_lost(run_id: str, message: str, watched: _Watched) -> None:
    """Say why, stop the run's code, and end the process if the code will not stop."""
    from riverrun.logging.loggers import log_without_caller
    from riverrun.settings import get_current_settings

    extra = {"flow_run_id": run_id, "task_run_id": None}
    log_without_caller(_run_logger, logging.ERROR, message, extra)
    grace = get_current_settings().runner_cancellation_grace_seconds
    timer = watched.exit_timer = threading.Timer(grace, _exit_lost, (message, watched.recorder))
    timer.daemon = True
    timer.start()
    watched.deliver()


def _exit_lost(message: str, recorder: Recorder) -> None:
    """The code of a run whose lease was lost did not stop within the grace period."""
    try:
        recorder.flush(timeout=2.0)
    finally:
        print(f"{message} Its code did not stop within the grace period; exiting.",
              file=sys.stderr, flush=True)  # fmt: skip
        os._exit(1)


_watcher = _Watcher()


def watch_flow_run(run_id: str, recorder: Recorder, *, is_async: bool) -> Callable[[], None]:
    """Watch a flow run of this process until the returned function is called.

    Cancellation reaches a sync run in the main thread as SIGTERM (our handler raises
    ``TerminationSignal``), an async one as the cancellation of its task; elsewhere (a flow
    called from a worker thread) only the watchdog's grace-period kill applies.
    """
    deliver = _deliverer(run_id, is_async)
    _watcher.add(run_id, _Watched(recorder, deliver))
    return lambda: _watcher.remove(run_id)


def _deliverer(run_id: str, is_async: bool) -> Callable[[], None]:
    main = threading.current_thread() is threading.main_thread()
    task = loop = None
    if is_async:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
            task = asyncio.current_task()
        except RuntimeError:
            loop = None

    def deliver() -> None:
        if task is not None and loop is not None:
            loop.call_soon_threadsafe(task.cancel)
        elif main and threading.main_thread().ident is not None:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)  # type: ignore[arg-type]

    return deliver


def _start_watchdog(run_id: str) -> None:
    import subprocess

    from riverrun.settings import get_current_settings

    grace = get_current_settings().runner_cancellation_grace_seconds
    _hostname, pid, started = this_process()
    try:
        subprocess.Popen(
            [sys.executable, "-m", "riverrun._engine.cancel_watchdog", run_id, str(pid),
             str(started if started is not None else ""), str(grace)],
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        logger.warning("Could not start the cancellation watchdog of run %s: %s", run_id, exc)
