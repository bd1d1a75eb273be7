"""The settings dialog's 「尋找站內中繼」: hubs announced on the site's network, one click
to take a hub's address. The fingerprint is never taken from the network (see
station_app/hub_discovery.py): the site manager types it in from the hub's screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from station_app.background import Background
from station_app.hub_discovery import FoundHub, find_hubs
from vaccination.tls_fingerprint import short_fingerprint


class HubFinder(QWidget):
    """A button that looks for hubs, the list of those heard, and what to do next."""

    def __init__(self, take_url: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._take_url = take_url
        self._background = Background(self, threads=1)
        self.button = QPushButton(self.tr("在站內網路尋找中繼"))
        self.button.clicked.connect(self.look)
        self.hubs = QComboBox()
        self.hubs.hide()
        self.hubs.activated.connect(self._chosen)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()  # shown once the clerk looks
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.hubs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.note)
        self._found: list[FoundHub] = []

    def look(self) -> None:
        """Listen for a few seconds off the GUI thread."""
        self.button.setEnabled(False)
        self.note.setText(self.tr("尋找中…"))
        self.note.show()
        self._background.submit("hubs", find_hubs, self._heard)

    def _heard(self, found: list[FoundHub]) -> None:
        self.button.setEnabled(True)
        self._found = found
        self.hubs.clear()
        if not found:
            self.hubs.hide()
            self.note.setText(
                self.tr("沒有找到站內中繼：中繼須以 --announce 啟動，並與這台電腦在同一網段。")
            )
            return
        for hub in found:
            self.hubs.addItem(f"{hub.name}  {hub.url}")
        self.hubs.show()
        self.hubs.setFocus()
        self.note.setText(self.tr("找到 {n} 台，請選擇一台。").format(n=len(found)))
        if len(found) == 1:
            self._chosen(0)

    def _chosen(self, index: int) -> None:
        hub = self._found[index]
        self._take_url(hub.url)
        if hub.announced_fingerprint:
            self.note.setText(
                self.tr(
                    "已填入網址 {url}。憑證指紋不從網路取得：請對照中繼電腦畫面上的指紋，"
                    "輸入「站內中繼憑證指紋」（它公告的指紋為 {short}）。"
                ).format(url=hub.url, short=short_fingerprint(hub.announced_fingerprint))
            )
        else:
            self.note.setText(
                self.tr("已填入網址 {url}。這台中繼未使用 TLS（未以 --tls 啟動）。").format(
                    url=hub.url
                )
            )
