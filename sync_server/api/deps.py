"""Request dependencies as `Annotated` aliases: settings, database, rules, the caller, the site."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from sync_server.core.config import Settings
from sync_server.db.engine import reading
from sync_server.errors import forbidden
from sync_server.services.accounts import (
    BUREAU_ROLES,
    Authenticator,
    Principal,
    Role,
    Site,
    site_by_code,
    site_by_id,
)
from sync_server.services.rule_sets import ServerRules
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


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


async def get_rules(request: Request, engine: EngineDep) -> RuleSetRegistry:
    """The rule sets the server judges with: the bundled ones and the bureau's published."""
    book: ServerRules = request.app.state.rule_book
    if book.due():
        return await run_in_threadpool(book.refresh, engine)
    return book.rules


RulesDep = Annotated[RuleSetRegistry, Depends(get_rules)]


async def get_product_codes(request: Request, _: RulesDep) -> frozenset[str]:
    """The product codes of the rule sets in use (events naming others are refused)."""
    book: ServerRules = request.app.state.rule_book
    return book.product_codes


ProductCodesDep = Annotated[frozenset[str], Depends(get_product_codes)]


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


_K = TypeVar("_K", str, int)


class SiteCache:
    """Sites by code and by id, loaded once: sites are never renamed or deleted."""

    def __init__(self) -> None:
        self._by_code: dict[str, Site] = {}
        self._by_id: dict[int, Site] = {}

    async def by_code(self, engine: Engine, code: str) -> Site:
        """The site with this code (404 when there is none)."""
        site = self._by_code.get(code)
        if site is None:
            site = await run_in_threadpool(_load_site, engine, site_by_code, code)
            self._keep(site)
        return site

    async def by_id(self, engine: Engine, site_id: int) -> Site:
        """The site with this id (an account's own site)."""
        site = self._by_id.get(site_id)
        if site is None:
            site = await run_in_threadpool(_load_site, engine, site_by_id, site_id)
            self._keep(site)
        return site

    def _keep(self, site: Site) -> None:
        self._by_code[site.code] = site
        self._by_id[site.id] = site


def _load_site(engine: Engine, find: Callable[[Connection, _K], Site], key: _K) -> Site:
    with reading(engine) as conn:
        return find(conn, key)


async def get_site(
    request: Request,
    code: Annotated[str, Path(max_length=32)],
    engine: EngineDep,
    who: PrincipalDep,
) -> Site:
    """The site of the URL, when the caller may see it.

    Bureau accounts see every site and get 404 for a code that names none. Any other
    account sees its own site only and gets the same 403 for every other code, whether
    a site has it or not, without the code being looked up: site codes cannot be probed.
    """
    sites: SiteCache = request.app.state.sites
    if who.role in BUREAU_ROLES:
        return await sites.by_code(engine, code)
    own = await sites.by_id(engine, who.site_id) if who.site_id is not None else None
    if own is None or own.code != code:
        raise forbidden()
    return own


SiteDep = Annotated[Site, Depends(get_site)]


def roles(*allowed: Role) -> Callable[[Principal], Awaitable[Principal]]:
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
