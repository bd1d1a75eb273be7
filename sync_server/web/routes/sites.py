"""Sites, desks and hubs: add a site, enrol a desk or the site's hub (token shown once,
with a QR code), revoke, re-enrol.

The page also lists the rule set versions the bureau published (the desks download them).

The QR code holds what a desk's settings need, as JSON: `{"server", "site", "desk",
"token"}`. It is drawn on the server as an inline SVG (no external resource) and the
page is sent with `Cache-Control: no-store`, so the token is not kept by the browser.
"""

from __future__ import annotations

import io
from typing import Annotated

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Form, Request, Response
from markupsafe import Markup

from sync_server.api.deps import AdminDep, BureauDep, EngineDep, SettingsDep
from sync_server.db.engine import reading
from sync_server.errors import forbidden
from sync_server.services import accounts as svc
from sync_server.services import audit, rule_sets
from sync_server.services.accounts import NewAccount, Role
from sync_server.web.pages import PageRoute, actor, render, see_other
from vaccination.wire import DeskEnrolment

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def enrolment_qr(payload: str) -> Markup:
    """An inline SVG QR code of `payload`."""
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return Markup(svg[svg.index("<svg") :])  # our own SVG, no user markup


def _sites_page(
    request: Request, engine: EngineDep, status: int = 200, **extra: object
) -> Response:
    with reading(engine) as conn:
        sites = svc.list_sites(conn)
        machines = svc.list_accounts(conn, machines=True)
        published = rule_sets.listing(conn)
    return render(
        request,
        "sites.html",
        status,
        nav="sites",
        sites=sites,
        desks=[m for m in machines if m.role is Role.DESK],
        hubs=[m for m in machines if m.role is Role.HUB],
        rule_sets=published,
        **extra,
    )


@router.get("/sites")
def sites_page(request: Request, _: BureauDep, engine: EngineDep) -> Response:
    """Every site and its desks."""
    return _sites_page(request, engine)


@router.post("/sites")
def add_site(
    request: Request,
    who: AdminDep,
    engine: EngineDep,
    code: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=200)],
    institution_code: Annotated[str, Form(max_length=10)],
) -> Response:
    """Register a site with its 10-digit institution code."""
    with engine.begin() as conn:
        site = svc.create_site(conn, code, name, institution_code)
        audit.record(conn, actor(request, who), "site_added", site.code, {"name": site.name})
    return see_other("/sites")


def _token_page(request: Request, new: NewAccount, engine: EngineDep) -> Response:
    """The token shown this once: a desk's with the QR code its settings dialog scans, a
    hub's with the command that starts the hub."""
    server = str(request.base_url).rstrip("/")
    qr = None
    if new.role is Role.DESK and new.site_code and new.desk:
        payload = DeskEnrolment(server=server, site=new.site_code, desk=new.desk, token=new.token)
        qr = enrolment_qr(payload.model_dump_json())
    response = _sites_page(request, engine, enrolled=new, qr=qr, server=server)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/sites/{code}/desks")
def enrol_desk(
    request: Request,
    code: str,
    who: AdminDep,
    engine: EngineDep,
    settings: SettingsDep,
    desk: Annotated[str, Form(max_length=2)],
) -> Response:
    """Enrol a desk; the page shows its token this once, as text and as a QR code."""
    with engine.begin() as conn:
        new = svc.create_account(
            conn,
            name=f"{code} {desk.strip().upper()}",
            role=Role.DESK,
            site_code=code,
            desk=desk.strip().upper(),
            lifetime_days=settings.account_lifetime_days,
        )
        audit.record(conn, actor(request, who), "desk_enrolled", f"{code} {new.desk}")
    return _token_page(request, new, engine)


@router.post("/sites/{code}/hubs")
def enrol_hub(
    request: Request, code: str, who: AdminDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    """Enrol the site's hub (vaxdesk hub); the page shows its token this once."""
    with engine.begin() as conn:
        new = svc.create_account(
            conn,
            name=f"{code} hub",
            role=Role.HUB,
            site_code=code,
            desk=None,
            lifetime_days=settings.account_lifetime_days,
        )
        audit.record(conn, actor(request, who), "hub_enrolled", f"{code} hub")
    return _token_page(request, new, engine)


def _machine(engine: EngineDep, account_id: int) -> svc.AccountInfo:
    """A desk's or a hub's account (a person's is managed on the Accounts page)."""
    with reading(engine) as conn:
        info = svc.account_by_id(conn, account_id)
    if info.role not in (Role.DESK, Role.HUB):
        raise forbidden()
    return info


def _named(info: svc.AccountInfo) -> tuple[str, str]:
    """(audit action word, target) of a desk or a hub."""
    if info.role is Role.HUB:
        return "hub", f"{info.site_code} hub"
    return "desk", f"{info.site_code} {info.desk}"


@router.post("/desks/{account_id}/revoke")
def revoke_desk(request: Request, account_id: int, who: AdminDep, engine: EngineDep) -> Response:
    """Stop a desk's or a hub's token at once (a lost or stolen PC)."""
    kind, target = _named(_machine(engine, account_id))
    with engine.begin() as conn:
        svc.disable_account(conn, account_id)
        audit.record(conn, actor(request, who), f"{kind}_revoked", target)
    return see_other("/sites")


@router.post("/desks/{account_id}/reenrol")
def reenrol_desk(
    request: Request, account_id: int, who: AdminDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    """A new token for the same desk letter or hub (the old one stops working)."""
    kind, target = _named(_machine(engine, account_id))
    with engine.begin() as conn:
        new = svc.reissue_token(conn, account_id, settings.account_lifetime_days)
        audit.record(conn, actor(request, who), f"{kind}_reenrolled", target)
    return _token_page(request, new, engine)
