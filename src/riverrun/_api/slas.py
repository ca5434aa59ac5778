"""Service level agreements of deployments: apply (merge by name), read."""

from __future__ import annotations

from typing import Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import slas as sl


class SlasAPI(Protocol):
    """The SLA operations."""

    @operation("POST", "/deployments/{deployment_id}/slas")
    def apply_slas_for_deployment(
        self, deployment_id: Id, slas: list[sl.SlaTypes]
    ) -> sl.SlaMergeResponse:
        """Make ``slas`` the deployment's SLAs, matched by name: new names are created, known
        ones updated, the deployment's other SLAs deleted. Raises ``ObjectNotFound`` for an
        unknown deployment."""
        ...

    @operation("GET", "/deployments/{deployment_id}/slas")
    def read_slas_for_deployment(self, deployment_id: Id) -> list[sl.Sla]:
        """The deployment's SLAs, by name. Raises ``ObjectNotFound`` for an unknown deployment."""
        ...
