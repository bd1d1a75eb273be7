"""What every page shares: the route class that turns refusals into pages, rendering, i18n.

`PageRoute` catches the ServiceError a dependency or service raises: 401 sends the
browser to the sign-in page, anything else renders the error page with the same
status and the bilingual message. Templates get `t(zh, en)`, which picks the text of
the language the user chose (Traditional Chinese unless the `lang` cookie says `en`),
`mask` for ID numbers, the signed-in principal and its CSRF token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from sync_server.errors import ServiceError
from sync_server.services import audit
from sync_server.services.accounts import BUREAU_ROLES, Principal, Role
from sync_server.services.audit import Actor
from sync_server.web.session import client_address
from vaccination.ids import mask_id

log = logging.getLogger(__name__)

TEMPLATES: Final[Path] = Path(__file__).resolve().parent / "templates"
STATIC: Final[Path] = Path(__file__).resolve().parent / "static"
LANG_COOKIE: Final[str] = "lang"
# Only this server's own scripts, styles, images and forms; no framing (clickjacking).
CONTENT_SECURITY_POLICY: Final[str] = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

ROLE_LABELS: Final[dict[Role, tuple[str, str]]] = {
    Role.BUREAU_ADMIN: ("衛生局管理者", "bureau administrator"),
    Role.BUREAU_STAFF: ("衛生局人員", "bureau staff"),
    Role.SITE_MANAGER: ("場所負責人", "site manager"),
    Role.DESK: ("報到櫃台", "check-in desk"),
    Role.HUB: ("站內中繼", "site hub"),
}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request) -> str:
    """`zh` (the default) or `en`."""
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def _when(value: datetime | None, lang: str) -> str:
    if value is None:
        return "—" if lang == "zh" else "never"
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template, with the shared context."""
    lang = language(request)
    session = getattr(request.state, "web_session", None)

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    html = _env.get_template(template).render(
        request=request,
        lang=lang,
        t=t,
        mask=mask_id,
        when=lambda v: _when(v, lang),
        role_label=lambda r: t(*ROLE_LABELS[Role(r)]),
        who=session.principal if session else None,
        csrf=session.csrf_token if session else "",
        is_bureau=bool(session and session.principal.role in BUREAU_ROLES),
        is_admin=bool(session and session.principal.role is Role.BUREAU_ADMIN),
        today=date.today(),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def actor(request: Request, who: Principal) -> Actor:
    """The audit actor of a request."""
    return Actor.of(who, client_address(request))


CSV: Final[str] = "text/csv; charset=utf-8"
XLSX: Final[str] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def logged_download(
    request: Request,
    who: Principal,
    engine: Engine,
    filename: str,
    data: bytes,
    *,
    action: str = "exported",
    target: str,
    detail: dict[str, Any] | None = None,
) -> Response:
    """A file download (CSV or XLSX by its name) that goes into the audit log first."""
    with engine.begin() as conn:
        audit.record(
            conn, actor(request, who), action, target, {"file": filename, **(detail or {})}
        )
    return Response(
        data,
        media_type=XLSX if filename.endswith(".xlsx") else CSV,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def see_other(url: str) -> RedirectResponse:
    """303 to `url`: the answer to a form that worked (reloading does not send it again)."""
    return RedirectResponse(url, status_code=303)


class PageRoute(APIRoute):
    """A route whose refusals are pages: 401 goes to sign-in, others render error.html."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ServiceError as exc:
                if exc.status == 401:
                    target = request.url.path
                    if request.url.query:
                        target += "?" + request.url.query
                    return see_other(f"/sign-in?next={quote(target, safe='')}")
                return render(request, "error.html", status=exc.status, error=exc)
            except RequestValidationError as exc:
                where = ", ".join(
                    ".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()
                )
                error = ServiceError(
                    422, "invalid", f"欄位不正確：{where}", f"fields not valid: {where}"
                )
                return render(request, "error.html", status=422, error=error)

        return page_handler
