"""Record the public names of Prefect's public modules, run with Prefect's interpreter.

    python tests/conformance/surface/record.py OUT.json

For each module: ``__all__`` when it declares one, else the public names it defines (not the
modules, typing helpers and third-party objects it merely imports). For the classes users call
methods on (the client, Flow, Task, State, Block, Variable, Artifact, filters and sorts), the
public methods and fields too, as ``Class.name``.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import sys
import types
import typing

MODULES = [
    "prefect",
    "prefect.flows",
    "prefect.tasks",
    "prefect.states",
    "prefect.futures",
    "prefect.exceptions",
    "prefect.context",
    "prefect.artifacts",
    "prefect.variables",
    "prefect.results",
    "prefect.cache_policies",
    "prefect.transactions",
    "prefect.locking.memory",
    "prefect.locking.filesystem",
    "prefect.locking.protocol",
    "prefect.flow_runs",
    "prefect.task_runs",
    "prefect.runtime.flow_run",
    "prefect.runtime.task_run",
    "prefect.runtime.deployment",
    "prefect.logging",
    "prefect.logging.loggers",
    "prefect.task_runners",
    "prefect.serializers",
    "prefect.filesystems",
    "prefect.blocks.core",
    "prefect.blocks.system",
    "prefect.blocks.notifications",
    "prefect.blocks.abstract",
    "prefect.client",
    "prefect.client.orchestration",
    "prefect.client.schemas",
    "prefect.client.schemas.filters",
    "prefect.client.schemas.sorting",
    "prefect.client.schemas.objects",
    "prefect.client.schemas.actions",
    "prefect.settings",
    "prefect.utilities.annotations",
    "prefect.input",
    "prefect.deployments",
    "prefect.schedules",
    "prefect.events",
    "prefect.automations",
    "prefect.concurrency.sync",
    "prefect.concurrency.asyncio",
    "prefect.workers",
    "prefect.task_worker",
    "prefect.testing.utilities",
]
CLASSES = [
    "prefect.client.orchestration:PrefectClient",
    "prefect.client.orchestration:SyncPrefectClient",
    "prefect.flows:Flow",
    "prefect.tasks:Task",
    "prefect.client.schemas.objects:State",
    "prefect.futures:PrefectFuture",
    "prefect.blocks.core:Block",
    "prefect.variables:Variable",
    "prefect.artifacts:Artifact",
    "prefect.results:ResultStore",
    "prefect.transactions:Transaction",
    "prefect.context:FlowRunContext",
    "prefect.context:TaskRunContext",
    "prefect.client.schemas.filters:FlowRunFilter",
    "prefect.client.schemas.filters:TaskRunFilter",
    "prefect.client.schemas.filters:LogFilter",
    "prefect.client.schemas.filters:ArtifactFilter",
    "prefect.client.schemas.filters:FlowFilter",
    "prefect.client.schemas.filters:DeploymentFilter",
    "prefect.client.schemas.filters:FlowRunFilterTags",
    "prefect.client.schemas.filters:TaskRunFilterTags",
    "prefect.client.schemas.sorting:FlowRunSort",
    "prefect.client.schemas.sorting:TaskRunSort",
    "prefect.client.schemas.sorting:LogSort",
    "prefect.client.schemas.sorting:ArtifactSort",
    "prefect.client.schemas.objects:FlowRun",
    "prefect.client.schemas.objects:TaskRun",
    "prefect.client.schemas.objects:StateDetails",
]


def public_names(module: types.ModuleType) -> list[str]:
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return sorted(set(declared))  # a module that declares __all__ means every name in it
    # Without __all__, a module's public names are those it defines: what it imports from
    # elsewhere is another module's name (and usually an internal one).
    return sorted(
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(obj)
        and not isinstance(obj, typing.TypeVar | typing.ParamSpec)
        and getattr(obj, "__module__", None) == module.__name__
    )


def class_members(cls: type) -> list[str]:
    if issubclass(cls, enum.Enum):
        return sorted(cls.__members__)
    fields = set(getattr(cls, "model_fields", {}) or {})
    methods = {
        n
        for n, _ in inspect.getmembers(cls)
        if not n.startswith("_")
        and not n.startswith("model_")
        and n
        not in {
            "schema",
            "schema_json",
            "json",
            "dict",
            "copy",
            "parse_obj",
            "parse_raw",
            "parse_file",
            "from_orm",
            "construct",
            "validate",
            "update_forward_refs",
        }
    }
    return sorted(fields | methods)


def main() -> None:
    import prefect

    snapshot: dict[str, object] = {
        "prefect_version": prefect.__version__,
        "modules": {},
        "classes": {},
    }
    for name in MODULES:
        snapshot["modules"][name] = public_names(importlib.import_module(name))  # type: ignore[index]
    for spec in CLASSES:
        mod, cls = spec.split(":")
        snapshot["classes"][spec] = class_members(getattr(importlib.import_module(mod), cls))  # type: ignore[index]
    with open(sys.argv[1], "w") as f:
        json.dump(snapshot, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
