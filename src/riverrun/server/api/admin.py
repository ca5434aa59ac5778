"""Health and version: what load balancers, ``riverrun login`` and people check first."""

from __future__ import annotations

from fastapi import APIRouter, Request

health_router = APIRouter(tags=["admin"])
router = APIRouter(tags=["admin"])


@health_router.get("/health")
async def health() -> bool:
    """``true`` while the server answers (needs no API key)."""
    return True


@router.get("/version")
async def version(request: Request) -> dict[str, str]:
    """The server's riverrun version, API version, database dialect and whether it checks
    API keys (``auth``: ``on`` or ``off``, so that ``riverrun login`` can say which)."""
    from riverrun.server.config import riverrun_version

    dialect = "sqlite" if request.app.state.store.is_sqlite else "postgresql"
    auth = "on" if request.app.state.config.auth else "off"
    return {"riverrun": riverrun_version(), "api_version": "1", "database": dialect, "auth": auth}


@router.get("/hello")
async def hello() -> str:
    """``"👋"``: Prefect's check that the API answers (and accepts the key)."""
    return "👋"
