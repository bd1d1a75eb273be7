"""Errors the server answers with: a stable code, an HTTP status and a zh + en message.

Every error answer of the API has one body, `ErrorBody`: `detail` with the code and the
two messages, and for invalid input (422) `errors`, one entry per field that failed.
The OpenAPI document declares it for each status a route can answer.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """What went wrong, for a program (`code`) and for a person (zh, then en)."""

    code: str = Field(examples=["forbidden"])
    message_zh: str = Field(examples=["此帳號沒有這項權限"])
    message_en: str = Field(examples=["this account may not do that"])


class FieldError(BaseModel):
    """One field of the request that failed validation."""

    loc: list[str | int] = Field(
        description="where: body, path, query or header, then the field", examples=[["path", "day"]]
    )
    msg: str = Field(examples=["the day must be an ISO date YYYY-MM-DD, e.g. 2026-11-23"])


class ErrorBody(BaseModel):
    """The body of every error answer."""

    detail: ErrorDetail
    errors: list[FieldError] | None = Field(
        default=None, description="invalid input (422) only: each field that failed"
    )


class ServiceError(Exception):
    """A refusal the client caused (bad input, no permission, unknown site ...)."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status = status
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def body(self, errors: list[FieldError] | None = None) -> dict[str, object]:
        """The JSON body of the error response (`ErrorBody`)."""
        detail = ErrorDetail(code=self.code, message_zh=self.message_zh, message_en=self.message_en)
        return ErrorBody(detail=detail, errors=errors).model_dump(exclude_none=True)


def not_found(what_zh: str, what_en: str) -> ServiceError:
    """404 naming what is missing."""
    return ServiceError(404, "not_found", f"找不到{what_zh}", f"{what_en} not found")


def forbidden() -> ServiceError:
    """403: the account may not do this or may not see this site."""
    return ServiceError(403, "forbidden", "此帳號沒有這項權限", "this account may not do that")


def bad_request(code: str, message_zh: str, message_en: str) -> ServiceError:
    """422 for input the server understood but cannot accept."""
    return ServiceError(422, code, message_zh, message_en)
