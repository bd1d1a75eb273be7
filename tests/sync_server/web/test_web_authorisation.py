"""Every role against every page and form: the pages follow the API's rules (api/deps.py).

Seed 001 (帳號權限): 系統管理者、衛生局、衛生所 accounts by role; a site manager sees
only their own site. Desks (bearer tokens) have no pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from conftest import SITE_A, SITE_A_NAME, SITE_B, SITE_B_NAME, Bureau
from web_client import Browserless, sign_in

DAY = date(2026, 12, 1).isoformat()
A, B = f"/sites/{SITE_A}", f"/sites/{SITE_B}"

ALL = {"admin", "staff", "manager"}
BUREAU = {"admin", "staff"}
WRITERS = {"admin", "manager"}
ADMIN = {"admin"}

# (method, path, form, who may) - "manager" is the manager of TN01; manager_b of TN02
# may see none of TN01's pages. Forms get a body that passes the role check; objects
# they name may not exist (then 404/422, which is still "let through").
MATRIX: list[tuple[str, str, dict[str, str], set[str]]] = [
    ("GET", "/", {}, ALL),
    ("GET", f"/today/table?day={DAY}", {}, ALL),
    ("GET", f"{A}/days/{DAY}", {}, ALL),
    ("POST", f"{A}/days/{DAY}/reveal", {"conflict": "0", "reason": "phone call"}, ALL),
    ("POST", f"{A}/days/{DAY}/close", {"out": "Z", "reason_desk": "Z", "reason": "x"}, BUREAU),
    ("GET", "/rosters", {}, ALL),
    ("GET", f"{A}/rosters/{DAY}", {}, ALL),
    ("GET", f"{A}/rosters/{DAY}/notices.csv", {}, ALL),
    ("POST", f"{A}/rosters/{DAY}", {}, WRITERS),  # the upload: a file, see _call
    ("POST", f"{A}/rosters/{DAY}/cancel", {"ref": "0" * 24}, WRITERS),
    (
        "POST",
        f"{A}/rosters/{DAY}/add",
        {"id_number": "X", "name": "王", "slot": "09:00", "product": "CoV_BNT", "dose": "1"},
        WRITERS,
    ),
    ("GET", "/exports", {}, ALL),
    ("GET", f"{A}/exports/niis/{DAY}.csv", {}, BUREAU),
    ("GET", f"{A}/exports/stock/{DAY}.csv", {}, BUREAU),
    ("GET", f"{A}/exports/reconciliation/{DAY}.csv", {}, ALL),
    ("GET", f"{A}/exports/reconciliation/{DAY}.xlsx", {}, ALL),
    ("GET", "/stock", {}, ALL),
    (
        "POST",
        f"{A}/stock/deliveries",
        {"day": DAY, "product": "CoV_BNT", "lot": "L1", "vials": "0"},
        ADMIN,
    ),
    ("GET", "/statistics", {}, ALL),
    ("GET", "/statistics.csv", {}, ALL),
    ("GET", "/sites", {}, BUREAU),
    ("POST", "/sites", {"code": "", "name": "", "institution_code": ""}, ADMIN),
    ("POST", f"{A}/desks", {"desk": "1"}, ADMIN),
    ("POST", f"{A}/hubs", {}, ADMIN),
    ("POST", "/desks/999/revoke", {}, ADMIN),
    ("POST", "/desks/999/reenrol", {}, ADMIN),
    ("GET", "/accounts", {}, BUREAU),
    ("POST", "/accounts", {"login": "", "password": "", "role": "bureau_staff"}, ADMIN),
    ("POST", "/accounts/999/renew", {}, ADMIN),
    ("POST", "/accounts/999/disable", {}, ADMIN),
    ("POST", "/accounts/999/networks", {"allowed": ""}, ADMIN),
    ("POST", "/accounts/999/role", {"role": "bureau_staff"}, ADMIN),
    ("GET", "/audit", {}, BUREAU),
]


@pytest.fixture(scope="module")
def clients(shared_bureau: Bureau) -> Iterator[dict[str, Browserless]]:
    yield {
        who: sign_in(shared_bureau.url, who) for who in ("admin", "staff", "manager", "manager_b")
    }


UPLOAD = f"{A}/rosters/{DAY}"
EMPTY_ROSTER = {"file": ("roster.csv", "姓名,身分證字號\r\n".encode("utf-8-sig"), "text/csv")}


def _call(client: Browserless, method: str, path: str, form: dict[str, str]) -> httpx.Response:
    if method == "GET":
        return client.get(path)
    if path == UPLOAD:
        return client.post(path, form, files=EMPTY_ROSTER)
    return client.post(path, form)


def test_every_role_against_every_page_and_form(
    shared_bureau: Bureau, clients: dict[str, Browserless]
) -> None:
    wrong = []
    for method, path, form, allowed in MATRIX:
        for who, client in clients.items():
            # manager_b is a site manager like manager, but of the other site.
            role = "manager" if who == "manager_b" and not path.startswith(A) else who
            may = role in allowed
            status = _call(client, method, path, form).status_code
            if (may and (status == 403 or status >= 500)) or (not may and status != 403):
                wrong.append(f"{who} {method} {path}: {status} ({'allowed' if may else 'refused'})")
        anonymous = httpx.request(
            method,
            shared_bureau.url + path,
            data=form or None,
            files=EMPTY_ROSTER if path == UPLOAD else None,
            follow_redirects=False,
        )
        if anonymous.status_code != 303 or "/sign-in" not in anonymous.headers["location"]:
            wrong.append(f"anonymous {method} {path}: {anonymous.status_code}")
    assert wrong == []


def test_a_site_manager_sees_only_their_site_in_lists(clients: dict[str, Browserless]) -> None:
    manager_b = clients["manager_b"]
    for page in ("/", "/rosters", "/exports", "/stock"):
        html = manager_b.get(page).text
        assert SITE_B_NAME in html and SITE_A_NAME not in html, page
    assert SITE_A_NAME not in manager_b.get(f"{A}/rosters/{DAY}").text
    assert manager_b.get(f"{B}/rosters/{DAY}").status_code == 200


def test_a_desk_token_opens_no_page(shared_bureau: Bureau) -> None:
    token = shared_bureau.admin.desk(SITE_A, "Q")
    r = httpx.get(f"{shared_bureau.url}/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
