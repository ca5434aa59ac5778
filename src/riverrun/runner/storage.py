"""Prefect's ``prefect.runner.storage``: where a deployment's code is pulled from.

The implementation lives in ``riverrun.deployments.storage``; this is Prefect's import path.
"""

from riverrun.deployments.storage import GitRepository

__all__ = ["GitRepository"]
