"""Everything about runs in the store, as one mixin of ``Store``: flows, flow runs, task runs,
logs and artifacts, each in its own module (as in ``riverrun._api``)."""

from __future__ import annotations

from riverrun._store.artifacts import ArtifactStoreMixin
from riverrun._store.flow_runs import FlowRunStoreMixin
from riverrun._store.flows import FlowStoreMixin
from riverrun._store.logs import LogStoreMixin
from riverrun._store.task_runs import TaskRunStoreMixin


class RunStoreMixin(
    FlowRunStoreMixin, TaskRunStoreMixin, FlowStoreMixin, LogStoreMixin, ArtifactStoreMixin
):
    """Queries and commands over runs and what hangs off them."""
