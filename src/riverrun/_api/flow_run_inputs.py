"""Flow-run inputs: create, read, filter and delete the key/value text sent to a flow run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import objects as o


class FlowRunInputsAPI(Protocol):
    """The flow-run input operations (Prefect's ``/flow_runs/{id}/input`` routes)."""

    @operation("POST", "/flow_runs/{flow_run_id}/input", status_code=201)
    def create_flow_run_input(
        self, flow_run_id: Id, key: str, value: str, sender: Optional[str] = None
    ) -> None:
        """Store ``value`` (text, usually JSON) for the flow run under ``key``.

        Args:
            flow_run_id: the receiving flow run.
            key: lowercase letters, digits and dashes, unique per flow run.
            value: the input's text.
            sender: who sent it (``send_input`` puts the sending run's key here).

        Raises:
            InvalidNameError: the key has other characters.
            ObjectAlreadyExists: the run has an input with that key.
            ObjectNotFound: no flow run has that ID.
        """
        ...

    @operation("GET", "/flow_runs/{flow_run_id}/input/{key}")
    def read_flow_run_input(self, flow_run_id: Id, key: str) -> str:
        """The text stored under ``key`` for the flow run; raises ``ObjectNotFound``."""
        ...

    @operation("POST", "/flow_runs/{flow_run_id}/input/filter")
    def filter_flow_run_input(
        self, flow_run_id: Id, key_prefix: str, limit: int, exclude_keys: Iterable[str]
    ) -> list[o.FlowRunInput]:
        """The run's inputs whose key starts with ``key_prefix``, oldest first, at most ``limit``,
        leaving out ``exclude_keys`` (an unknown run has none)."""
        ...

    @operation("DELETE", "/flow_runs/{flow_run_id}/input/{key}", status_code=204)
    def delete_flow_run_input(self, flow_run_id: Id, key: str) -> None:
        """Delete the flow run's input under ``key``; raises ``ObjectNotFound``."""
        ...
