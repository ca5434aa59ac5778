"""Find the fork server of a ``serve()`` or worker process, and the processes runs ran in."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

FORK_SERVER_MODULE = b"riverrun.deployments._forkserver"

# A flow that writes "<run ID> <pid> <parent pid>" (one write, atomic with O_APPEND), then
# waits for the file ``gate`` when it names one.
WHERE_FLOW = textwrap.dedent(
    """
    import os
    import time
    from pathlib import Path

    from riverrun import flow
    from riverrun.runtime import flow_run


    @flow
    def where(out: str, gate: str = "", bound: float = 120.0):
        fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, f"{flow_run.id} {os.getpid()} {os.getppid()}\\n".encode())
        os.close(fd)
        deadline = time.monotonic() + bound
        while gate and not Path(gate).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    """
)


def _parent_and_command(pid: int) -> tuple[int, bytes] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return int(stat[stat.rfind(b")") + 2 :].split()[1]), command


def fork_servers_of(parent: int) -> list[int]:
    """PIDs of the fork servers that process ``parent`` started (its children running the
    fork server module; the runs forked from one are *its* children, not ``parent``'s)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        seen = _parent_and_command(int(entry.name))
        if seen is not None and seen[0] == parent and FORK_SERVER_MODULE in seen[1]:
            found.append(int(entry.name))
    return found


def where_lines(out: Path) -> list[tuple[str, int, int]]:
    """(run ID, pid, parent pid) per line the ``where`` flow wrote."""
    if not out.exists():
        return []
    rows = [line.split() for line in out.read_text().splitlines()]
    return [(run_id, int(pid), int(ppid)) for run_id, pid, ppid in rows]


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (an exited process not yet reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return True
    return stat[stat.rfind(b")") + 2 :][:1] in (b"Z", b"X")
