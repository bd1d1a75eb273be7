"""The password service on both databases: hashing, throttle window, allow-list, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from sync_server.db.engine import make_engine
from sync_server.db.migrate import upgrade
from sync_server.db.tables import accounts
from sync_server.errors import ServiceError
from sync_server.services.accounts import Role, create_site, now_utc
from sync_server.services.passwords import (
    Hasher,
    SignInPolicy,
    create_password_account,
    parse_networks,
    record_failure,
    sign_in,
)

HASHER = Hasher(1, 256)
SECRET = "a long enough password"


def _code(exc: pytest.ExceptionInfo[ServiceError]) -> tuple[int, str]:
    return exc.value.status, exc.value.code


def test_sign_in_rules(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    try:
        with engine.begin() as conn:
            create_site(conn, "TN01", "臺南市立體育館", "2321010010")
            new = create_password_account(
                conn, HASHER, login="chen", name="陳", role=Role.SITE_MANAGER, site_code="TN01",
                password=SECRET, networks=parse_networks("10.1.0.0/16"), lifetime_days=365,
            )  # fmt: skip
            stored = conn.execute(accounts.select().where(accounts.c.id == new.id)).one()
        assert stored.role == "site_manager"
        with engine.begin() as conn:
            who = sign_in(conn, HASHER, "chen", SECRET, "10.1.2.3")
        assert who.account_id == new.id and who.site_id is not None
        with engine.begin() as conn, pytest.raises(ServiceError) as outside:
            sign_in(conn, HASHER, "chen", SECRET, "192.168.1.1")
        assert _code(outside) == (403, "address_not_allowed")

        policy = SignInPolicy(window=timedelta(minutes=15), per_login=3)
        long_ago = now_utc() - timedelta(minutes=20)
        with engine.begin() as conn:
            for _ in range(3):
                record_failure(conn, "chen", "10.1.2.3", long_ago)  # outside the window
            sign_in(conn, HASHER, "chen", SECRET, "10.1.2.3", policy)
        with engine.begin() as conn:
            for _ in range(3):
                record_failure(conn, "chen", "10.1.2.4")
        with engine.begin() as conn, pytest.raises(ServiceError) as throttled:
            sign_in(conn, HASHER, "chen", SECRET, "10.1.2.3", policy)
        assert _code(throttled) == (429, "throttled")

        with engine.begin() as conn:
            conn.execute(update(accounts).values(expires_at=now_utc() - timedelta(seconds=1)))
        with engine.begin() as conn, pytest.raises(ServiceError) as expired:
            sign_in(conn, HASHER, "chen", SECRET, "10.1.2.3")
        assert _code(expired) == (401, "expired")
    finally:
        engine.dispose()


def test_bad_networks_and_weak_passwords_are_refused() -> None:
    with pytest.raises(ServiceError, match="bad_network"):
        parse_networks("10.1.0.0/16, not-a-net")
    assert parse_networks("10.1.2.3 192.168.0.0/24") == ["10.1.2.3/32", "192.168.0.0/24"]
    assert HASHER.verify(HASHER.hash(SECRET), SECRET)
    assert not HASHER.verify(None, "no such account")  # the unknown login never matches
