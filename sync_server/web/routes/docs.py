"""/docs: Swagger UI of the API with its scripts and styles served by this server (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html

router = APIRouter(include_in_schema=False)

ASSETS = "/static/swagger"


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    """The API's interactive documentation, working on a network without internet."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} - API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
    )
