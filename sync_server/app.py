"""`create_app(settings)`: the FastAPI application of the sync server, built on demand.

Nothing is built at import time: the engine, the rule sets and the token checker are
made by the factory and kept on `app.state`. `app_from_env()` is the factory uvicorn
calls (`uvicorn --factory sync_server.app:app_from_env`), reading the environment.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync_server.api.admission import BodyReader, PushGate
from sync_server.api.deps import SiteCache
from sync_server.api.responses import SYNC_ERRORS
from sync_server.api.routes import accounts, days, hub, reports, rosters, rule_sets, staff, sync
from sync_server.core.config import Settings, load_settings
from sync_server.db.engine import make_engine
from sync_server.db.migrate import upgrade
from sync_server.errors import FieldError, ServiceError
from sync_server.hub.link import Upstream
from sync_server.hub.relay import Relay
from sync_server.services.accounts import Authenticator
from sync_server.services.rule_sets import ServerRules
from sync_server.web.router import mount_static, web_router
from vaccination.rules import load_rule_sets
from vaccination.wire import PushRequest

log = logging.getLogger(__name__)

_HTTP_ERRORS = {
    404: ("not_found", "找不到這個網址", "no such URL"),
    405: ("method_not_allowed", "這個網址不接受此方法", "this URL does not take this method"),
    422: ("bad_body", "內容無法解讀", "the request body cannot be decoded"),
}


def invalid_input_body(failures: Sequence[Any]) -> dict[str, object]:
    """The 422 body of a request that failed validation: the first failure, then all of them.

    A validator may give its failure a Chinese text as `ctx["zh"]` (see `api.params`);
    the others are named in English in both messages.
    """
    errors = [FieldError(loc=list(f.get("loc", ())), msg=str(f.get("msg", ""))) for f in failures]
    first = failures[0] if failures else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    msg = str(first.get("msg", ""))
    zh = str((first.get("ctx") or {}).get("zh", msg))
    err = ServiceError(
        422, "invalid", f"輸入不正確：{where}：{zh}", f"invalid input: {where}: {msg}"
    )
    return err.body(errors)


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

    relay = _site_relay(settings, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            upgrade(engine)
        if relay is not None:
            relay.start()
        yield
        if relay is not None:
            relay.stop()
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
    app.state.rule_book = ServerRules(rules)
    app.state.sites = SiteCache()
    app.state.auth = Authenticator(bootstrap, settings.auth_cache_seconds)
    app.state.relay = relay  # None on the bureau's server

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(invalid_input_body(exc.errors()), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's and routing's own answers (a body it cannot decode, no such URL, a
        # wrong method) in the one error body too; an undecodable body is invalid input.
        status = 422 if exc.status_code == 400 else exc.status_code
        code, zh, en = _HTTP_ERRORS.get(status, ("http", "請求無法處理", str(exc.detail)))
        err = ServiceError(status, code, zh, en)
        return JSONResponse(err.body(), status_code=status, headers=exc.headers)

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

    app.include_router(accounts.router)
    app.include_router(sync.router, responses=SYNC_ERRORS)
    app.include_router(rosters.router)
    app.include_router(rosters.bureau_router)
    app.include_router(reports.router)
    app.include_router(days.router)
    app.include_router(staff.router)
    app.include_router(rule_sets.router)
    app.include_router(hub.router)
    app.include_router(web_router())
    mount_static(app)
    _declare_push_request(app)
    # The last added runs first: a body is read whole before a push may take a slot.
    app.add_middleware(PushGate, settings=settings)
    app.add_middleware(
        BodyReader, limit=settings.max_body_bytes, deadline=settings.body_timeout_seconds
    )
    return app


def _site_relay(settings: Settings, engine: Engine) -> Relay | None:
    """Site mode (`vaxdesk hub`): the relay to the bureau; None for the bureau's own server."""
    if not settings.upstream_url:
        return None
    if settings.hub_token is None:
        raise ValueError("a site hub needs its hub token (vaxdesk server hub add)")
    upstream = Upstream(
        settings.upstream_url, settings.hub_token.get_secret_value(), settings.hub_timeout_seconds
    )
    return Relay(engine, upstream, settings.hub_interval_seconds)


def _declare_push_request(app: FastAPI) -> None:
    """Put the push body's schema among the components (the route reads the body raw)."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = base()
            body = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(body.pop("$defs", {}))
            components["PushRequest"] = body
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def freeze_start_up() -> None:
    """Put what start-up built (the app, its models, statements and rule sets: about 160,000
    objects) out of the garbage collector's way for the life of the process.

    A full collection would otherwise walk them all in the middle of a push: in process,
    500-event pushes averaged 80 ms, against 69 ms frozen. Called by the serving processes
    only: a test making many apps should not keep them all.
    """
    gc.collect()
    gc.freeze()


def app_from_env() -> FastAPI:
    """The uvicorn factory of each server worker: settings from the environment."""
    app = create_app(load_settings())
    freeze_start_up()
    return app
