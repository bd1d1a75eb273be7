"""Helpers of the web page tests: password accounts in the server database, signed-in clients."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from sync_server.core.config import Settings
from sync_server.db.engine import make_engine
from sync_server.services.accounts import Role
from sync_server.services.passwords import Hasher, create_password_account

# Cheap argon2id costs for tests (the server under test gets the same settings).
CHEAP_HASH = {"password_time_cost": 1, "password_memory_kib": 256}
_HASHER = Hasher(1, 256)

PASSWORD = "correct horse battery"
_OPEN: list[httpx.Client] = []
_TOKEN = re.compile(r'name="(form_token|csrf_token)" value="([^"]+)"')


def add_user(
    db_url: str, login: str, role: Role, site: str | None = None, networks: list[str] | None = None
) -> int:
    """Create a password account straight in the database; returns its id."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            new = create_password_account(
                conn,
                _HASHER,
                login=login,
                name=login,
                role=role,
                site_code=site,
                password=PASSWORD,
                networks=networks or [],
                lifetime_days=Settings().account_lifetime_days,
            )
        return new.id
    finally:
        engine.dispose()


def form_token(html: str, name: str = "csrf_token") -> str:
    """The hidden token of a page's form."""
    for field, value in _TOKEN.findall(html):
        if field == name:
            return str(value)
    raise AssertionError(f"no {name} in the page")


@dataclass
class Browserless:
    """A signed-in HTTP client that posts forms the way the pages do."""

    http: httpx.Client
    csrf: str

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self.http.get(path, **kw)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, str] | None = None, **kw: object) -> httpx.Response:
        return self.http.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kw)  # type: ignore[arg-type]


def try_sign_in(
    url: str, login: str, password: str = PASSWORD
) -> tuple[httpx.Client, httpx.Response]:
    """Fetch the form, post it; returns the client (cookies kept) and the answer."""
    http = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
    _OPEN.append(http)
    page = http.get("/sign-in")
    token = form_token(page.text, "form_token")
    answer = http.post(
        "/sign-in", data={"login": login, "password": password, "form_token": token, "next": "/"}
    )
    return http, answer


def sign_in(url: str, login: str) -> Browserless:
    """A client signed in as `login`, with the CSRF token of its session."""
    http, answer = try_sign_in(url, login)
    assert answer.status_code == 303, answer.text
    home = http.get("/")
    assert home.status_code == 200, home.text
    return Browserless(http, form_token(home.text))


def close_clients() -> None:
    """Close every client the helpers opened (the conftest does it after each test)."""
    while _OPEN:
        _OPEN.pop().close()
