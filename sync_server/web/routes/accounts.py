"""Accounts: create with a password, roles, expiry, renew, disable, last sign-in.

Bureau staff see the list; only administrators change it (seed 001: 帳號依角色分權，
期限一年，需重新申請).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from sync_server.api.deps import AdminDep, BureauDep, EngineDep, SettingsDep
from sync_server.db.engine import reading
from sync_server.services import accounts as svc
from sync_server.services import audit, passwords
from sync_server.services.accounts import Role
from sync_server.web.pages import PageRoute, actor, render, see_other
from sync_server.web.session import HasherDep, close_sessions_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PERSON_ROLES = [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.SITE_MANAGER]


@router.get("/accounts")
def accounts_page(request: Request, _: BureauDep, engine: EngineDep) -> Response:
    """Every account that is not a desk."""
    with reading(engine) as conn:
        people = svc.list_accounts(conn, machines=False)
        sites = svc.list_sites(conn)
    return render(
        request, "accounts.html", nav="accounts", people=people, sites=sites, roles=PERSON_ROLES
    )


@router.post("/accounts")
def create(
    request: Request,
    who: AdminDep,
    engine: EngineDep,
    settings: SettingsDep,
    hasher: HasherDep,
    login: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
    name: Annotated[str, Form(max_length=200)] = "",
    site: Annotated[str, Form(max_length=32)] = "",
    networks: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Create an account that signs in with a password."""
    with engine.begin() as conn:
        new = passwords.create_password_account(
            conn,
            hasher,
            login=login,
            name=name,
            role=role,
            site_code=site or None,
            password=password,
            networks=passwords.parse_networks(networks),
            lifetime_days=settings.account_lifetime_days,
        )
        audit.record(
            conn,
            actor(request, who),
            "account_created",
            login,
            {"account": new.id, "role": role.value, "site": site or None},
        )
    return see_other("/accounts")


@router.post("/accounts/{account_id}/renew")
def renew(
    request: Request, account_id: int, who: AdminDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    """Another year from today."""
    with engine.begin() as conn:
        expires = svc.renew_account(conn, account_id, settings.account_lifetime_days)
        audit.record(
            conn,
            actor(request, who),
            "account_renewed",
            str(account_id),
            {"expires_at": expires.isoformat()},
        )
    return see_other("/accounts")


@router.post("/accounts/{account_id}/disable")
def disable(request: Request, account_id: int, who: AdminDep, engine: EngineDep) -> Response:
    """Stop an account and end its sessions at once."""
    with engine.begin() as conn:
        svc.disable_account(conn, account_id)
        close_sessions_of(conn, account_id)
        audit.record(conn, actor(request, who), "account_disabled", str(account_id))
    return see_other("/accounts")


@router.post("/accounts/{account_id}/role")
def change_role(
    request: Request,
    account_id: int,
    who: AdminDep,
    engine: EngineDep,
    role: Annotated[Role, Form()],
    site: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Another role (and site) for a person's account; its sessions end so it signs in anew."""
    with engine.begin() as conn:
        svc.change_role(conn, account_id, role, site or None)
        close_sessions_of(conn, account_id)
        audit.record(
            conn,
            actor(request, who),
            "account_role",
            str(account_id),
            {"role": role.value, "site": site or None},
        )
    return see_other("/accounts")


@router.post("/accounts/{account_id}/networks")
def networks(
    request: Request,
    account_id: int,
    who: AdminDep,
    engine: EngineDep,
    allowed: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Replace the addresses an account may sign in from (empty: any)."""
    nets = passwords.parse_networks(allowed)
    with engine.begin() as conn:
        passwords.set_networks(conn, account_id, nets)
        audit.record(
            conn, actor(request, who), "account_networks", str(account_id), {"networks": nets}
        )
    return see_other("/accounts")
