"""Build the FastAPI application: routers under ``/api``, auth, limits, errors, services."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from riverrun.server import errors, long_poll
from riverrun.server.api_version import ApiVersionCheck
from riverrun.server.auth import AuthLimiters, require_api_key
from riverrun.server.config import ServerConfig, riverrun_version
from riverrun.server.deps import prepare_store
from riverrun.server.limits import BodySizeLimit
from riverrun.server.services.runner import Service, ServiceRunner, Wakeup


def server_services(config: ServerConfig) -> list[Service]:
    """The background services a server with this configuration runs."""
    from riverrun.server.services.automations import AutomationService
    from riverrun.server.services.concurrency import ConcurrencyLeaseSweeper
    from riverrun.server.services.leases import LeaseSweeperService
    from riverrun.server.services.retention import RetentionService
    from riverrun.server.services.scheduler import SchedulerService
    from riverrun.server.services.slas import SlaService
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    services: list[Service] = [SchedulerService()]
    services.append(LeaseSweeperService(settings.server_services_lease_sweeper_loop_seconds,
                                        settings.flows_lease_seconds))  # fmt: skip
    if config.retention_days > 0:
        services.append(RetentionService(config))
    services.append(AutomationService())
    services.append(ConcurrencyLeaseSweeper())
    services.append(SlaService(settings.server_services_sla_loop_seconds))
    return services


def create_app(config: ServerConfig) -> FastAPI:
    """The riverrun API as an ASGI app, serving the store at ``config.database_url``.

    The store's schema is brought to head before the app takes requests.
    """
    from riverrun._store.service import open_store
    from riverrun.server import metrics
    from riverrun.server.api import admin, events
    from riverrun.server.api._common import add_unmatched_route
    from riverrun.server.api._derived import operation_routers

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(prepare_store, app.state.store)
        services = server_services(config)
        runner = ServiceRunner(app.state.store, services)
        app.state.wake_on_events = [
            w for s in services if isinstance(w := getattr(s, "wakeup", None), Wakeup)
        ]
        runner.start()
        try:
            yield
        finally:
            await runner.stop()

    app = FastAPI(
        title="riverrun",
        version=riverrun_version(),
        description="The riverrun server's API: runs, logs, artifacts, variables, blocks, "
        "and the event ingest route recorders post to.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.store = open_store(config.database_url)
    app.state.auth_limiter = AuthLimiters(config.failed_auth_limit)
    errors.install(app)
    from riverrun.settings import get_current_settings

    settings = get_current_settings()
    long_poll.install(app, settings.server_max_parked_polls, settings.server_max_poll_seconds)
    app.add_middleware(BodySizeLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(ApiVersionCheck)

    public = APIRouter(prefix="/api")
    public.include_router(admin.health_router)
    protected = APIRouter(prefix="/api", dependencies=[Depends(require_api_key)])
    protected.include_router(admin.router)
    for router in operation_routers():
        protected.include_router(router)
    protected.include_router(events.router)
    protected.include_router(metrics.router)
    app.include_router(public)
    app.include_router(protected)
    add_unmatched_route(app)  # after every API route: it matches any /api path
    from riverrun.server.ui import mount

    mount(app)  # last: the UI answers every path the API does not
    return app
