"""Fixtures of the web page tests: a live server on SQLite, two sites, one account per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from live_server import Admin, ThreadServer
from web_client import CHEAP_HASH, add_user, close_clients

from sync_server.services.accounts import Role

SITE_A, SITE_B = "TN01", "TN02"


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
        admin.site(SITE_A, "新營體育場", "2321010010")
        admin.site(SITE_B, "永康國小", "2321010020")
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
