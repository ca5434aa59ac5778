"""Resuming paused flow runs: the store's side of ``riverrun.flow_runs.resume_flow_run``.

A pause is a PAUSED state proposed by the paused run itself (``set_flow_run_state``). When the
run waits for input, its Paused state's details carry the keyset (``run_input_keyset``, as in
Prefect) and the JSON schema of the expected input (``run_input_schema``); resuming validates
the input against it and records it in the details of the Running state it proposes
(``run_input``), where the paused process reads it. One row per fact, no separate input table.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from riverrun._internal import clock
from riverrun._internal.parameter_schema import parameter_problems
from riverrun._store.runs import RunStoreMixin
from riverrun.schemas import objects as o
from riverrun.states import Failed, Running, Scheduled, StateType


def _expired(pause_timeout: Any) -> bool:
    if not pause_timeout:
        return False
    deadline = (
        pause_timeout
        if isinstance(pause_timeout, datetime)
        else datetime.fromisoformat(str(pause_timeout))
    )
    return deadline < clock.now()


class PauseStoreMixin(RunStoreMixin):
    """Resume a paused or suspended flow run."""

    def resume_flow_run(
        self, flow_run_id: uuid.UUID | str, run_input: dict[str, Any] | None = None
    ) -> o.OrchestrationResult:
        """Resume a paused flow run, with the input it waits for (validated against its schema).

        A blocking pause becomes Running (the paused process goes on); a suspended run becomes
        Scheduled ``Resuming`` (a worker or ``serve()`` runs it again). An expired pause fails
        the run instead, and the answer is a rejection carrying that Failed state.

        Raises:
            ObjectNotFound: no flow run has that ID.
        """
        run = self.read_flow_run(flow_run_id)
        current = run.state
        if current is None or current.type is not StateType.PAUSED:
            return o.OrchestrationResult(
                status="ABORT", state=None, reason="Cannot resume a flow run that is not paused."
            )
        details = current.state_details
        verb = "suspend" if current.name == "Suspended" else "pause"
        if _expired(details.get("pause_timeout")):
            failed = Failed(message=f"The flow was {current.name.lower()} and never resumed.")
            self.set_flow_run_state(run.id, failed, force=True)
            return o.OrchestrationResult(
                status="REJECT", state=failed,
                reason=f"The flow run {verb} has timed out and can no longer resume.",
            )  # fmt: skip
        keyset = details.get("run_input_keyset")
        new_details: dict[str, Any] = {}
        if keyset:
            schema = details.get("run_input_schema")
            if not schema:
                return o.OrchestrationResult(
                    status="REJECT", state=current, reason="Run input schema not found."
                )
            problems = parameter_problems(run_input or {}, schema)
            if problems:
                return o.OrchestrationResult(
                    status="REJECT", state=current, reason="Reason: " + "; ".join(problems)
                )
            new_details["run_input"] = run_input or {}
        if details.get("pause_reschedule"):
            resumed = Scheduled(
                name="Resuming", state_details={**new_details, "scheduled_time": clock.now()}
            )
        else:
            resumed = Running(state_details=new_details)
        return self.set_flow_run_state(run.id, resumed)
