"""Run methods of the client whose Prefect shape differs from the operation they use.

Prefect's ``create_flow`` and ``create_flow_run`` take a ``Flow`` object, ``create_logs``
takes ``LogCreate`` models or plain dicts, ``create_task_run`` takes a ``Task`` object, and
``set_flow_run_name`` is a rename through
``update_flow_run``; these turn them into the operations of the table
(``riverrun._api.flow_runs``, ``riverrun._api.logs``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Optional, Union

from riverrun._api.operation import Id
from riverrun.schemas import objects as o

if TYPE_CHECKING:
    from riverrun._api.store_api import StoreAPI
    from riverrun.schemas.actions import LogCreate
    from riverrun.states import State


def _flow_name(flow: Any) -> str:
    name = getattr(flow, "name", None)
    if not isinstance(name, str):
        raise TypeError(
            f"Expected a flow (a function decorated with @flow), got {type(flow).__name__}; "
            "pass the flow object itself, e.g. client.create_flow_run(my_flow)."
        )
    return name


class RunWriteClientMixin:
    """``create_flow``, ``create_flow_run``, ``create_task_run``, ``set_flow_run_name`` and
    ``create_logs`` as Prefect's client has them."""

    _backend: StoreAPI

    def create_flow(self, flow: Any) -> uuid.UUID:
        """Create the flow's record if it has none; returns the flow's ID (idempotent)."""
        return uuid.UUID(self._backend.create_flow_from_name(_flow_name(flow)))

    def create_flow_run(
        self,
        flow: Any,
        name: Optional[str] = None,
        parameters: Optional[dict[str, Any]] = None,
        context: Optional[dict[str, Any]] = None,
        tags: Optional[Iterable[str]] = None,
        parent_task_run_id: Optional[Id] = None,
        state: Optional[State] = None,
        work_pool_name: Optional[str] = None,
        work_queue_name: Optional[str] = None,
        job_variables: Optional[dict[str, Any]] = None,
    ) -> o.FlowRun:
        """Create a flow run of ``flow`` without running it: Pending unless ``state`` says
        otherwise (Prefect's ``create_flow_run``).

        ``work_pool_name``, ``work_queue_name`` and ``job_variables`` are accepted for
        Prefect's signature; a run made here has no deployment, so no worker picks it up.
        """
        _ = (work_pool_name, work_queue_name, job_variables)
        return self._backend.create_flow_run(
            _flow_name(flow),
            name=name,
            parameters=parameters,
            context=context,
            tags=list(tags) if tags is not None else None,
            parent_task_run_id=parent_task_run_id,
            state=state,
            flow_version=getattr(flow, "version", None),
        )

    def create_task_run(
        self,
        task: Any,
        flow_run_id: Optional[Id],
        dynamic_key: str,
        id: Optional[Id] = None,
        name: Optional[str] = None,
        extra_tags: Optional[Iterable[str]] = None,
        state: Optional[State] = None,
        task_inputs: Optional[dict[str, list[o.TaskRunInput]]] = None,
    ) -> o.TaskRun:
        """Create a run of ``task`` in a flow run (or none) without running it: Pending unless
        ``state`` says otherwise, tagged with the task's tags and ``extra_tags``, with its
        retry policy (Prefect's ``create_task_run``).

        The flow run's existing task run of the same task and ``dynamic_key`` is returned
        instead of a second one. Raises ``ObjectNotFound`` for an unknown flow run.
        """
        task_key = getattr(task, "task_key", None)
        if not isinstance(task_key, str):
            raise TypeError(
                f"Expected a task (a function decorated with @task), got {type(task).__name__}; "
                "pass the task object itself, e.g. client.create_task_run(my_task, run.id, '0')."
            )
        delay = task.retry_delay_seconds
        # As Prefect's client: retry delays travel as whole seconds.
        delay = [int(d) for d in delay] if isinstance(delay, list) else int(delay or 0)
        return self._backend.create_task_run(
            task_key,
            flow_run_id,
            str(dynamic_key),
            id=id,
            name=name,
            tags=sorted(set(task.tags).union(extra_tags or [])),
            task_version=task.version,
            empirical_policy={
                "retries": task.retries,
                "retry_delay": delay,
                "retry_jitter_factor": task.retry_jitter_factor,
            },
            state=state,
            task_inputs=task_inputs,
        )

    def set_flow_run_name(self, flow_run_id: Id, name: str) -> None:
        """Rename a flow run; raises ``ObjectNotFound``."""
        self._backend.update_flow_run(flow_run_id, name=name)

    def create_logs(self, logs: Iterable[Union[LogCreate, dict[str, Any]]]) -> None:
        """Store log lines: ``LogCreate`` models or dicts with the same fields."""
        from riverrun.schemas.actions import LogCreate

        lines = [
            line if isinstance(line, LogCreate) else LogCreate.model_validate(line) for line in logs
        ]
        self._backend.create_logs(lines)

    @property
    def api_url(self) -> Optional[str]:
        """The server's API URL, or None when the client uses the embedded store."""
        from riverrun.client._http import HttpBackend

        # Only the HTTP backend's URL is an API's; the embedded one's is a database URL.
        return self._backend.url if isinstance(self._backend, HttpBackend) else None
