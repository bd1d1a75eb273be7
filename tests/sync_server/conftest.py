"""Fixtures of the sync tests: a server database on SQLite and on PostgreSQL, live servers.

PostgreSQL runs on this machine (postgresql+psycopg://postgres@127.0.0.1:5432/test);
every test gets a fresh database, dropped afterwards. When it is unreachable the
PostgreSQL cases fail loudly (always in CI); locally they skip only with
VAXDESK_ALLOW_NO_POSTGRES=1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from live_server import Admin, ThreadServer
from pg_scratch import scratch_database

PG_ADMIN_DSN = os.environ.get("VAXDESK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_unavailable(reason: str) -> None:
    message = (
        f"PostgreSQL is not reachable at {PG_ADMIN_DSN} ({reason}); the sync server must be "
        "tested on it. Start PostgreSQL, or set VAXDESK_ALLOW_NO_POSTGRES=1 to skip locally."
    )
    if os.environ.get("CI") or os.environ.get("VAXDESK_ALLOW_NO_POSTGRES") != "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _fresh_pg_database() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(PG_ADMIN_DSN, "vaxdesk_test"))
        except psycopg.OperationalError as exc:
            _pg_unavailable(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)
            return
        yield url


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _fresh_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'server.db'}"
    else:
        yield from _fresh_pg_database()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty server database: an SQLite file, or a new PostgreSQL database."""
    yield from _fresh_database(request.param, tmp_path)


@pytest.fixture(scope="module", params=DATABASES)
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like `db_url`, shared by the tests of one module (a scenario played once)."""
    yield from _fresh_database(request.param, tmp_path_factory.mktemp("server"))


@pytest.fixture
def server(db_url: str) -> Iterator[ThreadServer]:
    """A live server on loopback over `db_url`."""
    srv = ThreadServer(db_url, auth_cache_seconds=0).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def admin(server: ThreadServer) -> Admin:
    """Bureau administrator calls against the live server."""
    return Admin(server.url)
