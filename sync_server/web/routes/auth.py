"""Sign in, sign out, and the language switch."""

from __future__ import annotations

import secrets
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import EngineDep
from sync_server.core.security import same_secret
from sync_server.errors import ServiceError
from sync_server.services import audit, passwords
from sync_server.services.audit import Actor
from sync_server.web.pages import LANG_COOKIE, PageRoute, language, render, see_other
from sync_server.web.session import (
    COOKIE,
    HasherDep,
    client_address,
    close_session,
    open_session,
    session_of,
    set_cookie,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Double-submit token of the sign-in form (there is no session yet to hold one).
SIGN_IN_CSRF: Final[str] = "vaxdesk_sign_in"


def _safe_next(target: str) -> str:
    # Only paths of this server: never an absolute or protocol-relative address.
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _form(
    request: Request, next_: str, login: str = "", message: str = "", status: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "sign_in.html", status, next=next_, login=login, message=message, form_token=token
    )
    response.set_cookie(
        SIGN_IN_CSRF, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = "/") -> Response:
    """The sign-in form (or straight on when already signed in)."""
    if await session_of(request) is not None:
        return see_other(_safe_next(next))
    return _form(request, _safe_next(next))


@router.post("/sign-in")
def sign_in(
    request: Request,
    engine: EngineDep,
    hasher: HasherDep,
    login: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    form_token: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password; on success open a session and go where the user was heading."""
    address = client_address(request)
    t_en = language(request) == "en"
    cookie_token = request.cookies.get(SIGN_IN_CSRF, "")
    if not form_token or not cookie_token or not same_secret(form_token, cookie_token):
        message = "the form expired; please sign in again" if t_en else "表單已過期，請重新登入"
        return _form(request, _safe_next(next), login, message, 403)
    try:
        with engine.begin() as conn:
            who = passwords.sign_in(conn, hasher, login, password, address)
            assert who.account_id is not None  # password accounts are real accounts
            secret, _ = open_session(conn, who.account_id, address)
            audit.record(conn, Actor.of(who, address), "sign_in", login)
    except ServiceError as exc:
        with engine.begin() as conn:
            if exc.code == passwords.BAD_CREDENTIALS:
                passwords.record_failure(conn, login, address)
            audit.record(
                conn,
                Actor(login[:64], None, address),
                "sign_in_refused",
                login[:64],
                {"code": exc.code},
            )
        return _form(
            request, _safe_next(next), login, exc.message_en if t_en else exc.message_zh, exc.status
        )
    response = see_other(_safe_next(next))
    set_cookie(request, response, secret)
    response.delete_cookie(SIGN_IN_CSRF)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, engine: EngineDep) -> Response:
    """End the session (the CSRF token is checked by session_of)."""
    session = await session_of(request)
    secret = request.cookies.get(COOKIE)
    if session is not None and secret:

        def work() -> None:
            with engine.begin() as conn:
                close_session(conn, secret)
                audit.record(
                    conn,
                    Actor.of(session.principal, client_address(request)),
                    "sign_out",
                    session.principal.name,
                )

        await run_in_threadpool(work)
    response = see_other("/sign-in")
    response.delete_cookie(COOKIE)
    return response


@router.get("/language")
def switch_language(to: str = "zh", next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back."""
    response = see_other(_safe_next(next))
    response.set_cookie(LANG_COOKIE, "en" if to == "en" else "zh", samesite="lax", max_age=31536000)
    return response
