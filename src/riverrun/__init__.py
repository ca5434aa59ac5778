"""riverrun: Prefect 3's programming model, far faster and lighter.

Public names are loaded on first use (PEP 562), so ``import riverrun`` costs almost nothing
and imports no heavy dependency; ``from riverrun import flow`` loads only what flows need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "flow": "riverrun.flows",
    "Flow": "riverrun.flows",
    "task": "riverrun.tasks",
    "Task": "riverrun.tasks",
    "tags": "riverrun.context",
    "get_run_logger": "riverrun.logging",
    "get_client": "riverrun.client",
    "State": "riverrun.states",
    "unmapped": "riverrun.utilities.annotations",
    "allow_failure": "riverrun.utilities.annotations",
    "serve": "riverrun.deployments.serve",
    "aserve": "riverrun.deployments.serve",
    "deploy": "riverrun.deployments.deploy",
    "Transaction": "riverrun.transactions",
    "pause_flow_run": "riverrun.flow_runs",
    "apause_flow_run": "riverrun.flow_runs",
    "resume_flow_run": "riverrun.flow_runs",
    "aresume_flow_run": "riverrun.flow_runs",
    "suspend_flow_run": "riverrun.flow_runs",
    "asuspend_flow_run": "riverrun.flow_runs",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.client import get_client  # noqa: F401
    from riverrun.context import tags  # noqa: F401
    from riverrun.deployments.deploy import deploy  # noqa: F401
    from riverrun.deployments.serve import aserve, serve  # noqa: F401
    from riverrun.flow_runs import (  # noqa: F401
        apause_flow_run,
        aresume_flow_run,
        asuspend_flow_run,
        pause_flow_run,
        resume_flow_run,
        suspend_flow_run,
    )
    from riverrun.flows import Flow, flow  # noqa: F401
    from riverrun.logging import get_run_logger  # noqa: F401
    from riverrun.states import State  # noqa: F401
    from riverrun.tasks import Task, task  # noqa: F401
    from riverrun.transactions import Transaction  # noqa: F401
    from riverrun.utilities.annotations import allow_failure, unmapped  # noqa: F401


# Submodules Prefect code reaches as attributes (``prefect.runtime.flow_run.id``), imported on
# first use like the names above.
_SUBMODULES = frozenset({"artifacts", "context", "exceptions", "runtime", "states", "variables"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"riverrun.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'riverrun' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
