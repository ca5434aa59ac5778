"""Actions an automation runs when it fires (Prefect's ``prefect.events.actions``)."""

from riverrun.schemas.automations import (
    ActionTypes,
    CallWebhook,
    CancelFlowRun,
    ChangeFlowRunState,
    DoNothing,
    PauseAutomation,
    PauseDeployment,
    ResumeAutomation,
    ResumeDeployment,
    RunDeployment,
    SendNotification,
)

__all__ = [
    "ActionTypes", "CallWebhook", "CancelFlowRun", "ChangeFlowRunState", "DoNothing",
    "PauseAutomation", "PauseDeployment", "ResumeAutomation", "ResumeDeployment",
    "RunDeployment", "SendNotification",
]  # fmt: skip
