"""Deployments: make a flow triggerable and schedulable (Prefect 3's ``prefect.deployments``).

Example:
    >>> from riverrun.deployments import run_deployment
    >>> run = run_deployment("sf-export/nightly", parameters={"env": "pro"}, timeout=0)

Names load on first use, so ``import riverrun.deployments`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "RunnerDeployment": "riverrun.deployments.runner",
    "run_deployment": "riverrun.deployments.flow_runs",
    "arun_deployment": "riverrun.deployments.flow_runs",
    "serve": "riverrun.deployments.serve",
    "aserve": "riverrun.deployments.serve",
    "deploy": "riverrun.deployments.deploy",
    "load_flow_from_entrypoint": "riverrun.deployments.loading",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.deployments.deploy import deploy  # noqa: F401
    from riverrun.deployments.flow_runs import arun_deployment, run_deployment  # noqa: F401
    from riverrun.deployments.loading import load_flow_from_entrypoint  # noqa: F401
    from riverrun.deployments.runner import RunnerDeployment  # noqa: F401
    from riverrun.deployments.serve import aserve, serve  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'riverrun.deployments' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
