"""Reconciliation and exports for the health bureau (and a site manager for their site)."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Response
from pydantic_core import to_json

from sync_server.api.deps import AdminDep, BureauDep, EngineDep, ReaderDep, RulesDep, SiteDep
from sync_server.api.params import DayPath
from sync_server.api.responses import CSV, SITE_ERRORS, XLSX, files
from sync_server.api.schemas import DeliveryIn
from sync_server.db.engine import reading
from sync_server.services import closing, exports, reconcile
from sync_server.services.accounts import now_utc
from sync_server.services.spreadsheets import csv_bytes

router = APIRouter(prefix="/api/v1/sites/{code}", tags=["reports"], responses=SITE_ERRORS)

CSV_UTF8 = f"{CSV}; charset=utf-8"
CLOSED_HEADER = "X-VaxDesk-Closed"  # on a closed day's files: "<closed_at> <closed_by>"


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def _file(data: bytes, media: str, name: str) -> Response:
    return Response(
        content=data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/reconciliation/{day}",
    response_model=None,
    responses=files("JSON, or with format=csv|xlsx a file", CSV, XLSX),
)
def reconciliation(
    day: DayPath,
    _: ReaderDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
    format: Format = Format.JSON,
) -> Response:
    """Counts and conflicts of the site's day as JSON, CSV or XLSX.

    Once the day is closed, the copy frozen at closing (JSON: `closed` says when and by
    whom, `late_events` lists what came after).
    """
    with reading(engine) as conn:
        if format is Format.JSON:
            # Encoded at once: FastAPI's generic encoder walks the thousands of list rows
            # in Python and took as long as the reconciliation itself.
            body = to_json(closing.day_reconciliation_dict(conn, site, day, rules))
            return Response(body, media_type="application/json")
        rec = closing.day_reconciliation(conn, site, day, rules)[0]
    if format is Format.CSV:
        return _file(reconcile.to_csv(rec), CSV_UTF8, f"reconciliation_{site.code}_{day}.csv")
    return _file(reconcile.to_xlsx(rec), XLSX, f"reconciliation_{site.code}_{day}.xlsx")


@router.get(
    "/exports/niis/{day}",
    response_class=Response,
    responses=files("NIIS 上傳檔 / the NIIS file", CSV),
)
def niis(day: DayPath, _: BureauDep, site: SiteDep, engine: EngineDep, rules: RulesDep) -> Response:
    """The NIIS upload file (CSV) of the site's day; once the day is closed, as frozen then
    (the header `X-VaxDesk-Closed` says when and by whom)."""
    with reading(engine) as conn:
        rows, closure = closing.day_niis_rows(conn, site, day, rules)
    response = _file(csv_bytes(exports.NIIS_HEADER, rows), CSV_UTF8, f"niis_{site.code}_{day}.csv")
    if closure is not None:
        response.headers[CLOSED_HEADER] = f"{closure.closed_at.isoformat()} {closure.closed_by}"
    return response


@router.get(
    "/exports/stock/{day}",
    response_class=Response,
    responses=files("庫存報表 / the stock report", CSV),
)
def stock(
    day: DayPath, _: BureauDep, site: SiteDep, engine: EngineDep, rules: RulesDep
) -> Response:
    """The stock report per lot (CSV) of the site's day."""
    with reading(engine) as conn:
        data = exports.stock_csv(conn, site, day, rules)
    return _file(data, CSV_UTF8, f"stock_{site.code}_{day}.csv")


@router.post("/stock/deliveries", status_code=204)
def delivery(body: DeliveryIn, _: AdminDep, site: SiteDep, engine: EngineDep) -> None:
    """Record vials of a lot delivered to the site (negative to correct a mistake)."""
    with engine.begin() as conn:
        exports.record_delivery(conn, site, body.day, body.product, body.lot, body.vials, now_utc())
