"""Prefect's ``prefect._experimental.sla.objects``: the SLA models, from ``riverrun.schemas``."""

from riverrun.schemas.slas import (
    FrequencySla,
    LatenessSla,
    ServiceLevelAgreement,
    SlaMergeResponse,
    SlaTypes,
    TimeToCompletionSla,
)

__all__ = [
    "FrequencySla",
    "LatenessSla",
    "ServiceLevelAgreement",
    "SlaMergeResponse",
    "SlaTypes",
    "TimeToCompletionSla",
]
