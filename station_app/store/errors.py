"""Typed errors of the local store: what went wrong in the environment, in zh and en.

SQLite reports environment trouble (a locked file, a full disk, a read-only or
corrupt database) as driver exceptions. `translate` turns those into a
`StoreError` with a stable code and a message a desk user can act on; anything
else is a bug and is left to propagate.
"""

from __future__ import annotations

from typing import Final

# code -> (substrings of the SQLite message, zh, en)
_KNOWN: Final[tuple[tuple[str, tuple[str, ...], str, str], ...]] = (
    (
        "locked",
        ("database is locked", "database table is locked", "database is busy"),
        "資料庫正被其他程式使用，請稍候再試",
        "the database is busy (locked by another program); try again in a moment",
    ),
    (
        "disk_full",
        ("database or disk is full", "disk i/o error", "no space left"),
        "磁碟空間已滿或無法寫入，請清出空間後再試",
        "the disk is full or cannot be written; free some space and try again",
    ),
    (
        "read_only",
        ("readonly database", "read-only", "attempt to write a readonly"),
        "資料庫檔案為唯讀，無法寫入，請檢查檔案權限",
        "the database file is read-only; check the file permissions",
    ),
    (
        "corrupt",
        ("file is not a database", "malformed", "file is encrypted"),
        "資料庫檔案已損毀或不是 VaxDesk 資料庫，請改用備份檔",
        "the database file is damaged or not a VaxDesk database; use a backup",
    ),
    (
        "cannot_open",
        ("unable to open database file",),
        "無法開啟資料庫檔案，請確認路徑與資料夾權限",
        "cannot open the database file; check the path and folder permissions",
    ),
)


class StoreError(Exception):
    """An environment problem with the local database; `str()` gives zh then en."""

    def __init__(self, code: str, message_zh: str, message_en: str, detail: str = "") -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.detail = detail
        super().__init__(f"{message_zh} / {message_en}")


def classify(message: str) -> StoreError | None:
    """The StoreError for a SQLite error message, or None when it is not an environment error."""
    low = message.lower()
    for code, needles, zh, en in _KNOWN:
        if any(n in low for n in needles):
            return StoreError(code, zh, en, detail=message)
    return None


def translate(exc: BaseException) -> StoreError | None:
    """Map a driver or SQLAlchemy exception (or OSError) to a StoreError, if it is one we know."""
    if isinstance(exc, StoreError):
        return exc
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    found = classify(text)
    if found is None and isinstance(exc, OSError):
        found = StoreError(
            "io",
            "無法存取資料庫檔案",
            "cannot access the database file",
            detail=str(exc),
        )
    return found
