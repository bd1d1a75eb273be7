"""The desk's sign-in and lock screen, and the idle guard that locks it.

On a desk holding a staff list, nobody acts signed out: the window opens with the
sign-in dialog, Ctrl+L locks it for the next person, and after `lock_idle_minutes`
without a key, a click or a scan it locks by itself. The dialog takes name + PIN, or a
staff card scan (the card's field is the dialog itself: a scan while it is open is a
card). Keyboard only: type to pick the name, Tab, the PIN, Enter.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from station_app.dialogs import answer_buttons
from station_app.i18n import pick
from station_app.scan_routing import ScanDialog
from station_app.staff import StaffBook
from vaccination.staff import ROLE_NAMES
from vaccination.wire import StaffMember


def member_label(member: StaffMember) -> str:
    """`林醫師（醫師）`."""
    zh, en = ROLE_NAMES[member.role]
    return f"{member.name}（{pick(zh, en)}）"


class SignInDialog(ScanDialog):
    """工作人員登入 (or 畫面已鎖定): `signed_in(member)` once a PIN or a card matches."""

    signed_in = Signal(object)

    def __init__(
        self, book: StaffBook, parent: QWidget | None = None, *, locked: bool = False
    ) -> None:
        super().__init__(
            parent, self.tr("無法辨識的員工卡：請掃描您的員工卡，或選擇姓名並輸入 PIN")
        )
        self.book = book
        self.setWindowTitle(self.tr("畫面已鎖定") if locked else self.tr("工作人員登入"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        prompt = QLabel(self.tr("掃描員工卡，或選擇姓名並輸入 PIN 後按 Enter"))
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        self.staff_box = QComboBox()
        self.staff_box.setObjectName("staffBox")
        for member in book.members():
            self.staff_box.addItem(member_label(member), member.staff_id)
        layout.addWidget(self.staff_box)
        self.pin_edit = QLineEdit()
        self.pin_edit.setObjectName("pinEdit")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText(self.tr("PIN"))
        layout.addWidget(self.pin_edit)
        self.message_line = QLabel()
        self.message_line.setObjectName("errorText")
        self.message_line.setWordWrap(True)
        layout.addWidget(self.message_line)
        layout.addWidget(self.scan_line)
        self.buttons = answer_buttons(
            self, QDialogButtonBox.StandardButton.Ok, self.tr("登入"), self.tr("取消")
        )
        # Signed out is no state to walk away in: only a sign-in closes the dialog.
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.buttons.accepted.disconnect()
        self.buttons.accepted.connect(self.try_pin)
        layout.addWidget(self.buttons)
        self.pin_edit.setFocus()

    def try_pin(self) -> None:
        """Enter or 登入: sign in the chosen member when the PIN is theirs."""
        member = self.book.by_pin(str(self.staff_box.currentData() or ""), self.pin_edit.text())
        self.pin_edit.clear()
        if member is None:
            self.message_line.setText(self.tr("PIN 錯誤，請再試一次"))
            self.pin_edit.setFocus()
            return
        self._done(member)

    def receive_scan(self, raw: str) -> bool:
        """A staff card: sign its owner in; any other code is refused (the block sound)."""
        member = self.book.by_card(raw)
        if member is None:
            return False
        self._done(member)
        return True

    def _done(self, member: StaffMember) -> None:
        self.message_line.clear()
        self.signed_in.emit(member)
        self.accept()

    def reject(self) -> None:
        """Escape does not leave a lock screen."""


class IdleGuard(QObject):
    """Application event filter: the time of the desk's last key, click or scan.

    `idle_seconds()` is how long the desk has been left alone; the window checks it
    every few seconds and locks after the setting's minutes.
    """

    _ACTIVE = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel})

    def __init__(self, parent: QObject, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.clock = clock
        self.last_activity = clock()

    def touch(self) -> None:
        """Someone used the desk now (a scan from a serial scanner or a camera, say)."""
        self.last_activity = self.clock()

    def idle_seconds(self) -> float:
        return self.clock() - self.last_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._ACTIVE:
            self.last_activity = self.clock()
        return False
