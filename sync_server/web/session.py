"""Browser sessions: a cookie-session principal beside the API's bearer tokens.

`vaxdesk_session` holds a random secret (HttpOnly, SameSite=Strict, Secure behind TLS);
only its SHA-256 digest is stored. A session ends after `session_idle_minutes` without
a request, when its account is disabled or expires, or on sign-out. Requests that
change something (every method but GET and HEAD) must carry the session's CSRF token,
as the form field `csrf_token` or the `X-CSRF-Token` header, whichever way they reach
the app: the same check guards the pages and the API called with the cookie.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from fastapi import Depends, Request, Response
from sqlalchemy import Connection, Engine, delete, select, update
from starlette.concurrency import run_in_threadpool

from sync_server.core.security import hash_token, same_secret
from sync_server.db.engine import reading
from sync_server.db.tables import accounts, web_sessions
from sync_server.errors import ServiceError
from sync_server.services.accounts import Principal, Role, now_utc
from sync_server.services.passwords import Hasher, hasher_for

COOKIE: Final[str] = "vaxdesk_session"
CSRF_FIELD: Final[str] = "csrf_token"
CSRF_HEADER: Final[str] = "x-csrf-token"
_SAFE_METHODS: Final[frozenset[str]] = frozenset({"GET", "HEAD", "OPTIONS"})
_TOUCH_EVERY: Final[timedelta] = timedelta(minutes=1)


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: who, and the CSRF token its forms carry."""

    principal: Principal
    csrf_token: str


async def get_hasher(request: Request) -> Hasher:
    """The app's password hasher, made on first use with the settings' costs."""
    hasher: Hasher | None = getattr(request.app.state, "hasher", None)
    if hasher is None:
        hasher = request.app.state.hasher = hasher_for(request.app.state.settings)
    return hasher


HasherDep = Annotated[Hasher, Depends(get_hasher)]


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (uvicorn applies proxy headers)."""
    return request.client.host if request.client else "unknown"


def open_session(conn: Connection, account_id: int, address: str) -> tuple[str, str]:
    """Store a new session; returns (cookie secret, CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = now_utc()
    conn.execute(
        web_sessions.insert().values(
            token_hash=hash_token(secret),
            account_id=account_id,
            csrf_token=csrf,
            address=address[:64],
            created_at=now,
            last_seen_at=now,
        )
    )
    return secret, csrf


def close_session(conn: Connection, secret: str) -> None:
    """Forget a session (sign-out)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == hash_token(secret)))


def close_sessions_of(conn: Connection, account_id: int) -> None:
    """Forget every session of an account (disabled, password changed)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.account_id == account_id))


def set_cookie(request: Request, response: Response, secret: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure when the request came over TLS."""
    response.set_cookie(
        COOKIE,
        secret,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def load_session(engine: Engine, secret: str, idle: timedelta) -> WebSession | None:
    """The live session of a cookie secret, or None (unknown, idle too long, account stopped)."""
    digest = hash_token(secret)
    now = now_utc()
    # Read first; write only when the session is to be touched (once a minute) or ended.
    with reading(engine) as conn:
        row = conn.execute(
            select(web_sessions, accounts)
            .join(accounts, accounts.c.id == web_sessions.c.account_id)
            .where(web_sessions.c.token_hash == digest)
        ).first()
    if row is None:
        return None
    expires = _aware(row.expires_at)
    ended = row.disabled or expires <= now or _aware(row.last_seen_at) + idle <= now
    if ended or _aware(row.last_seen_at) + _TOUCH_EVERY <= now:
        with engine.begin() as conn:
            where = web_sessions.c.token_hash == digest
            if ended:
                conn.execute(delete(web_sessions).where(where))
            else:
                conn.execute(update(web_sessions).where(where).values(last_seen_at=now))
    if ended:
        return None
    principal = Principal(row.id, row.name, Role(row.role), row.site_id, row.desk, expires)
    return WebSession(principal, row.csrf_token)


def csrf_failure() -> ServiceError:
    """403 for a changing request without the session's CSRF token."""
    return ServiceError(
        403,
        "csrf",
        "表單已過期或來源不明，請重新整理頁面後再送出",
        "the form is stale or came from elsewhere; reload the page and send it again",
    )


async def _sent_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def session_of(request: Request) -> WebSession | None:
    """The request's session (cached on the request), CSRF-checked for changing methods."""
    if hasattr(request.state, "web_session"):
        cached: WebSession | None = request.state.web_session
        return cached
    secret = request.cookies.get(COOKIE)
    session = None
    if secret:
        idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
        session = await run_in_threadpool(load_session, request.app.state.engine, secret, idle)
    request.state.web_session = session
    if session is not None and request.method not in _SAFE_METHODS:
        sent = await _sent_csrf(request)
        if not sent or not same_secret(sent, session.csrf_token):
            raise csrf_failure()
    return session


async def session_principal(request: Request) -> Principal | None:
    """The principal of the session cookie, or None when there is no live session."""
    session = await session_of(request)
    return session.principal if session is not None else None
