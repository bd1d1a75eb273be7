"""Request dependencies as `Annotated` aliases: settings, database, rules, the caller, the site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from sync_server.core.config import Settings
from sync_server.errors import forbidden
from sync_server.services.accounts import (
    Authenticator,
    Principal,
    Role,
    Site,
    require_site_access,
    site_by_code,
)
from sync_server.web.session import session_principal
from vaccination.rules import RuleSetRegistry

_bearer = HTTPBearer(auto_error=False, description="a desk or account token")


# The dependencies are coroutines that never block: FastAPI would run plain functions
# in the thread pool, a hand-off per dependency per request. What may touch the
# database (a token not yet cached, a site not yet seen) goes to the pool itself.


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_engine(request: Request) -> Engine:
    """The app's database engine."""
    return request.app.state.engine  # type: ignore[no-any-return]


async def get_rules(request: Request) -> RuleSetRegistry:
    """The rule sets the server judges intervals with."""
    return request.app.state.rules  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
RulesDep = Annotated[RuleSetRegistry, Depends(get_rules)]


async def get_principal(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller behind the bearer token or the web session (401 when neither is valid)."""
    auth: Authenticator = request.app.state.auth
    token = credentials.credentials if credentials is not None else None
    if token is None:
        session = await session_principal(request)  # CSRF-checked for changing requests
        if session is not None:
            return session
    principal = auth.cached(token)
    if principal is None:
        principal = await run_in_threadpool(auth.authenticate, engine.connect, token)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_site(
    request: Request,
    code: Annotated[str, Path(max_length=32)],
    engine: EngineDep,
    who: PrincipalDep,
) -> Site:
    """The site of the URL, after checking the caller may see it (403 otherwise)."""
    # Sites are never renamed or deleted, so a found site is kept for the process.
    known: dict[str, Site] = request.app.state.sites
    site = known.get(code)
    if site is None:
        site = await run_in_threadpool(_load_site, engine, code)
        known[code] = site
    require_site_access(who, site)
    return site


def _load_site(engine: Engine, code: str) -> Site:
    with engine.connect() as conn:
        return site_by_code(conn, code)


SiteDep = Annotated[Site, Depends(get_site)]


def roles(*allowed: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only the given roles through (403 otherwise)."""

    async def check(who: PrincipalDep) -> Principal:
        if who.role not in allowed:
            raise forbidden()
        return who

    return check


AdminDep = Annotated[Principal, Depends(roles(Role.BUREAU_ADMIN))]
BureauDep = Annotated[Principal, Depends(roles(Role.BUREAU_ADMIN, Role.BUREAU_STAFF))]
RosterWriterDep = Annotated[Principal, Depends(roles(Role.BUREAU_ADMIN, Role.SITE_MANAGER))]
ReaderDep = Annotated[
    Principal, Depends(roles(Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.SITE_MANAGER))
]
DeskDep = Annotated[Principal, Depends(roles(Role.DESK))]
