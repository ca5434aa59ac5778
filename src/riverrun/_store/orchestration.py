"""Orchestration rules: whether a proposed state may replace a run's current one.

Each rule is a small class named for what it does; a policy is an ordered tuple of them. The
first rule that objects decides; if none does, the state is accepted. ``force=True`` skips the
policy, as in Prefect. Rules are pure: they see the current and proposed states, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from riverrun.schemas.leases import LEASE_TOKEN_DETAIL
from riverrun.states import State, StateType


@dataclass(frozen=True)
class Decision:
    """A rule's objection: ``REJECT`` (keep the current state) or ``ABORT``, with a reason."""

    status: str
    reason: str


class OrchestrationRule:
    """A rule over a proposed transition; ``check`` returns None to let it through."""

    applies_to: ClassVar[frozenset[str]] = frozenset({"flow_run", "task_run"})

    def check(self, current: State | None, proposed: State) -> Decision | None:
        raise NotImplementedError


class PreventLeavingFinalStates(OrchestrationRule):
    """A completed, failed, cancelled or crashed run stays that way (unless forced)."""

    def check(self, current: State | None, proposed: State) -> Decision | None:
        if current is not None and current.is_final():
            return Decision(
                "REJECT",
                f"The run is already in final state {current.name!r}; pass force=True to "
                f"set {proposed.name!r} anyway.",
            )
        return None


class PreventPendingAfterStart(OrchestrationRule):
    """A run that is already pending, running or cancelling cannot go back to Pending."""

    _BLOCKING = frozenset({StateType.PENDING, StateType.RUNNING, StateType.CANCELLING})

    def check(self, current: State | None, proposed: State) -> Decision | None:
        if proposed.is_pending() and current is not None and current.type in self._BLOCKING:
            return Decision(
                "ABORT",
                f"The run is already {current.name!r}; it cannot become Pending again.",
            )
        return None


class RejectStatesOlderThanCurrent(OrchestrationRule):
    """A state stamped before the current one would be ignored by the store: say so."""

    def check(self, current: State | None, proposed: State) -> Decision | None:
        if current is not None and proposed.timestamp < current.timestamp:
            return Decision(
                "REJECT",
                f"The proposed state is timestamped {proposed.timestamp.isoformat()}, before "
                f"the current state ({current.timestamp.isoformat()}).",
            )
        return None


def fence(run_token: int | None, proposed: State, leased: bool = True) -> Decision | None:
    """Refuse a proposal whose lease token does not hold the run's lease (a stale holder).

    ``leased``: whether the run's lease is held by anyone now. A token older than the run's
    lost the lease to another holder; the run's own token with no lease held lost it to the
    sweeper (it expired). Ingest fences states that come as events the same way.
    """
    token = proposed.state_details.get(LEASE_TOKEN_DETAIL)
    if token is None or run_token is None:
        return None
    try:
        given = int(token)
    except (TypeError, ValueError):
        return Decision("ABORT", f"state_details.{LEASE_TOKEN_DETAIL} must be an integer, "
                                 f"not {token!r}.")  # fmt: skip
    if given < run_token or (given == run_token and not leased):
        return Decision(
            "REJECT",
            f"Stale lease: the proposal carries lease token {given} but the run's lease is at "
            f"{run_token}{'' if leased else ', held by no one'} (it expired and was taken over "
            "or swept). This holder no longer runs the run; stop working on it.",
        )
    return None


DEFAULT_POLICY: tuple[OrchestrationRule, ...] = (
    PreventLeavingFinalStates(),
    PreventPendingAfterStart(),
    RejectStatesOlderThanCurrent(),
)


def decide(
    current: State | None,
    proposed: State,
    *,
    force: bool = False,
    policy: tuple[OrchestrationRule, ...] = DEFAULT_POLICY,
) -> Decision | None:
    """The first objection of the policy's rules to the transition, or None to accept it."""
    if force:
        return None
    for rule in policy:
        decision = rule.check(current, proposed)
        if decision is not None:
            return decision
    return None
