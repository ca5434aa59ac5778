"""``StoreAPI``: every operation of the table, as one Protocol; ``OPERATIONS``, the table."""

from __future__ import annotations

from typing import Protocol

from riverrun._api.artifacts import ArtifactsAPI
from riverrun._api.automations import AutomationsAPI
from riverrun._api.blocks import BlocksAPI
from riverrun._api.concurrency_limits import ConcurrencyLimitsAPI
from riverrun._api.deployments import DeploymentsAPI
from riverrun._api.events import EventsAPI
from riverrun._api.flow_run_inputs import FlowRunInputsAPI
from riverrun._api.flow_runs import FlowRunsAPI
from riverrun._api.flows import FlowsAPI
from riverrun._api.leases import LeasesAPI
from riverrun._api.logs import LogsAPI
from riverrun._api.operation import Operation, operations_of
from riverrun._api.slas import SlasAPI
from riverrun._api.task_runs import TaskRunsAPI
from riverrun._api.variables import VariablesAPI
from riverrun._api.work_pools import WorkPoolsAPI
from riverrun._api.work_queues import WorkQueuesAPI
from riverrun._api.workers import WorkersAPI


class StoreAPI(
    FlowsAPI,
    FlowRunsAPI,
    FlowRunInputsAPI,
    TaskRunsAPI,
    LogsAPI,
    ArtifactsAPI,
    VariablesAPI,
    DeploymentsAPI,
    BlocksAPI,
    EventsAPI,
    AutomationsAPI,
    ConcurrencyLimitsAPI,
    LeasesAPI,
    WorkPoolsAPI,
    WorkQueuesAPI,
    WorkersAPI,
    SlasAPI,
    Protocol,
):
    """What a backend of the clients offers: the embedded ``Store`` and the HTTP backend."""


RESOURCES: tuple[type, ...] = tuple(base for base in StoreAPI.__bases__ if base is not Protocol)
"""Every resource protocol, in the order their routes and methods are laid out."""


def operations() -> tuple[Operation, ...]:
    """The operation table, resolved (annotations evaluated); cached after the first call."""
    global _OPERATIONS
    if _OPERATIONS is None:
        _OPERATIONS = tuple(op for resource in RESOURCES for op in operations_of(resource))
    return _OPERATIONS


_OPERATIONS: tuple[Operation, ...] | None = None


def operation_named(name: str) -> Operation:
    """The operation of that name; raises ``KeyError``."""
    global _BY_NAME
    if _BY_NAME is None:
        _BY_NAME = {op.name: op for op in operations()}
    return _BY_NAME[name]


_BY_NAME: dict[str, Operation] | None = None
