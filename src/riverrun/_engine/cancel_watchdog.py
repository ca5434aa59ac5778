"""``python -m riverrun._engine.cancel_watchdog RUN_ID PID STARTED GRACE``: stop a cancelled run.

Started by the run watcher when a run of process ``PID`` is cancelled. If that process still
runs after ``GRACE`` seconds (code in C that never returns to Python ignores the SIGTERM the
watcher sent), the run is recorded ``Cancelled`` and the process is killed (SIGKILL). A
process that stopped in time ended its run itself: nothing is done.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from riverrun._internal.processes import is_alive


def _wait_gone(pid: int, started: int | None, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while is_alive(pid, started):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)  # polling another process's exit: there is no handle to wait on
    return True


def main(argv: list[str]) -> int:
    run_id, pid_text, started_text, grace_text = argv
    pid, grace = int(pid_text), float(grace_text)
    started = int(started_text) if started_text else None
    if _wait_gone(pid, started, grace):
        return 0
    from riverrun.client.orchestration import get_client
    from riverrun.states import Cancelled

    message = (
        f"Flow run was cancelled. Its process (PID {pid}) did not stop within the {grace:g} s "
        "grace period (RIVERRUN_RUNNER_CANCELLATION_GRACE_SECONDS) and was killed."
    )
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        if run.state is None or not run.state.is_final():
            client.set_flow_run_state(run_id, Cancelled(message=message), force=True)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _wait_gone(pid, started, 10)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
