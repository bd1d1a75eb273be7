"""`create_app(settings)`: the FastAPI application of the sync server, built on demand.

Nothing is built at import time: the engine, the rule sets and the token checker are
made by the factory and kept on `app.state`. `app_from_env()` is the factory uvicorn
calls (`uvicorn --factory sync_server.app:app_from_env`), reading the environment.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_server.api.admission import PushGate
from sync_server.api.routes import accounts, reports, rosters, sync
from sync_server.core.config import Settings, load_settings
from sync_server.db.engine import make_engine
from sync_server.db.migrate import upgrade
from sync_server.errors import ServiceError
from sync_server.services.accounts import Authenticator
from sync_server.web.router import mount_static, web_router
from vaccination.rules import load_rule_sets

log = logging.getLogger(__name__)


class BodyLimit:
    """Answer 413 to a request body over `limit` bytes, before any route reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                await _too_large(send, self.limit)
                return
        # Bodies without a length (chunked) are read here, up to the limit, then replayed.
        if declared is None and scope["method"] in ("POST", "PUT", "PATCH"):
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.limit:
                    await _too_large(send, self.limit)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if sent:
                    return await receive()
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)


async def _too_large(send: Send, limit: int) -> None:
    err = ServiceError(
        413,
        "too_large",
        f"內容超過 {limit // 1024} KB 上限",
        f"the request body is over the {limit // 1024} KB limit",
    )
    response = JSONResponse(err.body(), status_code=413)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: engine, migrations at start-up, rule sets, routes, error handlers."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url, settings.database_pool_size)
    rules = load_rule_sets(settings.rules_dir)
    bootstrap = (
        settings.bootstrap_admin_token.get_secret_value()
        if settings.bootstrap_admin_token
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            upgrade(engine)
        yield
        engine.dispose()

    app = FastAPI(
        title="VaxDesk sync server",
        description="衛生局同步伺服器 / the health bureau's sync server",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # served by sync_server.web with local assets (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.rules = rules
    app.state.sites = {}  # code -> Site, filled on first use
    app.state.auth = Authenticator(bootstrap, settings.auth_cache_seconds)

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": ""}
        where = ".".join(str(p) for p in first["loc"])
        body: dict[str, Any] = ServiceError(
            422,
            "invalid",
            f"輸入不正確：{where} {first['msg']}",
            f"invalid input: {where} {first['msg']}",
        ).body()
        body["errors"] = errors
        return JSONResponse(body, status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)  # every pooled connection busy for pool_timeout
    async def database_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        err = ServiceError(
            503, "database_unavailable", "資料庫暫時無法使用", "database unavailable"
        )
        return JSONResponse(err.body(), status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(DBAPIError)
    async def database_error(_: Request, exc: DBAPIError) -> JSONResponse:
        # Data the database refused (too long, out of range): the client's input.
        log.info("database refused input: %s", exc.orig.__class__.__name__ if exc.orig else exc)
        err = ServiceError(
            422, "rejected_by_database", "資料庫拒絕此資料", "the database refused this data"
        )
        return JSONResponse(err.body(), status_code=422)

    @app.get("/api/v1/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without a token."""
        return {"status": "ok"}

    for module in (accounts, sync, rosters, reports):
        app.include_router(module.router)
    app.include_router(web_router())
    mount_static(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(PushGate, limit=settings.max_concurrent_pushes)
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory: settings from the environment."""
    return create_app(load_settings())
