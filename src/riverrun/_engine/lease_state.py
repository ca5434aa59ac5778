"""What this process knows of its flow runs' leases: the token it holds, and leases it lost.

A flow run started by a worker comes with the worker's lease token (``LEASE_TOKEN_ENV``, for
the run named by ``FLOW_RUN_ID_ENV``); a run this process leased itself (against a server)
gets its token from the first renewal that took the lease. Every state the engine records
for such a run carries the token (``state_details["lease_token"]``), so the store keeps it
only while that token holds the run's lease: a process that was frozen past its lease and
resumes after the run was crashed or taken over adds nothing to the run's history.

The run watcher notes a lease lost when a renewal answers ``held=False`` for a run whose
token this process held and whose final state the engine has not recorded yet; the engine
then ends the run ``Crashed`` with ``lost_message`` (that state is refused too), runs no
hooks, and the process exits non-zero.
"""

from __future__ import annotations

import os

LEASE_TOKEN_ENV = "RIVERRUN_FLOW_RUN_LEASE_TOKEN"
"""A launcher that was granted the run's lease (a worker) passes its token to the flow process."""
FLOW_RUN_ID_ENV = "RIVERRUN__FLOW_RUN_ID"
"""...with the run the token is for (Prefect's ``PREFECT__FLOW_RUN_ID``): its subflows take
leases of their own."""

_tokens: dict[str, int] = {}  # run ID -> token taken by this process's own renewals
_finished: set[str] = set()  # runs whose final state the engine recorded
_lost: dict[str, str] = {}  # run ID -> why this process no longer runs it


def env_lease() -> tuple[str | None, int | None]:
    """The run this process was handed a lease of, and its token (or Nones)."""
    raw = os.environ.get(LEASE_TOKEN_ENV)
    try:
        token = int(raw) if raw else None
    except ValueError:
        return None, None
    return os.environ.get(FLOW_RUN_ID_ENV), token


def held_token(run_id: str) -> int | None:
    """The lease token this process holds for the run, or None (it holds no lease of it)."""
    token = _tokens.get(run_id)
    if token is not None:
        return token
    leased, handed = env_lease()
    return handed if leased == run_id else None


def took(run_id: str, token: int | None) -> None:
    """A renewal of this process took (or confirmed) the run's lease with ``token``."""
    if token is not None and held_token(run_id) is None:
        _tokens[run_id] = token


def finishing(run_id: str) -> None:
    """The engine is recording the run's final state: a lease not held after it is not lost."""
    _finished.add(run_id)


def is_finishing(run_id: str) -> bool:
    """Whether the engine recorded the run's final state already."""
    return run_id in _finished


def lose(run_id: str, token: int, current: int | None, state_name: str | None) -> str:
    """Note that the run's lease is no longer this process's; the message that says so."""
    taken = (f"another holder took it over (token {current})"
             if current is not None and current != token
             else f"the run was ended meanwhile ({state_name or 'unknown state'})")  # fmt: skip
    message = (
        f"Flow run {run_id} lost its lease (token {token}): it expired while this process "
        f"was not answering (frozen, suspended or cut off), and {taken}. This process no longer "
        "runs it and exits; the states it proposes are refused. If hosts here often pause "
        "this long, raise RIVERRUN_FLOWS_LEASE_SECONDS."
    )
    _lost.setdefault(run_id, message)
    return _lost[run_id]


def lost_message(*run_ids: str | None) -> str | None:
    """Why this process lost the lease of any of these runs (a run or its root), or None."""
    for run_id in run_ids:
        if run_id is not None and run_id in _lost:
            return _lost[run_id]
    return None


def forget(run_id: str) -> None:
    """The run is no longer watched by this process."""
    _tokens.pop(run_id, None)
    _finished.discard(run_id)
