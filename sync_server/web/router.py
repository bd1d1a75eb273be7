"""`web_router()`: every page of the bureau, and `mount_static(app)` for their CSS and scripts."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from sync_server.web.pages import STATIC
from sync_server.web.routes import (
    accounts,
    audit_page,
    auth,
    docs,
    exports,
    rosters,
    site_day,
    sites,
    statistics,
    today,
)


def web_router() -> APIRouter:
    """One router holding every page module's routes."""
    router = APIRouter(include_in_schema=False)
    for module in (
        auth,
        today,
        site_day,
        rosters,
        exports,
        statistics,
        sites,
        accounts,
        audit_page,
        docs,
    ):
        router.include_router(module.router)
    return router


def mount_static(app: FastAPI) -> None:
    """Serve sync_server/web/static at /static (no external resources anywhere)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
