"""Fixtures of the web page tests: a live server on SQLite, two sites, one account per role,
and one real browser for the whole session: Debian's chromium driven by Playwright.

The browser is the system's (`scripts/setup.sh` installs the `chromium` package);
Playwright never downloads one. Without it the browser tests fail, locally and in CI,
unless VAXDESK_ALLOW_NO_BROWSER=1 is set outside CI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import pytest
from desks import OTHER_SITE, SITE
from live_server import Admin, ThreadServer
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright
from web_client import CHEAP_HASH, add_user, close_clients

from sync_server.services.accounts import Role

SITE_A, SITE_B = "TN01", "TN02"
SITE_A_NAME, SITE_B_NAME = SITE, OTHER_SITE
CHROMIUM: Final[str] = "/usr/bin/chromium"
CHROMIUM_FLAGS: Final[list[str]] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Bureau:
    """A live server with two sites and one password account per role."""

    server: ThreadServer
    db_url: str
    admin: Admin
    ids: dict[str, int]

    @property
    def url(self) -> str:
        return self.server.url


def _bureau(folder: Path) -> Iterator[Bureau]:
    url = f"sqlite:///{folder / 'server.db'}"
    srv = ThreadServer(url, auth_cache_seconds=0, **CHEAP_HASH).start()
    try:
        admin = Admin(srv.url)
        admin.site(SITE_A, SITE_A_NAME, "2321010010")
        admin.site(SITE_B, SITE_B_NAME, "2321010020")
        ids = {
            "admin": add_user(url, "admin", Role.BUREAU_ADMIN),
            "staff": add_user(url, "staff", Role.BUREAU_STAFF),
            "manager": add_user(url, "manager", Role.SITE_MANAGER, SITE_A),
            "manager_b": add_user(url, "manager_b", Role.SITE_MANAGER, SITE_B),
        }
        yield Bureau(srv, url, admin, ids)
    finally:
        close_clients()
        srv.stop()


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    """Sites TN01 and TN02; logins admin, staff, manager (TN01), manager_b (TN02)."""
    yield from _bureau(tmp_path)


@pytest.fixture(scope="module")
def shared_bureau(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bureau]:
    """The same, once for a whole test module (tests that do not disturb each other)."""
    yield from _bureau(tmp_path_factory.mktemp("bureau"))


def _chromium() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found:
        return found
    message = (
        "chromium is not installed: the web pages' browser tests need Debian's chromium "
        "package (scripts/setup.sh installs it). Set VAXDESK_ALLOW_NO_BROWSER=1 to skip locally."
    )
    if os.environ.get("CI") or os.environ.get("VAXDESK_ALLOW_NO_BROWSER") != "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole test session."""
    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test, downloads allowed.

    Every request that leaves the loopback server is refused and fails the test: the
    pages must work on a bureau network without internet.
    """
    ctx = browser.new_context(
        accept_downloads=True, viewport={"width": 1280, "height": 860}, locale="zh-TW"
    )
    ctx.set_default_timeout(15_000)
    outside: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    try:
        yield ctx
    finally:
        ctx.close()
    assert outside == [], f"the pages asked for outside resources: {outside}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A tab of the test's browser profile."""
    return context.new_page()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save page images: $VAXDESK_WEB_SCREENSHOTS (docs/) or a temp dir."""
    chosen = os.environ.get("VAXDESK_WEB_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
