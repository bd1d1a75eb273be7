"""What the OpenAPI document says a route can answer besides success: errors and files.

Every error answer has the body `sync_server.errors.ErrorBody`. `errors(...)` declares it
for the statuses a route can answer, each with what it means; `files(...)` declares the
file types of a download route.
"""

from __future__ import annotations

from typing import Any

from sync_server.errors import ErrorBody

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# FastAPI's `responses` takes OpenAPI fragments: plain dictionaries.
Responses = dict[int | str, dict[str, Any]]

_MEANING = {
    401: "沒有、無效、停用或過期的授權憑證 / no token, or one unknown, disabled or expired",
    403: "此帳號不能這樣做，或不能看這個場所 / the account may not do this, or may not see "
    "this site; a site account gets this for every other site code, whether or not it exists",
    404: "找不到 / not found (a missing site: for bureau accounts; site accounts get 403)",
    408: "內容未在期限內送達 / the body did not arrive within body_timeout_seconds; the "
    "connection is closed",
    409: "已經存在，或目前狀態不允許（例如尚不能結帳的一天）/ exists already, or not allowed as "
    "things stand (a day not ready to close, or closed already)",
    413: "內容太大 / the body, or the number of events in a push, is over the limit",
    422: "輸入不正確 / invalid input; `errors` lists each field that failed",
    426: "櫃台的同步協定太舊，請更新 VaxDesk / the desk's sync protocol (X-VaxDesk-Protocol) "
    "is missing or older than the server answers: update VaxDesk",
    503: "伺服器忙碌或資料庫暫時無法使用 / busy, or the database is unavailable: retry after "
    "Retry-After seconds",
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    503: {
        "Retry-After": {
            "description": "seconds to wait before the next try",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def errors(*statuses: int) -> Responses:
    """The error answers `statuses`, each with the error body and what it means."""
    return {
        status: {"model": ErrorBody, "description": _MEANING[status]}
        | ({"headers": _HEADERS[status]} if status in _HEADERS else {})
        for status in statuses
    }


# Every route under /sites/{code}: a token, the site's access rule, input, the database.
SITE_ERRORS = errors(401, 403, 404, 408, 413, 422, 503)
# The desks' sync routes (push, pull, roster download) check the protocol too.
SYNC_ERRORS = SITE_ERRORS | errors(426)


def files(description: str, *media_types: str) -> Responses:
    """A 200 answer of the given file types (CSV text or a binary workbook)."""
    schema = {CSV: {"type": "string"}, XLSX: {"type": "string", "format": "binary"}}
    content = {m: {"schema": schema[m]} for m in media_types}
    return {200: {"description": description, "content": content}}
