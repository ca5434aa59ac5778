"""``deploy()`` / ``flow.deploy()``: store deployments for a work pool's workers.

No image is built or pushed (Prefect's ``build=False``): a worker runs the code from the
deployment's entrypoint on its own machine. Workers are issue 14.
"""

from __future__ import annotations

import uuid
from typing import Any

from riverrun.deployments.runner import RunnerDeployment


def deploy(
    *deployments: RunnerDeployment,
    work_pool_name: str | None = None,
    image: Any = None,
    build: bool = False,
    push: bool = False,
    print_next_steps_message: bool = True,
    **_prefect_only: Any,
) -> list[uuid.UUID]:
    """Store each deployment for the work pool ``work_pool_name`` (or its own pool).

    Raises:
        ValueError: a deployment has no work pool, or an image build was asked for.
    """
    if image is not None or build or push:
        raise ValueError(
            "riverrun does not build or push images: workers run the code from the entrypoint "
            "on their machine. Drop image=/build=/push= (Prefect's build=False)."
        )
    ids = []
    for deployment in deployments:
        pool = work_pool_name or deployment.work_pool_name
        if not pool:
            raise ValueError(
                f"Deployment {deployment.full_name!r} has no work pool; pass "
                "work_pool_name='my-pool' (workers of that pool run its runs)."
            )
        ids.append(deployment.apply(work_pool_name=pool))
        if print_next_steps_message:
            print(f"Deployment '{deployment.full_name}' stored for work pool {pool!r}. Start a "
                  f"worker with `riverrun worker start --pool {pool}`; trigger a run with "
                  f"`riverrun deployment run '{deployment.full_name}'`.")  # fmt: skip
    return ids
