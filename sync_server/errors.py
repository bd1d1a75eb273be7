"""Errors the server answers with: a stable code, an HTTP status and a zh + en message."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal the client caused (bad input, no permission, unknown site ...)."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status = status
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def body(self) -> dict[str, object]:
        """The JSON body of the error response."""
        return {
            "detail": {
                "code": self.code,
                "message_zh": self.message_zh,
                "message_en": self.message_en,
            }
        }


def not_found(what_zh: str, what_en: str) -> ServiceError:
    """404 naming what is missing."""
    return ServiceError(404, "not_found", f"找不到{what_zh}", f"{what_en} not found")


def forbidden() -> ServiceError:
    """403: the account may not do this or may not see this site."""
    return ServiceError(403, "forbidden", "此帳號沒有這項權限", "this account may not do that")


def bad_request(code: str, message_zh: str, message_en: str) -> ServiceError:
    """422 for input the server understood but cannot accept."""
    return ServiceError(422, code, message_zh, message_en)
