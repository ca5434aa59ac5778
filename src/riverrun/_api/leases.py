"""Run leases: renew the leases of a holder's runs, release one.

Granting happens inside a claimer's transaction (``Store.grant_run_lease``), never as an
operation of its own; expiry is the sweeper's (``Store.expire_run_leases``). Prefect has no
equivalent: these are riverrun's own.
"""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas.leases import LeaseHold, LeaseRenewal, RunProcess


class LeasesAPI(Protocol):
    """The lease operations."""

    @operation("POST", "/flow_runs/leases/renew")
    def renew_flow_run_leases(
        self,
        owner: str,
        leases: list[LeaseHold],
        ttl_seconds: float = 30.0,
        process: Optional[RunProcess] = None,
    ) -> list[LeaseRenewal]:
        """Extend the leases ``owner`` holds on these runs by ``ttl_seconds`` from now.

        A lease is extended only while the caller's token is the run's current one and the
        run has not ended; a hold without a token takes a lease nobody holds. ``process``,
        when given, records the process running each held run (the embedded dead-process
        check reads it). The answer, one per run in the given order, says whether the lease
        is still held and the run's state (a ``Cancelling`` run is told to stop this way).

        Example:
            >>> client.renew_flow_run_leases("worker:w1", [LeaseHold(flow_run_id=rid, lease_token=3)])
            [LeaseRenewal(flow_run_id=rid, held=True, lease_token=3, state_type=RUNNING, ...)]
        """
        ...

    @operation("POST", "/flow_runs/{flow_run_id}/lease/release")
    def release_flow_run_lease(self, flow_run_id: Id, lease_token: int) -> bool:
        """Give up a run's lease if ``lease_token`` is still its token; True if released."""
        ...
