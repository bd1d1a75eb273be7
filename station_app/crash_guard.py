"""No traceback in front of a nurse: unexpected errors are logged and shown calmly.

`install` replaces sys.excepthook (Qt slots end up there too). A known environment
error (StoreError, PrinterError, DeskActionError: they carry message_zh/message_en)
shows its own message; anything else is a bug: the full traceback goes to the log
file, the dialog says that the data is safe and what to do.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from station_app.i18n import pick

log = logging.getLogger("vaxdesk.crash")

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def calm_message(exc: BaseException) -> str:
    """What the dialog says for `exc` (never the traceback)."""
    zh = getattr(exc, "message_zh", None)
    en = getattr(exc, "message_en", None)
    if zh or en:
        return (
            pick(zh, en)
            + "\n\n"
            + QCoreApplication.translate("CrashGuard", "資料已保存。請依上方說明處理後再試一次。")
        )
    return (
        QCoreApplication.translate("CrashGuard", "程式發生未預期的狀況，剛才的動作可能沒有完成。")
        + "\n"
        + QCoreApplication.translate(
            "CrashGuard", "已報到的資料都已保存。請再試一次；若一直發生，請通知管理員。"
        )
    )


class CrashGuard:
    """The installed hook; keeps the last dialog so tests can read and close it."""

    def __init__(self) -> None:
        self.previous: Hook | None = None
        self.last_dialog: QMessageBox | None = None
        self.count = 0

    def __call__(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            if self.previous:
                self.previous(kind, exc, tb)
            return
        self.count += 1
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        if QApplication.instance() is None:
            return
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(QCoreApplication.translate("CrashGuard", "VaxDesk 提醒"))
        box.setText(calm_message(exc))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.last_dialog = box
        box.open()


def install() -> CrashGuard:
    guard = CrashGuard()
    guard.previous = sys.excepthook
    sys.excepthook = guard
    return guard
