"""Run leases: what a lease holder sends when it renews, and what the store answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from riverrun.schemas.objects import RiverrunBaseModel
from riverrun.states import StateType

LEASE_TOKEN_DETAIL = "lease_token"
"""The ``state_details`` key a state proposal carries its lease token under (fencing)."""


class RunProcess(BaseModel):
    """The process running a flow run: where, which PID, and when it started.

    ``started`` is the process's start time as its OS reports it (on Linux the start time in
    clock ticks after boot from ``/proc/<pid>/stat``), so a PID reused by another process is
    not taken for the run's.
    """

    model_config = ConfigDict(extra="forbid")

    hostname: str
    pid: int
    started: int | None = None


class LeaseHold(BaseModel):
    """One lease to renew: the run and the token its holder was granted.

    ``lease_token=None`` asks to *take* the lease if nobody holds it (a plain ``python main.py``
    flow process, which no worker granted one).
    """

    model_config = ConfigDict(extra="forbid")

    flow_run_id: str
    lease_token: int | None = None


class LeaseRenewal(RiverrunBaseModel):
    """The answer for one run of a renewal.

    Attributes:
        flow_run_id: the run.
        held: whether the caller still holds its lease (extended to ``lease_expires``).
            False when another owner took it over, it expired and was swept, or the run
            ended (or does not exist: then ``state_type`` is None).
        lease_token: the run's current token (the caller's own when ``held``).
        lease_expires: when the lease expires now.
        state_type: the run's state type: a ``CANCELLING`` run is told to stop this way.
        state_name: the run's state name.
    """

    flow_run_id: str
    held: bool
    lease_token: int | None = None
    lease_expires: datetime | None = None
    state_type: StateType | None = None
    state_name: str | None = None


__all__ = ["LEASE_TOKEN_DETAIL", "LeaseHold", "LeaseRenewal", "RunProcess"]
