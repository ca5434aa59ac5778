"""An automation as the Python that creates it (what the UI's automation page shows)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from riverrun._automations.python_source import automation_source
from riverrun.automations import Automation, ChangeFlowRunState, flow_run_state_trigger
from riverrun.states import StateType


def test_proactive_automation_source_runs_back_into_the_same_automation() -> None:
    automation = Automation(
        name="stuck runs", description="Running for two hours",
        trigger=flow_run_state_trigger(["Running"], tags=["env:pro"], posture="Proactive",
                                       within=timedelta(hours=2)),
        actions=[ChangeFlowRunState(state=StateType.FAILED, message="stuck")],
    )  # fmt: skip
    source = automation_source(automation)
    assert source.startswith("from datetime import timedelta\n\nfrom riverrun.automations import")
    assert source.endswith("automation.create()\n") and max(map(len, source.splitlines())) <= 88
    namespace: dict[str, Any] = {}
    exec(source.removesuffix("automation.create()\n"), namespace)
    assert namespace["automation"] == automation
