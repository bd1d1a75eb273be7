"""卡紙未印的號碼單: tickets the queue dropped after a jam, offered as reprints (補印).

A ticket waiting longer than `ticket_drop_minutes` is not printed late out of order;
the status bar says how many are waiting for a decision, and this dialog lists them
(number, masked name, the site's time it was queued) to reprint the chosen ones.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.dialogs import answer_buttons
from station_app.scan_routing import ScanDialog
from station_app.ticket_hook import TicketHook


class DroppedTicketsDialog(ScanDialog):
    """Choose dropped tickets to reprint; all are chosen when it opens."""

    def __init__(self, tickets: TicketHook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tickets = tickets
        self.setWindowTitle(self.tr("卡紙未印的號碼單"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("這些號碼單等候太久，沒有印出。選擇要補印的（印出時標示「補印」）："))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.list = QListWidget()
        self.list.setObjectName("droppedTickets")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for t in tickets.dropped_tickets():
            text = f"{t.queue_number}　{t.masked_name}　{t.queued_at:%H:%M}".strip()
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, t.job_id)
            self.list.addItem(item)
            item.setSelected(True)
        layout.addWidget(self.list)
        layout.addWidget(self.scan_line)
        self.buttons = answer_buttons(
            self, QDialogButtonBox.StandardButton.Ok, self.tr("補印選取的號碼單"), self.tr("關閉")
        )
        layout.addWidget(self.buttons)
        self.list.setFocus()

    def chosen(self) -> list[int]:
        """The job ids of the chosen tickets."""
        return [int(i.data(Qt.ItemDataRole.UserRole)) for i in self.list.selectedItems()]
