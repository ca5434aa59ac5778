"""Deployments: query, read."""

from __future__ import annotations

from typing import Optional, Protocol

from riverrun._api.operation import Id, operation
from riverrun.schemas import filters as f
from riverrun.schemas import objects as o
from riverrun.schemas import sorting as s


class DeploymentsAPI(Protocol):
    """The deployment operations."""

    @operation("POST", "/deployments/filter")
    def read_deployments(
        self,
        *,
        deployment_filter: Optional[f.DeploymentFilter] = None,
        flow_filter: Optional[f.FlowFilter] = None,
        sort: Optional[s.DeploymentSort] = None,
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> list[o.Deployment]:
        """Deployments matching the filters."""
        ...

    @operation("GET", "/deployments/{deployment_id}")
    def read_deployment(self, deployment_id: Id) -> o.Deployment:
        """One deployment; raises ``ObjectNotFound``."""
        ...
