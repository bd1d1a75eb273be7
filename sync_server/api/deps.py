"""Request dependencies as `Annotated` aliases: settings, database, rules, the caller, the site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

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
from vaccination.rules import RuleSetRegistry

_bearer = HTTPBearer(auto_error=False, description="a desk or account token")


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


def get_engine(request: Request) -> Engine:
    """The app's database engine."""
    return request.app.state.engine  # type: ignore[no-any-return]


def get_rules(request: Request) -> RuleSetRegistry:
    """The rule sets the server judges intervals with."""
    return request.app.state.rules  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
RulesDep = Annotated[RuleSetRegistry, Depends(get_rules)]


def get_principal(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller behind the bearer token (401 when missing, unknown or expired)."""
    auth: Authenticator = request.app.state.auth
    token = credentials.credentials if credentials is not None else None
    return auth.authenticate(engine.connect, token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_site(
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
        with engine.connect() as conn:
            site = site_by_code(conn, code)
        known[code] = site
    require_site_access(who, site)
    return site


SiteDep = Annotated[Site, Depends(get_site)]


def roles(*allowed: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only the given roles through (403 otherwise)."""

    def check(who: PrincipalDep) -> Principal:
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
