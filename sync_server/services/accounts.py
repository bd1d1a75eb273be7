"""Sites, accounts and desks: creation, renewal, and turning a bearer token into a principal.

Roles (seed 001: accounts by role, valid one year): `bureau_admin` manages everything,
`bureau_staff` reads and exports every site, `site_manager` reads its own site and
uploads its rosters, `desk` syncs its own site only, `hub` relays its own site's desks
(a site hub, `vaxdesk hub`: pushes their events, pulls the site's log). Tokens are
shown once and stored as SHA-256 digests.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.exc import IntegrityError

from sync_server.core.security import hash_token, new_token, same_secret
from sync_server.db.tables import accounts, sites
from sync_server.errors import ServiceError, bad_request, not_found


class Role(StrEnum):
    """What an account may do."""

    BUREAU_ADMIN = "bureau_admin"
    BUREAU_STAFF = "bureau_staff"
    SITE_MANAGER = "site_manager"
    DESK = "desk"
    HUB = "hub"


BUREAU_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
_SITE_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
_DESK = re.compile(r"^[A-Z]{1,2}$")


@dataclass(frozen=True)
class Site:
    """A vaccination site known to the bureau."""

    id: int
    code: str
    name: str
    institution_code: str


@dataclass(frozen=True)
class Principal:
    """Who is asking: the account behind a token."""

    account_id: int | None  # None for the bootstrap token of the settings
    name: str
    role: Role
    site_id: int | None
    desk: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class NewAccount:
    """An account just created, with its token (shown once, never stored)."""

    id: int
    name: str
    role: Role
    site_code: str | None
    desk: str | None
    expires_at: datetime
    token: str


def now_utc() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def _site_from_row(row: object) -> Site:
    return Site(row.id, row.code, row.name, row.institution_code)  # type: ignore[attr-defined]


def create_site(conn: Connection, code: str, name: str, institution_code: str) -> Site:
    """Register a site; 422 for a malformed code, 409 when the code or name exists."""
    code, name, institution_code = code.strip(), name.strip(), institution_code.strip()
    if not _SITE_CODE.fullmatch(code):
        raise bad_request(
            "bad_site_code",
            "場所代碼只能用英數字、底線、連字號（1-32 字）",
            "a site code is 1-32 letters, digits, _ or -",
        )
    if not name:
        raise bad_request("bad_site_name", "場所名稱不可空白", "the site name is empty")
    if not re.fullmatch(r"\d{10}", institution_code):
        raise bad_request(
            "bad_institution_code",
            "院所代碼必須是 10 位數字",
            "the institution code must be 10 digits",
        )
    try:
        with conn.begin_nested():
            new_id = conn.execute(
                sites.insert()
                .values(
                    code=code, name=name, institution_code=institution_code, created_at=now_utc()
                )
                .returning(sites.c.id)
            ).scalar_one()
    except IntegrityError:
        raise ServiceError(
            409, "site_exists", f"場所代碼或名稱已存在：{code}", f"site code or name exists: {code}"
        ) from None
    return Site(int(new_id), code, name, institution_code)


def list_sites(conn: Connection) -> list[Site]:
    """Every site, by code."""
    return [_site_from_row(r) for r in conn.execute(select(sites).order_by(sites.c.code))]


def site_by_code(conn: Connection, code: str) -> Site:
    """The site with this code; 404 otherwise."""
    row = conn.execute(select(sites).where(sites.c.code == code)).first()
    if row is None:
        raise not_found(f"場所 {code}", f"site {code}")
    return _site_from_row(row)


def site_by_id(conn: Connection, site_id: int) -> Site:
    """The site with this id; 404 otherwise."""
    row = conn.execute(select(sites).where(sites.c.id == site_id)).first()
    if row is None:
        raise not_found("場所", "site")
    return _site_from_row(row)


def _placement(conn: Connection, role: Role, site_code: str | None, desk: str | None) -> int | None:
    """The site id an account of `role` belongs to; 422 when site or desk do not fit the role."""
    site_id: int | None = None
    if role in BUREAU_ROLES:
        if site_code or desk:
            raise bad_request(
                "bad_account", "衛生局帳號不屬於任何場所", "bureau accounts belong to no site"
            )
    else:
        if not site_code:
            raise bad_request("bad_account", "此角色需要指定場所", "this role needs a site")
        site_id = site_by_code(conn, site_code).id
    if role is Role.DESK:
        if not desk or not _DESK.fullmatch(desk):
            raise bad_request(
                "bad_desk", "櫃台代號是 1-2 個大寫英文字母", "a desk letter is 1-2 capital letters"
            )
    elif desk:
        raise bad_request("bad_account", "只有櫃台帳號有櫃台代號", "only desk accounts have a desk")
    return site_id


@dataclass(frozen=True)
class SiteDesk:
    """A desk account as a site hub learns it: the token's digest, never the token."""

    desk: str
    name: str
    token_hash: str
    expires_at: datetime
    disabled: bool


def site_desks(conn: Connection, site: Site) -> list[SiteDesk]:
    """The desk accounts of a site, for its hub to accept the same tokens the bureau does."""
    rows = conn.execute(
        select(accounts)
        .where(and_(accounts.c.site_id == site.id, accounts.c.role == Role.DESK.value))
        .order_by(accounts.c.desk)
    )
    return [
        SiteDesk(r.desk, r.name, r.token_hash, _as_aware(r.expires_at), bool(r.disabled))
        for r in rows
    ]


def desk_of_site(conn: Connection, site: Site, desk: str) -> bool:
    """True when the site has an enrolled desk with this letter."""
    found = conn.execute(
        select(accounts.c.id).where(
            and_(
                accounts.c.site_id == site.id,
                accounts.c.desk == desk,
                accounts.c.role == Role.DESK.value,
            )
        )
    ).first()
    return found is not None


def create_account(
    conn: Connection,
    *,
    name: str,
    role: Role,
    site_code: str | None,
    desk: str | None,
    lifetime_days: int,
    now: datetime | None = None,
) -> NewAccount:
    """Create an account (a desk when role is `desk`) and return its one-time token."""
    now = now or now_utc()
    site_id = _placement(conn, role, site_code, desk)
    token = new_token()
    expires = now + timedelta(days=lifetime_days)
    try:
        with conn.begin_nested():
            new_id = conn.execute(
                accounts.insert()
                .values(
                    name=name.strip() or role.value,
                    role=role.value,
                    site_id=site_id,
                    desk=desk,
                    token_hash=hash_token(token),
                    created_at=now,
                    expires_at=expires,
                    disabled=False,
                )
                .returning(accounts.c.id)
            ).scalar_one()
    except IntegrityError:
        raise ServiceError(
            409,
            "desk_exists",
            f"場所 {site_code} 已有櫃台 {desk}",
            f"site {site_code} already has desk {desk}",
        ) from None
    return NewAccount(int(new_id), name, role, site_code, desk, expires, token)


def renew_account(
    conn: Connection, account_id: int, lifetime_days: int, now: datetime | None = None
) -> datetime:
    """Extend an account for another period from now (seed 001: re-apply each year)."""
    expires = (now or now_utc()) + timedelta(days=lifetime_days)
    result = conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(expires_at=expires)
    )
    if result.rowcount != 1:
        raise not_found("帳號", "account")
    return expires


def disable_account(conn: Connection, account_id: int) -> None:
    """Stop an account at once (a lost desk PC)."""
    result = conn.execute(update(accounts).where(accounts.c.id == account_id).values(disabled=True))
    if result.rowcount != 1:
        raise not_found("帳號", "account")


def unauthorized(code: str, zh: str, en: str) -> ServiceError:
    """401 with a reason."""
    return ServiceError(401, code, zh, en)


def _as_aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Authenticator:
    """Turns bearer tokens into principals, with a short cache to keep pushes cheap.

    The cache holds a principal for `cache_seconds` at most; expiry is checked on
    every request against the cached expiry time, so an expired account is refused
    at once. Disabling takes effect within `cache_seconds`.
    """

    def __init__(self, bootstrap_token: str | None, cache_seconds: float) -> None:
        self._bootstrap_hash = hash_token(bootstrap_token) if bootstrap_token else None
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str | None) -> Principal | None:
        """The principal of `token` when no database look-up is needed, else None.

        Raises ServiceError 401 for a missing token or an expired account. Cheap enough
        for the event loop: a digest and a dictionary look-up.
        """
        if not token:
            raise unauthorized("no_token", "缺少授權憑證", "no bearer token")
        digest = hash_token(token)
        if self._bootstrap_hash is not None and same_secret(digest, self._bootstrap_hash):
            return Principal(None, "bootstrap", Role.BUREAU_ADMIN, None, None, None)
        with self._lock:
            cached = self._cache.get(digest)
        if cached is None or time.monotonic() - cached[0] >= self._cache_seconds:
            return None
        return _unexpired(cached[1])

    def forget(self, account_id: int) -> None:
        """Trust none of an account's cached tokens (it was disabled or re-enrolled)."""
        with self._lock:
            for digest, (_, principal) in list(self._cache.items()):
                if principal.account_id == account_id:
                    del self._cache[digest]

    def authenticate(self, conn_factory: object, token: str | None) -> Principal:
        """The principal of `token`; ServiceError 401 when missing, unknown, expired or disabled.

        `conn_factory` is a callable returning a context-managed Connection, so a cached
        token needs no database connection at all.
        """
        principal = self.cached(token)
        if principal is not None:
            return principal
        digest = hash_token(token or "")
        with conn_factory() as conn:  # type: ignore[operator]
            row = conn.execute(select(accounts).where(accounts.c.token_hash == digest)).first()
        # The unique index found the row; compare again in constant time anyway.
        if row is None or not same_secret(row.token_hash, digest):
            raise unauthorized("bad_token", "授權憑證無效", "the token is not valid")
        if row.disabled:
            raise unauthorized("disabled", "此帳號已停用", "this account is disabled")
        principal = Principal(
            row.id, row.name, Role(row.role), row.site_id, row.desk, _as_aware(row.expires_at)
        )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (time.monotonic(), principal)
        return _unexpired(principal)


def _unexpired(principal: Principal) -> Principal:
    if principal.expires_at is not None and principal.expires_at <= now_utc():
        raise unauthorized(
            "expired",
            "帳號已超過使用期限，請向衛生局申請延長",
            "the account has expired; ask the health bureau to renew it",
        )
    return principal


@dataclass(frozen=True)
class AccountInfo:
    """An account as the Accounts and Sites pages list it (no secrets)."""

    id: int
    name: str
    role: Role
    site_code: str | None
    desk: str | None
    login: str | None
    created_at: datetime
    expires_at: datetime
    disabled: bool
    last_sign_in_at: datetime | None
    allowed_networks: list[str]


def list_accounts(conn: Connection, *, machines: bool) -> list[AccountInfo]:
    """The machines' accounts, desks and site hubs (machines=True), or the people's, by
    site then name."""
    from sync_server.db.tables import account_passwords

    cond = accounts.c.role.in_([Role.DESK.value, Role.HUB.value])
    rows = conn.execute(
        select(accounts, sites.c.code, account_passwords)
        .outerjoin(sites, sites.c.id == accounts.c.site_id)
        .outerjoin(account_passwords, account_passwords.c.account_id == accounts.c.id)
        .where(cond if machines else ~cond)
        .order_by(sites.c.code, accounts.c.desk, accounts.c.name, accounts.c.id)
    )
    return [
        AccountInfo(
            r.id,
            r.name,
            Role(r.role),
            r.code,
            r.desk,
            r.login,
            _as_aware(r.created_at),
            _as_aware(r.expires_at),
            bool(r.disabled),
            _as_aware(r.last_sign_in_at) if r.last_sign_in_at else None,
            list(r.allowed_networks or []),
        )
        for r in rows
    ]


def account_by_id(conn: Connection, account_id: int) -> AccountInfo:
    """One account (desk or not); 404 otherwise."""
    for info in list_accounts(conn, machines=True) + list_accounts(conn, machines=False):
        if info.id == account_id:
            return info
    raise not_found("帳號", "account")


def desk_account_id(conn: Connection, site_code: str, desk: str) -> int:
    """The account of a site's desk; 404 when the site has no such desk."""
    site = site_by_code(conn, site_code)
    found = conn.execute(
        select(accounts.c.id).where(
            and_(
                accounts.c.site_id == site.id,
                accounts.c.desk == desk,
                accounts.c.role == Role.DESK.value,
            )
        )
    ).scalar()
    if found is None:
        raise not_found("此櫃台", "desk")
    return int(found)


def reissue_token(
    conn: Connection, account_id: int, lifetime_days: int, now: datetime | None = None
) -> NewAccount:
    """Re-enrol: a new token (shown once) for an account, enabled again and renewed."""
    now = now or now_utc()
    info = account_by_id(conn, account_id)
    token = new_token()
    expires = now + timedelta(days=lifetime_days)
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(token_hash=hash_token(token), disabled=False, expires_at=expires)
    )
    return NewAccount(info.id, info.name, info.role, info.site_code, info.desk, expires, token)


def change_role(conn: Connection, account_id: int, role: Role, site_code: str | None) -> None:
    """Give a person's account another role (and site); desks keep theirs."""
    if role is Role.DESK or account_by_id(conn, account_id).role is Role.DESK:
        raise bad_request(
            "bad_account", "櫃台帳號的角色不能更改", "a desk account's role cannot be changed"
        )
    site_id = _placement(conn, role, site_code or None, None)
    conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(role=role.value, site_id=site_id)
    )
