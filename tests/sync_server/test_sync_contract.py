"""What the API answers and what its OpenAPI document says: error bodies, days, site access."""

from __future__ import annotations

import httpx
from desks import DAY, OTHER_CODE, OTHER_SITE, SITE, SITE_CODE
from live_server import Admin, ThreadServer, auth

from sync_server.api.responses import CSV, XLSX
from sync_server.errors import ErrorBody


def _account(admin: Admin, role: str, site: str | None = None) -> dict[str, str]:
    r = admin.call("POST", "/api/v1/accounts", json={"name": role, "role": role, "site": site})
    assert r.status_code == 201, r.text
    return auth(r.json()["token"])


def test_a_day_is_an_iso_date_and_nothing_else(server: ThreadServer, admin: Admin) -> None:
    """`0` was taken as 1970-01-01 and `20260101` as a day of August 1970."""
    admin.site(SITE_CODE, SITE)
    for day in ("0", "20260101", "2026-02-30", "2026-1-5", "１２３４-０１-０１", "1e9"):
        for path in (f"rosters/{day}", f"reconciliation/{day}", f"exports/niis/{day}"):
            r = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/{path}")
            assert r.status_code == 422, (path, r.text)
            body = ErrorBody.model_validate(r.json())
            assert "YYYY-MM-DD" in body.detail.message_zh and "日期" in body.detail.message_zh
            assert "YYYY-MM-DD" in body.detail.message_en
            assert body.errors is not None and body.errors[0].loc == ["path", "day"]
    delivery = {"day": 0, "product": "CoV_Moderna", "lot": "MOD1", "vials": 1}
    r = admin.call("POST", f"/api/v1/sites/{SITE_CODE}/stock/deliveries", json=delivery)
    assert r.status_code == 422
    assert ErrorBody.model_validate(r.json()).errors[0].loc == ["body", "day"]  # type: ignore[index]
    assert admin.call("GET", f"/api/v1/sites/{SITE_CODE}/rosters/{DAY}").status_code == 200


def test_a_site_account_gets_one_answer_for_every_other_site_existing_or_not(
    server: ThreadServer, admin: Admin
) -> None:
    """A site manager or desk asking for another site gets 403, whether it exists or not.

    Before, a missing site was 404 and another's 403, which told site codes apart.
    The bureau's accounts still get 404 for a site that does not exist.
    """
    admin.site(SITE_CODE, SITE)
    admin.site(OTHER_CODE, OTHER_SITE, institution="2321020020")
    manager = _account(admin, "site_manager", SITE_CODE)
    desk = auth(admin.desk(SITE_CODE, "A"))
    staff = _account(admin, "bureau_staff")
    paths = [f"rosters/{DAY}", f"reconciliation/{DAY}", "events"]
    for who in (manager, desk):
        for path in paths:
            answers = [
                httpx.get(f"{server.url}/api/v1/sites/{code}/{path}", headers=who, timeout=30)
                for code in (OTHER_CODE, "NOPE", "X" * 32)
            ]
            assert {a.status_code for a in answers} == {403}, (path, [a.text for a in answers])
            assert len({a.content for a in answers}) == 1
            own = httpx.get(f"{server.url}/api/v1/sites/{SITE_CODE}/{path}", headers=who)
            assert own.status_code == (403 if path.startswith("rec") and who is desk else 200)
    for path in paths[:2]:
        url = f"{server.url}/api/v1/sites/NOPE/{path}"
        missing = httpx.get(url, headers=staff, timeout=30)
        assert missing.status_code == 404
        assert ErrorBody.model_validate(missing.json()).detail.code == "not_found"
        other = httpx.get(f"{server.url}/api/v1/sites/{OTHER_CODE}/{path}", headers=staff)
        assert other.status_code == 200


def test_the_openapi_document_declares_the_error_body_and_the_file_types(
    server: ThreadServer, admin: Admin
) -> None:
    doc = httpx.get(f"{server.url}/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            failures = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            if path != "/api/v1/health":
                assert {"401", "503"} <= failures.keys(), (method, path)
            for status, response in failures.items():
                assert response["content"] == {"application/json": {"schema": error_ref}}, (
                    method,
                    path,
                    status,
                )
    site = "/api/v1/sites/{code}"
    files = {
        f"{site}/reconciliation/{{day}}": {"application/json", CSV, XLSX},
        f"{site}/exports/niis/{{day}}": {CSV},
        f"{site}/exports/stock/{{day}}": {CSV},
    }
    for path, types in files.items():
        assert set(doc["paths"][path]["get"]["responses"]["200"]["content"]) == types

    # The answers are of the declared types.
    admin.site(SITE_CODE, SITE)
    base = f"/api/v1/sites/{SITE_CODE}"
    answered = {
        admin.call("GET", f"{base}/reconciliation/{DAY}").headers["content-type"],
        admin.call("GET", f"{base}/reconciliation/{DAY}?format=csv").headers["content-type"],
        admin.call("GET", f"{base}/reconciliation/{DAY}?format=xlsx").headers["content-type"],
        admin.call("GET", f"{base}/exports/niis/{DAY}").headers["content-type"],
    }
    assert {t.split(";")[0] for t in answered} == {"application/json", CSV, XLSX}
