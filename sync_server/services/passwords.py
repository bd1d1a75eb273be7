"""Password accounts of the web pages: argon2id hashes, throttled sign-in, address allow-lists.

An account that signs in with a password is an ordinary account (same roles, same
one-year expiry) with a row in `account_passwords`. Hashing is argon2-cffi's
`PasswordHasher` (argon2id, its recommended parameters). A login or an address with
too many recent failures is refused before the password is even checked, and an
account can be limited to a list of networks (seed 001: 後台僅限白名單 IP 登入).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, Connection, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from sync_server.core.config import Settings
from sync_server.db.tables import account_passwords, accounts, sign_in_failures
from sync_server.errors import ServiceError, bad_request
from sync_server.services.accounts import NewAccount, Principal, Role, create_account, now_utc

_LOGIN = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD: Final[int] = 10
THROTTLE_WINDOW: Final[timedelta] = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN: Final[int] = 5
MAX_FAILURES_PER_ADDRESS: Final[int] = 20


@dataclass(frozen=True)
class SignInPolicy:
    """How many failures within which window stop further tries."""

    window: timedelta = THROTTLE_WINDOW
    per_login: int = MAX_FAILURES_PER_LOGIN
    per_address: int = MAX_FAILURES_PER_ADDRESS


class Hasher:
    """argon2id with the server's cost settings; hashes carry their own parameters."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._argon = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """An argon2id hash of the password, parameters included."""
        return self._argon.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when `password` matches; an unknown login (None) costs the same time."""
        if stored is None:
            self._dummy = self._dummy or self._argon.hash("no such account")
        matches = False
        with contextlib.suppress(VerificationError, InvalidHashError):
            matches = self._argon.verify(stored or self._dummy or "", password)
        return matches and stored is not None

    def needs_rehash(self, stored: str) -> bool:
        """True when the stored hash was made with other parameters than today's."""
        return self._argon.check_needs_rehash(stored)


def hasher_for(settings: Settings) -> Hasher:
    """The hasher with the costs of the server's settings."""
    return Hasher(settings.password_time_cost, settings.password_memory_kib)


def parse_networks(text: str) -> list[str]:
    """Networks from a comma- or space-separated text (`10.1.0.0/16, 192.168.5.7`); 422 if bad."""
    out = []
    for part in re.split(r"[\s,]+", text.strip()):
        if not part:
            continue
        try:
            out.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise bad_request(
                "bad_network",
                f"網段格式不正確：{part}",
                f"not an address or network: {part}",
            ) from None
    return out


def address_allowed(address: str, networks: list[str]) -> bool:
    """True when the list is empty or the address is inside one of its networks."""
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n) for n in networks)


def set_password(
    conn: Connection,
    hasher: Hasher,
    account_id: int,
    login: str,
    password: str,
    networks: list[str],
) -> None:
    """Give an account a login and password (or replace them); 422/409 when unusable."""
    login = login.strip()
    if not _LOGIN.fullmatch(login):
        raise bad_request(
            "bad_login",
            "登入帳號只能用英數字、底線、點、連字號（2-64 字）",
            "a login is 2-64 letters, digits, _ . or -",
        )
    if len(password) < MIN_PASSWORD:
        raise bad_request(
            "weak_password",
            f"密碼至少 {MIN_PASSWORD} 個字元",
            f"the password needs at least {MIN_PASSWORD} characters",
        )
    values = {
        "login": login,
        "password_hash": hasher.hash(password),
        "allowed_networks": networks,
    }
    try:
        with conn.begin_nested():
            done = conn.execute(
                update(account_passwords)
                .where(account_passwords.c.account_id == account_id)
                .values(**values)
            ).rowcount
            if not done:
                conn.execute(account_passwords.insert().values(account_id=account_id, **values))
    except IntegrityError:
        raise ServiceError(
            409, "login_exists", f"登入帳號已被使用：{login}", f"login already taken: {login}"
        ) from None


def set_networks(conn: Connection, account_id: int, networks: list[str]) -> None:
    """Replace an account's address allow-list (empty: any address)."""
    conn.execute(
        update(account_passwords)
        .where(account_passwords.c.account_id == account_id)
        .values(allowed_networks=networks)
    )


def _failures(conn: Connection, column: Column[str], value: str, since: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(sign_in_failures)
            .where(and_(column == value, sign_in_failures.c.at >= since))
        ).scalar_one()
    )


BAD_CREDENTIALS: Final[str] = "bad_credentials"


def record_failure(conn: Connection, login: str, address: str, now: datetime | None = None) -> None:
    """Count a failed sign-in against the login and the address (its own transaction)."""
    conn.execute(
        sign_in_failures.insert().values(
            login=login.strip()[:64], address=address[:64], at=now or now_utc()
        )
    )


def _refused() -> ServiceError:
    return ServiceError(401, BAD_CREDENTIALS, "帳號或密碼不正確", "wrong login or password")


def sign_in(
    conn: Connection,
    hasher: Hasher,
    login: str,
    password: str,
    address: str,
    policy: SignInPolicy | None = None,
    now: datetime | None = None,
) -> Principal:
    """The principal of a correct login and password; ServiceError otherwise.

    429 when the login or the address failed too often lately, 401 for a wrong login or
    password (the same answer for both: the caller then calls `record_failure` in a
    transaction of its own), 403 outside the account's networks, 401 for a disabled or
    expired account.
    """
    policy = policy or SignInPolicy()
    now = now or now_utc()
    login = login.strip()
    since = now - policy.window
    if (
        _failures(conn, sign_in_failures.c.login, login, since) >= policy.per_login
        or _failures(conn, sign_in_failures.c.address, address, since) >= policy.per_address
    ):
        minutes = int(policy.window.total_seconds() // 60)
        raise ServiceError(
            429,
            "throttled",
            f"登入失敗次數過多，請 {minutes} 分鐘後再試",
            f"too many failed sign-ins; try again in {minutes} minutes",
        )
    row = conn.execute(
        select(account_passwords, accounts)
        .join(accounts, accounts.c.id == account_passwords.c.account_id)
        .where(account_passwords.c.login == login)
    ).first()
    if not hasher.verify(row.password_hash if row else None, password) or row is None:
        raise _refused()
    if not address_allowed(address, list(row.allowed_networks or [])):
        raise ServiceError(
            403,
            "address_not_allowed",
            f"此帳號不可從 {address} 登入",
            f"this account may not sign in from {address}",
        )
    if row.disabled:
        raise ServiceError(401, "disabled", "此帳號已停用", "this account is disabled")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    if expires <= now:
        raise ServiceError(
            401,
            "expired",
            "帳號已超過使用期限，請向衛生局申請延長",
            "the account has expired; ask the health bureau to renew it",
        )
    changes: dict[str, object] = {"last_sign_in_at": now}
    if hasher.needs_rehash(row.password_hash):
        changes["password_hash"] = hasher.hash(password)
    conn.execute(
        update(account_passwords)
        .where(account_passwords.c.account_id == row.account_id)
        .values(**changes)
    )
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.login == login))
    return Principal(row.account_id, row.name, Role(row.role), row.site_id, row.desk, expires)


def create_password_account(
    conn: Connection,
    hasher: Hasher,
    *,
    login: str,
    name: str,
    role: Role,
    site_code: str | None,
    password: str,
    networks: list[str],
    lifetime_days: int,
) -> NewAccount:
    """A person's account that signs in with a password (its API token is never shown)."""
    if role in (Role.DESK, Role.HUB):
        raise bad_request("bad_account", "櫃台用憑證，不用密碼", "desks use tokens, not passwords")
    new = create_account(
        conn,
        name=name.strip() or login,
        role=role,
        site_code=site_code or None,
        desk=None,
        lifetime_days=lifetime_days,
    )
    set_password(conn, hasher, new.id, login, password, networks)
    return new
