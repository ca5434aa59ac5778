"""Prefect's ``prefect._experimental`` path: features Prefect marks experimental."""
