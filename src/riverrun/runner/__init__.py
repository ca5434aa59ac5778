"""Prefect's ``prefect.runner`` path: ``riverrun.runner.storage`` holds ``GitRepository``."""
