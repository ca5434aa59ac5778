"""Prefect's ``prefect.events.schemas`` path: events and automations."""
