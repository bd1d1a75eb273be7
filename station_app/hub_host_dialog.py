"""What the other desks need to know about the site hub this PC runs (setting host_hub).

Opened from the status bar's hub button: the address and the full certificate
fingerprint to type into the other desks' settings, or why the hub did not start.
"""

from __future__ import annotations

import socket

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from station_app.scan_routing import ScanDialog


class HubHostDialog(ScanDialog):
    """The hub's address and fingerprint (selectable, in full), or the reason it is off."""

    def __init__(
        self, port: int, fingerprint: str | None, error: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("本機站內中繼"))
        layout = QVBoxLayout(self)
        self.fields: dict[str, QLineEdit] = {}
        if fingerprint is None:
            heading = QLabel(self.tr("站內中繼沒有啟動，這台櫃台直接與衛生局同步。"))
            reason = QLabel(error)
            reason.setObjectName("errorText")
            reason.setWordWrap(True)
            layout.addWidget(heading)
            layout.addWidget(reason)
        else:
            layout.addWidget(QLabel(self.tr("在其他櫃台的「設定」填入：")))
            self._field(layout, "hub_url", self.tr("站內中繼網址"), self._address(port))
            self._field(layout, "hub_fingerprint", self.tr("站內中繼憑證指紋"), fingerprint)
        layout.addWidget(self.scan_line)
        close = QPushButton(self.tr("關閉"))
        close.setDefault(True)
        close.clicked.connect(self.accept)
        layout.addWidget(close, alignment=Qt.AlignmentFlag.AlignRight)

    def _field(self, layout: QVBoxLayout, name: str, caption: str, value: str) -> None:
        layout.addWidget(QLabel(caption))
        field = QLineEdit(value)
        field.setReadOnly(True)  # selectable and copyable, not editable
        field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        field.setMinimumWidth(field.fontMetrics().horizontalAdvance(value) + 24)
        layout.addWidget(field)
        self.fields[name] = field

    @staticmethod
    def _address(port: int) -> str:
        return f"https://{socket.gethostname()}:{port}"
