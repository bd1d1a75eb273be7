"""Sites, desks and accounts: the bureau administrator's part of the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from sync_server.api.deps import AdminDep, EngineDep, PrincipalDep, SettingsDep
from sync_server.api.params import AccountIdPath
from sync_server.api.responses import errors
from sync_server.api.schemas import AccountIn, AccountOut, DeskIn, MeOut, RenewOut, SiteIn, SiteOut
from sync_server.db.engine import reading
from sync_server.services import accounts as svc
from sync_server.services.accounts import BUREAU_ROLES, Role

router = APIRouter(prefix="/api/v1", tags=["accounts"])

_READ = errors(401, 503)
_CREATE = errors(401, 403, 408, 409, 413, 422, 503)
_CREATE_AT_SITE = errors(401, 403, 404, 408, 409, 413, 422, 503)
_CHANGE = errors(401, 403, 404, 422, 503)


def _account_out(new: svc.NewAccount) -> AccountOut:
    return AccountOut(
        id=new.id,
        name=new.name,
        role=new.role,
        site=new.site_code,
        desk=new.desk,
        expires_at=new.expires_at,
        token=new.token,
    )


@router.get("/me", response_model=MeOut, responses=_READ)
def me(who: PrincipalDep, engine: EngineDep) -> MeOut:
    """Who the token belongs to."""
    site = None
    if who.site_id is not None:
        with reading(engine) as conn:
            site = svc.site_by_id(conn, who.site_id).code
    return MeOut(name=who.name, role=who.role, site=site, desk=who.desk, expires_at=who.expires_at)


@router.post("/sites", response_model=SiteOut, status_code=201, responses=_CREATE)
def create_site(body: SiteIn, _: AdminDep, engine: EngineDep) -> SiteOut:
    """Register a site with its 10-digit institution code."""
    with engine.begin() as conn:
        site = svc.create_site(conn, body.code, body.name, body.institution_code)
    return SiteOut(code=site.code, name=site.name, institution_code=site.institution_code)


@router.get("/sites", response_model=list[SiteOut], responses=_READ)
def list_sites(who: PrincipalDep, engine: EngineDep) -> list[SiteOut]:
    """Every site for the bureau; the caller's own site for the others."""
    with reading(engine) as conn:
        found = svc.list_sites(conn)
    if who.role not in BUREAU_ROLES:
        found = [s for s in found if s.id == who.site_id]
    return [SiteOut(code=s.code, name=s.name, institution_code=s.institution_code) for s in found]


@router.post(
    "/sites/{code}/desks", response_model=AccountOut, status_code=201, responses=_CREATE_AT_SITE
)
def enrol_desk(
    code: str, body: DeskIn, _: AdminDep, engine: EngineDep, settings: SettingsDep
) -> AccountOut:
    """Enrol a desk of a site; the reply carries its token, shown this once."""
    with engine.begin() as conn:
        new = svc.create_account(
            conn,
            name=body.name or f"{code} {body.desk}",
            role=Role.DESK,
            site_code=code,
            desk=body.desk,
            lifetime_days=settings.account_lifetime_days,
        )
    return _account_out(new)


@router.post(
    "/sites/{code}/desks/{desk}/token", response_model=AccountOut, responses=_CREATE_AT_SITE
)
def reenrol_desk(
    request: Request,
    code: str,
    desk: Annotated[str, Path(max_length=2)],
    _: AdminDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> AccountOut:
    """Re-enrol a desk (a replacement PC): a new token, shown once; the old one stops working.

    The desk keeps its letter, so its events and numbers continue where they were.
    """
    with engine.begin() as conn:
        account_id = svc.desk_account_id(conn, code, desk.upper())
        new = svc.reissue_token(conn, account_id, settings.account_lifetime_days)
    request.app.state.auth.forget(account_id)
    return _account_out(new)


@router.post("/accounts", response_model=AccountOut, status_code=201, responses=_CREATE_AT_SITE)
def create_account(
    body: AccountIn, _: AdminDep, engine: EngineDep, settings: SettingsDep
) -> AccountOut:
    """Create an account of any role; the token is shown this once."""
    with engine.begin() as conn:
        new = svc.create_account(
            conn,
            name=body.name,
            role=body.role,
            site_code=body.site,
            desk=body.desk,
            lifetime_days=settings.account_lifetime_days,
        )
    return _account_out(new)


@router.post("/accounts/{account_id}/renew", response_model=RenewOut, responses=_CHANGE)
def renew(
    account_id: AccountIdPath, _: AdminDep, engine: EngineDep, settings: SettingsDep
) -> RenewOut:
    """Extend an account for another period (one year by default)."""
    with engine.begin() as conn:
        expires = svc.renew_account(conn, account_id, settings.account_lifetime_days)
    return RenewOut(id=account_id, expires_at=expires)


@router.post("/accounts/{account_id}/disable", status_code=204, responses=_CHANGE)
def disable(request: Request, account_id: AccountIdPath, _: AdminDep, engine: EngineDep) -> None:
    """Stop an account (a lost or stolen desk PC), at once."""
    with engine.begin() as conn:
        svc.disable_account(conn, account_id)
    request.app.state.auth.forget(account_id)
