"""Signing in to the bureau's pages: passwords, sessions, CSRF, throttling, allow-lists, the CLI.

Seed 001 (臺中市疫苗預約系統, 資安): 帳號依角色區分並設有效期限一年；後台僅限白名單 IP
登入；所有紀錄保存至少一年以供稽核.
"""

from __future__ import annotations

import io

import httpx
import pytest
from conftest import SITE_A_NAME, Bureau
from web_client import CHEAP_HASH, PASSWORD, add_user, sign_in, try_sign_in

from sync_server.db.engine import make_engine
from sync_server.db.tables import audit_log
from sync_server.services.accounts import Role
from vaxdesk.cli import main


def test_sign_in_opens_a_strict_http_only_session(shared_bureau: Bureau) -> None:
    http, answer = try_sign_in(shared_bureau.url, "staff")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "vaxdesk_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP on loopback; Secure comes with TLS
    home = http.get("/")
    assert home.status_code == 200 and "staff" in home.text and SITE_A_NAME in home.text


def test_pages_send_a_stranger_to_sign_in(shared_bureau: Bureau) -> None:
    r = httpx.get(f"{shared_bureau.url}/?day=2026-12-01", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=%2F%3Fday%3D2026-12-01"


def test_wrong_password_and_unknown_login_get_the_same_answer(shared_bureau: Bureau) -> None:
    _, wrong = try_sign_in(shared_bureau.url, "staff", "not the password")
    _, unknown = try_sign_in(shared_bureau.url, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "帳號或密碼不正確" in wrong.text and "帳號或密碼不正確" in unknown.text


def test_failed_sign_ins_are_throttled_even_for_the_right_password(shared_bureau: Bureau) -> None:
    add_user(shared_bureau.db_url, "guessed", Role.BUREAU_STAFF)
    for _ in range(5):
        assert try_sign_in(shared_bureau.url, "guessed", "guess")[1].status_code == 401
    _, right = try_sign_in(shared_bureau.url, "guessed")
    assert right.status_code == 429 and "登入失敗次數過多" in right.text
    # Another login from the same address is not locked out by these failures.
    assert try_sign_in(shared_bureau.url, "admin")[1].status_code == 303


def test_an_account_with_an_allow_list_signs_in_only_from_it(shared_bureau: Bureau) -> None:
    add_user(shared_bureau.db_url, "far", Role.BUREAU_STAFF, networks=["10.20.0.0/16"])
    add_user(shared_bureau.db_url, "near", Role.BUREAU_STAFF, networks=["127.0.0.0/8"])
    _, far = try_sign_in(shared_bureau.url, "far")
    assert far.status_code == 403 and "127.0.0.1" in far.text
    assert try_sign_in(shared_bureau.url, "near")[1].status_code == 303


def test_forms_without_the_csrf_token_are_refused(shared_bureau: Bureau) -> None:
    admin = sign_in(shared_bureau.url, "admin")
    forged = admin.http.post(
        "/sites", data={"code": "X1", "name": "偽造", "institution_code": "1234567890"}
    )
    assert forged.status_code == 403 and "表單已過期" in forged.text
    wrong = admin.http.post("/sign-out", data={"csrf_token": "guessed"})
    assert wrong.status_code == 403
    # The API called with the session cookie is guarded the same way.
    api = admin.http.post(
        "/api/v1/sites", json={"code": "X2", "name": "偽造二", "institution_code": "1234567890"}
    )
    assert api.status_code == 403
    ok = admin.http.post(
        "/api/v1/sites",
        json={"code": "X3", "name": "真的", "institution_code": "1234567890"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert ok.status_code == 201


def test_the_sign_in_form_needs_its_own_token(shared_bureau: Bureau) -> None:
    r = httpx.post(
        f"{shared_bureau.url}/sign-in",
        data={"login": "staff", "password": PASSWORD, "form_token": "x"},
    )
    assert r.status_code == 403 and "vaxdesk_session" not in r.headers.get("set-cookie", "")


def test_sign_out_ends_the_session(shared_bureau: Bureau) -> None:
    staff = sign_in(shared_bureau.url, "staff")
    cookie = staff.http.cookies["vaxdesk_session"]
    assert staff.post("/sign-out").status_code == 303
    again = httpx.get(
        f"{shared_bureau.url}/", cookies={"vaxdesk_session": cookie}, follow_redirects=False
    )
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in")


def test_a_disabled_account_loses_its_session_at_once(shared_bureau: Bureau) -> None:
    gone = add_user(shared_bureau.db_url, "leaving", Role.SITE_MANAGER, "TN01")
    manager = sign_in(shared_bureau.url, "leaving")
    assert manager.get("/").status_code == 200
    r = shared_bureau.admin.call("POST", f"/api/v1/accounts/{gone}/disable")
    assert r.status_code == 204
    assert manager.get("/").status_code == 303
    assert try_sign_in(shared_bureau.url, "leaving")[1].status_code == 401


def test_cli_user_add_reads_the_password_from_standard_input(
    shared_bureau: Bureau, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in CHEAP_HASH.items():
        monkeypatch.setenv(f"VAXDESK_SERVER_{key.upper()}", str(value))
    cmd = ["server", "user", "add", "--db", shared_bureau.db_url, "--login", "station7"]
    cmd += ["--role", "site_manager", "--site", "TN02", "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO("a long station password\n"))
    assert main(cmd) == 0
    out = capsys.readouterr()
    assert "station7" in out.out and "a long station password" not in out.out + out.err
    assert (
        try_sign_in(shared_bureau.url, "station7", "a long station password")[1].status_code == 303
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    short = ["server", "user", "add", "--db", shared_bureau.db_url, "--login", "x7"]
    assert main([*short, "--role", "bureau_staff", "--password-stdin"]) == 2
    assert "至少 10" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a password is never taken as an argument
        main([*short, "--role", "bureau_staff", "--password", "a long station password"])


def test_sign_ins_go_into_the_audit_log(shared_bureau: Bureau) -> None:
    sign_in(shared_bureau.url, "staff")
    try_sign_in(shared_bureau.url, "staff", "wrong")
    engine = make_engine(shared_bureau.db_url)
    with engine.connect() as conn:
        actions = [(r.action, r.target) for r in conn.execute(audit_log.select())]
    engine.dispose()
    assert ("sign_in", "staff") in actions and ("sign_in_refused", "staff") in actions
