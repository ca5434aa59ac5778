"""Events and resources (Prefect's ``prefect.events.schemas.events``)."""

from riverrun.schemas.automations import (
    Event,
    ReceivedEvent,
    RelatedResource,
    Resource,
    ResourceSpecification,
)

__all__ = ["Event", "ReceivedEvent", "RelatedResource", "Resource", "ResourceSpecification"]
