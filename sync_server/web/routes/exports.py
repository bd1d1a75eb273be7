"""Exports (NIIS, stock, reconciliation as CSV or XLSX, each download logged) and the Stock page.

The files are the services' own (`closing.day_niis_csv`: frozen once the day is closed,
`exports.stock_csv`,
`reconcile.to_csv` / `to_xlsx`), with the API's roles: NIIS and stock for the bureau,
the reconciliation also for the site's manager.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import Connection, Engine

from sync_server.api.deps import AdminDep, BureauDep, EngineDep, ReaderDep, RulesDep, SiteDep
from sync_server.api.params import IsoDate
from sync_server.db.engine import reading
from sync_server.errors import not_found
from sync_server.services import audit, closing, exports, reconcile
from sync_server.services.accounts import Principal, Site, now_utc
from sync_server.web.pages import PageRoute, actor, logged_download, render, see_other
from sync_server.web.routes.today import visible_sites
from vaccination.rules import RuleSetRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/exports")
def exports_page(
    request: Request, who: ReaderDep, engine: EngineDep, code: str = "", day: IsoDate | None = None
) -> Response:
    """Choose a site and a day; the files of that day."""
    with reading(engine) as conn:
        sites = visible_sites(conn, who)
    chosen = next((s for s in sites if s.code == code), sites[0] if sites else None)
    return render(
        request, "exports.html", nav="exports", sites=sites, chosen=chosen, day=day or date.today()
    )


@router.get("/sites/{code}/exports/niis/{day}.csv")
def niis(
    request: Request,
    day: IsoDate,
    who: BureauDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
) -> Response:
    """The NIIS upload file of the day (personal data: logged)."""
    return _day_file(request, who, engine, site, day, "niis", closing.day_niis_csv, rules)


@router.get("/sites/{code}/exports/stock/{day}.csv")
def stock_file(
    request: Request,
    day: IsoDate,
    who: BureauDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
) -> Response:
    """The stock report per lot of the day."""
    return _day_file(request, who, engine, site, day, "stock", exports.stock_csv, rules)


def _day_file(
    request: Request,
    who: Principal,
    engine: Engine,
    site: Site,
    day: IsoDate,
    kind: str,
    make: Callable[[Connection, Site, date, RuleSetRegistry], bytes],
    rules: RuleSetRegistry,
) -> Response:
    """One of a site day's CSV files, downloaded and logged."""
    with reading(engine) as conn:
        data = make(conn, site, day, rules)
    return logged_download(
        request, who, engine, f"{kind}_{site.code}_{day}.csv", data, target=f"{site.code} {day}"
    )


@router.get("/sites/{code}/exports/reconciliation/{day}.{fmt}")
def reconciliation(
    request: Request,
    day: IsoDate,
    fmt: str,
    who: ReaderDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
) -> Response:
    """The day's counts and conflicts as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise not_found("此格式", "this format")
    with reading(engine) as conn:
        rec = closing.day_reconciliation(conn, site, day, rules)[0]
    data = reconcile.to_xlsx(rec) if fmt == "xlsx" else reconcile.to_csv(rec)
    name = f"reconciliation_{site.code}_{day}.{fmt}"
    return logged_download(request, who, engine, name, data, target=f"{site.code} {day}")


@router.get("/stock")
def stock_page(
    request: Request,
    who: ReaderDep,
    engine: EngineDep,
    rules: RulesDep,
    code: str = "",
    day: IsoDate | None = None,
) -> Response:
    """Per lot and site: vials in stock and used on the day, and the deliveries recorded."""
    day = day or date.today()
    with reading(engine) as conn:
        sites = visible_sites(conn, who)
        chosen = next((s for s in sites if s.code == code), sites[0] if sites else None)
        every = [(s, row) for s in sites for row in exports.stock_rows(conn, s, day, rules)]
        delivered = exports.deliveries(conn, chosen) if chosen else []
    return render(
        request,
        "stock.html",
        nav="stock",
        sites=sites,
        chosen=chosen,
        day=day,
        every=every,
        delivered=delivered,
        products=rules.products(),
    )


@router.post("/sites/{code}/stock/deliveries")
def delivery(
    request: Request,
    who: AdminDep,
    site: SiteDep,
    engine: EngineDep,
    day: Annotated[date, Form()],
    product: Annotated[str, Form(min_length=1, max_length=40)],
    lot: Annotated[str, Form(min_length=1, max_length=60)],
    vials: Annotated[int, Form(ge=-100000, le=100000)],
) -> Response:
    """Record vials of a lot delivered to the site (negative to correct a mistake)."""
    with engine.begin() as conn:
        exports.record_delivery(conn, site, day, product, lot, vials, now_utc())
        audit.record(
            conn,
            actor(request, who),
            "stock_delivery",
            site.code,
            {"day": day.isoformat(), "product": product, "lot": lot, "vials": vials},
        )
    return see_other(f"/stock?code={site.code}&day={day.isoformat()}")
