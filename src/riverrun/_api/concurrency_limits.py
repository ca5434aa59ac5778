"""Concurrency limits: global limits (Prefect's v2), tag limits for task runs (v1), slot leases."""

from __future__ import annotations

from typing import Literal, Optional, Protocol

from riverrun._api.operation import operation
from riverrun.schemas import actions as a
from riverrun.schemas import objects as o


class ConcurrencyLimitsAPI(Protocol):
    """Limits and the leases that hold their slots. The slot operations are the client's
    building blocks for ``riverrun.concurrency`` (which waits, renews and releases)."""

    @operation("POST", "/v2/concurrency_limits/", body="concurrency_limit", status_code=201)
    def create_global_concurrency_limit(
        self, concurrency_limit: a.GlobalConcurrencyLimitCreate
    ) -> str:
        """Create a global concurrency limit; its ID. Raises ``ObjectAlreadyExists``."""
        ...

    @operation("GET", "/v2/concurrency_limits/{name:path}")
    def read_global_concurrency_limit_by_name(self, name: str) -> o.GlobalConcurrencyLimit:
        """One global concurrency limit; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/v2/concurrency_limits/filter")
    def read_global_concurrency_limits(
        self, limit: int = 10, offset: int = 0
    ) -> list[o.GlobalConcurrencyLimit]:
        """Global concurrency limits, by name."""
        ...

    @operation(
        "PATCH", "/v2/concurrency_limits/{name:path}", body="concurrency_limit", status_code=204
    )
    def update_global_concurrency_limit(
        self, name: str, concurrency_limit: a.GlobalConcurrencyLimitUpdate
    ) -> None:
        """Change the fields given; ``active_slots=0`` frees its slots. Raises ``ObjectNotFound``."""
        ...

    @operation("DELETE", "/v2/concurrency_limits/{name:path}", status_code=204)
    def delete_global_concurrency_limit_by_name(self, name: str) -> None:
        """Delete a global concurrency limit and its leases; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/concurrency_limits/")
    def create_concurrency_limit(self, tag: str, concurrency_limit: int) -> str:
        """Create or resize the limit on task runs with ``tag``; its ID."""
        ...

    @operation("GET", "/concurrency_limits/tag/{tag:path}")
    def read_concurrency_limit_by_tag(self, tag: str) -> o.ConcurrencyLimit:
        """The limit on a tag, with the task runs holding its slots; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/concurrency_limits/filter")
    def read_concurrency_limits(
        self, limit: int = 200, offset: int = 0
    ) -> list[o.ConcurrencyLimit]:
        """Tag limits, by tag."""
        ...

    @operation("GET", "/concurrency_limits/tags")
    def read_concurrency_limit_tags(self) -> list[str]:
        """The tags that have an active limit (what the task engine caches)."""
        ...

    @operation("DELETE", "/concurrency_limits/tag/{tag:path}", status_code=204)
    def delete_concurrency_limit_by_tag(self, tag: str) -> None:
        """Delete the limit on a tag; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/concurrency_limits/tag/{tag:path}/reset", status_code=204)
    def reset_concurrency_limit_by_tag(
        self, tag: str, slot_override: Optional[list[str]] = None
    ) -> None:
        """Free a tag limit's slots (but those of the task runs in ``slot_override``)."""
        ...

    @operation("POST", "/v2/concurrency_leases/acquire")
    def acquire_concurrency_slots_with_lease(
        self,
        names: list[str],
        slots: int = 1,
        mode: Literal["concurrency", "rate_limit"] = "concurrency",
        lease_duration: float = 300.0,
        holder: Optional[o.ConcurrencyLeaseHolder] = None,
        wait_seconds: float = 0.0,
    ) -> o.ConcurrencySlotAnswer:
        """Take ``slots`` of each active limit named, all or none, waiting up to
        ``wait_seconds`` (at most 2 s) for them; the grant, or a hint when to try again."""
        ...

    @operation("POST", "/v2/concurrency_leases/{lease_id}/renew")
    def renew_concurrency_lease(self, lease_id: str, lease_duration: float) -> bool:
        """Extend a live lease; False if it already expired (its holder should stop)."""
        ...

    @operation("DELETE", "/v2/concurrency_leases/{lease_id}", status_code=204)
    def release_concurrency_slots_with_lease(self, lease_id: str) -> None:
        """Free a lease's slots (idempotent)."""
        ...
