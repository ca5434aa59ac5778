"""The clients: query and command riverrun's runs, flows, logs, artifacts and variables.

``SyncRiverrunClient`` holds every method once; ``RiverrunClient`` (Prefect's
``PrefectClient``) is generated from it, one ``async`` twin per public method, each running
the sync method in a worker thread, so the two can never drift apart and nothing is bound to
an event loop: ``asyncio.run(get_client().update_flow_run(...))`` works any number of times.

Example:
    >>> async with get_client() as client:
    ...     runs = await client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=5)
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, overload

from riverrun.client._blocks import BlockClientMixin
from riverrun.client._deployments import DeploymentClientMixin
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s
from riverrun.schemas.actions import (
    ArtifactCreate,
    VariableCreate,
    VariableUpdate,
)
from riverrun.states import State

if TYPE_CHECKING:
    from typing_extensions import Self

Id = Union[uuid.UUID, str]


class SyncRiverrunClient(BlockClientMixin, DeploymentClientMixin):
    """The synchronous client (Prefect's ``SyncPrefectClient``); method names as Prefect 3.

    Use it as a context manager or bare; it opens nothing until the first call.

    Args:
        backend: where calls go (default: what the current settings name — the embedded
            store, ``RIVERRUN_DATABASE_URL``, or a server at ``RIVERRUN_API_URL``).
    """

    def __init__(self, backend: Any = None, **_ignored: Any) -> None:
        if backend is None:
            from riverrun.client._transport import backend_for
            from riverrun.settings import get_current_settings

            backend = backend_for(get_current_settings())
        self._store = backend

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._store!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def api_healthcheck(self) -> Optional[Exception]:
        """None if the store (or server) answers, else the exception it raised."""
        try:
            self._store.count_flow_runs()
        except Exception as exc:
            return exc
        return None

    # -- flow runs -------------------------------------------------------------------------
    def read_flow_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        sort: Optional[s.FlowRunSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.FlowRun]:
        """Flow runs matching every given filter.

        Args:
            flow_filter: keep runs of matching flows.
            flow_run_filter: conditions on the runs themselves (name, tags, state, times...).
            task_run_filter: keep runs with a matching task run.
            deployment_filter: keep runs of matching deployments.
            sort: order (default ``FlowRunSort.ID_DESC``, newest first).
            limit: at most this many (default: all).
            offset: skip this many first.

        Example:
            >>> client.read_flow_runs(
            ...     flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["env:pro"])),
            ...     sort=FlowRunSort.START_TIME_DESC, limit=10)
        """
        return self._store.read_flow_runs(  # type: ignore[no-any-return]
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            sort=sort, limit=limit, offset=offset,
        )  # fmt: skip

    def count_flow_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
    ) -> int:
        """How many flow runs match the filters."""
        return self._store.count_flow_runs(  # type: ignore[no-any-return]
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
        )  # fmt: skip

    def read_flow_run(self, flow_run_id: Id) -> o.FlowRun:
        """One flow run; raises ``ObjectNotFound``."""
        return self._store.read_flow_run(flow_run_id)  # type: ignore[no-any-return]

    def update_flow_run(
        self,
        flow_run_id: Id,
        name: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
    ) -> None:
        """Rename a flow run and/or replace its tags (a set or a list); raises ``ObjectNotFound``.

        The new tags survive the run's later state changes.
        """
        self._store.update_flow_run(flow_run_id, name=name, tags=tags)

    def set_flow_run_state(
        self, flow_run_id: Id, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a state; the result says whether it was accepted, and why not."""
        return self._store.set_flow_run_state(  # type: ignore[no-any-return]
            flow_run_id, state, force=force
        )

    def read_flow_run_states(self, flow_run_id: Id) -> list[State]:
        """Every state of a flow run, oldest first."""
        return self._store.read_flow_run_states(flow_run_id)  # type: ignore[no-any-return]

    def delete_flow_run(self, flow_run_id: Id) -> None:
        """Delete a flow run with everything recorded about it; raises ``ObjectNotFound``."""
        self._store.delete_flow_run(flow_run_id)

    # -- task runs -------------------------------------------------------------------------
    def read_task_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        sort: Optional[s.TaskRunSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.TaskRun]:
        """Task runs matching every given filter (default order ``EXPECTED_START_TIME_DESC``)."""
        return self._store.read_task_runs(  # type: ignore[no-any-return]
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            sort=sort, limit=limit, offset=offset,
        )  # fmt: skip

    def count_task_runs(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
    ) -> int:
        """How many task runs match the filters."""
        return self._store.count_task_runs(  # type: ignore[no-any-return]
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
        )  # fmt: skip

    def read_task_run(self, task_run_id: Id) -> o.TaskRun:
        """One task run; raises ``ObjectNotFound``."""
        return self._store.read_task_run(task_run_id)  # type: ignore[no-any-return]

    def set_task_run_state(
        self, task_run_id: Id, state: State, force: bool = False
    ) -> o.OrchestrationResult:
        """Propose a state for a task run."""
        return self._store.set_task_run_state(  # type: ignore[no-any-return]
            task_run_id, state, force=force
        )

    def read_task_run_states(self, task_run_id: Id) -> list[State]:
        """Every state of a task run, oldest first."""
        return self._store.read_task_run_states(task_run_id)  # type: ignore[no-any-return]

    # -- flows -------------------------------------------------------------------------------
    def read_flows(
        self,
        *,
        flow_filter: Optional[f.FlowFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        sort: Optional[s.FlowSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.Flow]:
        """Flows matching the filters (run filters keep flows with a matching run)."""
        return self._store.read_flows(  # type: ignore[no-any-return]
            flow_filter=flow_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, deployment_filter=deployment_filter,
            sort=sort, limit=limit, offset=offset,
        )  # fmt: skip

    def read_flow(self, flow_id: Id) -> o.Flow:
        """One flow by ID; raises ``ObjectNotFound``."""
        return self._store.read_flow(flow_id)  # type: ignore[no-any-return]

    def read_flow_by_name(self, flow_name: str) -> o.Flow:
        """One flow by name; raises ``ObjectNotFound``."""
        return self._store.read_flow_by_name(flow_name)  # type: ignore[no-any-return]

    # -- logs, artifacts ----------------------------------------------------------------------
    def read_logs(
        self,
        log_filter: Optional[f.LogFilter] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        sort: s.LogSort = s.LogSort.TIMESTAMP_ASC,
    ) -> list[o.Log]:
        """Log lines matching the filter, oldest first by default."""
        return self._store.read_logs(  # type: ignore[no-any-return]
            log_filter=log_filter, limit=limit, offset=offset, sort=sort
        )

    def read_artifacts(
        self,
        *,
        artifact_filter: Optional[f.ArtifactFilter] = None,
        flow_run_filter: Optional[f.FlowRunFilter] = None,
        task_run_filter: Optional[f.TaskRunFilter] = None,
        sort: Optional[s.ArtifactSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.Artifact]:
        """Artifacts matching the filters, newest first by default."""
        return self._store.read_artifacts(  # type: ignore[no-any-return]
            artifact_filter=artifact_filter, flow_run_filter=flow_run_filter,
            task_run_filter=task_run_filter, sort=sort, limit=limit, offset=offset,
        )  # fmt: skip

    def create_artifact(self, artifact: ArtifactCreate) -> o.Artifact:
        """Store an artifact."""
        fields = artifact.model_dump(exclude_none=True)
        return self._store.create_artifact(**fields)  # type: ignore[no-any-return]

    # -- variables ------------------------------------------------------------------------------
    def read_variable_by_name(self, name: str) -> Optional[o.Variable]:
        """The variable with that name, or None."""
        return self._store.read_variable_by_name(name)  # type: ignore[no-any-return]

    def read_variables(self, limit: Optional[int] = None) -> list[o.Variable]:
        """Every variable, by name."""
        return self._store.read_variables(limit=limit)  # type: ignore[no-any-return]

    def create_variable(self, variable: VariableCreate) -> o.Variable:
        """Create a variable; raises ``ObjectAlreadyExists`` if the name is taken."""
        return self._store.create_variable(  # type: ignore[no-any-return]
            variable.name, variable.value, variable.tags
        )

    def update_variable(
        self, variable: Union[VariableCreate, VariableUpdate], name: Optional[str] = None
    ) -> o.Variable:
        """Change a variable's value (and tags); raises ``ObjectNotFound``.

        ``variable`` is a ``VariableCreate`` (it names the variable) or a ``VariableUpdate``
        with ``name=`` given.
        """
        target = name or getattr(variable, "name", None)
        if not target:
            raise TypeError("update_variable needs the variable's name: pass name=...")
        return self._store.update_variable(  # type: ignore[no-any-return]
            target, variable.value, variable.tags
        )

    def delete_variable_by_name(self, name: str) -> None:
        """Delete a variable; raises ``ObjectNotFound``."""
        self._store.delete_variable_by_name(name)


class RiverrunClient:
    """The async client (Prefect's ``PrefectClient``): every public method of
    ``SyncRiverrunClient``, as a coroutine that runs it in a worker thread.

    Use it as ``async with get_client() as client`` or bare; it holds no event-loop state,
    so one instance serves any number of ``asyncio.run`` calls.
    """

    def __init__(self, backend: Any = None, **kwargs: Any) -> None:
        self._sync = SyncRiverrunClient(backend, **kwargs)

    def __repr__(self) -> str:
        return f"RiverrunClient({self._sync._store!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    if TYPE_CHECKING:  # the methods below are generated

        def __getattr__(self, name: str) -> Callable[..., Any]: ...


def _async_twin(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    async def twin(self: RiverrunClient, *args: Any, **kwargs: Any) -> Any:
        # A thread keeps a slow store or server from blocking the caller's event loop.
        return await asyncio.to_thread(func, self._sync, *args, **kwargs)

    return twin


def _derive_async_methods() -> None:
    for name, func in inspect.getmembers(SyncRiverrunClient, inspect.isfunction):
        if not name.startswith("_"):
            setattr(RiverrunClient, name, _async_twin(func))


_derive_async_methods()

# Prefect's names, for code ported with the class-name replacement only.
SyncClient = SyncRiverrunClient


@overload
def get_client(sync_client: Literal[False] = False, **kwargs: Any) -> RiverrunClient: ...


@overload
def get_client(sync_client: Literal[True], **kwargs: Any) -> SyncRiverrunClient: ...


@overload
def get_client(
    sync_client: bool = ..., **kwargs: Any
) -> Union[RiverrunClient, SyncRiverrunClient]: ...


def get_client(
    sync_client: bool = False, **kwargs: Any
) -> Union[RiverrunClient, SyncRiverrunClient]:
    """The client for the current settings: async by default, sync with ``sync_client=True``.

    Example:
        >>> with get_client(sync_client=True) as client:
        ...     client.read_flow_runs(limit=1)
    """
    if sync_client:
        return SyncRiverrunClient(**kwargs)
    return RiverrunClient(**kwargs)


__all__ = ["RiverrunClient", "SyncClient", "SyncRiverrunClient", "get_client"]
