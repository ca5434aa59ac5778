"""SIGTERM ends a synchronous flow run Crashed at once, even while its main thread sleeps.

CPython runs a signal handler only between bytecodes, so a SIGTERM that another thread receives
(or that lands just before the main thread enters ``time.sleep``) would otherwise wait for the
sleep to end. The flow below sleeps 120 s; the run must be over long before that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from riverrun.client.orchestration import get_client

# The body starts a plain thread that waits, then a second one that, once the main thread is
# asleep in the kernel, sends SIGTERM to the waiting thread (not to the main one).
SCRIPT = textwrap.dedent(
    """
    import signal, threading, time
    from riverrun import flow

    main_tid = threading.get_native_id()

    def main_is_asleep():
        with open(f"/proc/self/task/{main_tid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "S"

    @flow(name="sleeps-through-a-signal")
    def job():
        waiting = threading.Event()
        bystander = threading.Thread(target=waiting.wait, daemon=True)
        bystander.start()

        def send():
            deadline = time.monotonic() + 30
            while not main_is_asleep() and time.monotonic() < deadline:
                time.sleep(0.01)
            signal.pthread_kill(bystander.ident, signal.SIGTERM)

        threading.Thread(target=send, daemon=True).start()
        time.sleep(120)
        return "slept"

    state = job(return_state=True)
    print("FINAL", state.type.value, flush=True)
    """
)


def test_sigterm_received_by_another_thread_crashes_a_sleeping_flow_at_once(
    tmp_path: Path, riverrun_home: Path
) -> None:
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,  # well short of the flow's 120 s sleep
        env={**os.environ, "RIVERRUN_HOME": str(riverrun_home)},
    )
    assert "FINAL CRASHED" in done.stdout, done.stderr[-2000:]
    with get_client(sync_client=True) as client:
        [run] = client.read_flow_runs()
    assert run.state_type.value == "CRASHED"
    assert run.state.message == "Execution was aborted by a termination signal."
