"""Site hubs: the bureau enrols a hub for a site and tells it the site's desks; a hub
answers its desks with its upstream state."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from sync_server.api.deps import AdminDep, EngineDep, PrincipalDep, SettingsDep, SiteDep, roles
from sync_server.api.responses import errors
from sync_server.api.schemas import AccountOut
from sync_server.db.engine import reading
from sync_server.errors import not_found
from sync_server.services import accounts as svc
from sync_server.services.accounts import Principal, Role
from vaccination.wire import HubDesk, HubSite, HubStatus

router = APIRouter(prefix="/api/v1", tags=["hub"])

HubDep = Annotated[Principal, Depends(roles(Role.HUB))]


@router.post(
    "/sites/{code}/hub",
    response_model=AccountOut,
    status_code=201,
    responses=errors(401, 403, 404, 409, 422, 503),
)
def enrol_hub(_: AdminDep, site: SiteDep, engine: EngineDep, settings: SettingsDep) -> AccountOut:
    """Enrol a hub for a site; the reply carries its token, shown this once."""
    with engine.begin() as conn:
        new = svc.create_account(
            conn,
            name=f"{site.code} hub",
            role=Role.HUB,
            site_code=site.code,
            desk=None,
            lifetime_days=settings.account_lifetime_days,
        )
    return AccountOut(
        id=new.id,
        name=new.name,
        role=new.role,
        site=new.site_code,
        desk=None,
        expires_at=new.expires_at,
        token=new.token,
    )


@router.get(
    "/sites/{code}/hub/site", response_model=HubSite, responses=errors(401, 403, 404, 422, 503)
)
def hub_site(_: HubDep, site: SiteDep, engine: EngineDep) -> HubSite:
    """The site and its desks' token digests, for the site's hub to accept the same tokens."""
    with reading(engine) as conn:
        desks = svc.site_desks(conn, site)
    return HubSite(
        code=site.code,
        name=site.name,
        institution_code=site.institution_code,
        desks=[
            HubDesk(
                desk=d.desk,
                name=d.name,
                token_hash=d.token_hash,
                expires_at=d.expires_at,
                disabled=d.disabled,
            )
            for d in desks
        ],
    )


@router.get("/hub/status", response_model=HubStatus, responses=errors(401, 404, 503))
def hub_status(request: Request, _: PrincipalDep) -> HubStatus:
    """A site hub's upstream state (404 on the bureau's server, which relays to nobody)."""
    relay = getattr(request.app.state, "relay", None)
    if relay is None:
        raise not_found("站內中繼", "site hub")
    status: HubStatus = relay.status()
    return status
