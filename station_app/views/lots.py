"""疫苗批號: today's vaccine lots, vials opened, doses given and doses left in open vials."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.desk_api import DeskService
from station_app.i18n import pick
from station_app.views.table_parts import fill_table, product_box, readonly_table
from vaccination.rules import RuleSetRegistry


class LotsView(QWidget):
    """The 疫苗批號 view."""

    changed = Signal()

    def __init__(
        self, service: DeskService, rules: RuleSetRegistry, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.table = readonly_table(
            "lotsTable",
            [
                self.tr("疫苗"),
                self.tr("批號"),
                self.tr("已開瓶數"),
                self.tr("每瓶劑量"),
                self.tr("已接種劑數"),
                self.tr("開瓶剩餘劑數"),
            ],
        )
        for i in range(5):
            self.table.setColumnWidth(i, 150)
        self.product_box = product_box(rules)
        self.lot_edit = QLineEdit()
        self.lot_edit.setPlaceholderText(self.tr("批號，例如 AZ1234-CDC"))
        self.open_button = QPushButton(self.tr("開一瓶"))
        self.message_label = QLabel()
        self.message_label.setObjectName("messageLine")
        form = QHBoxLayout()
        form.addWidget(QLabel(self.tr("疫苗")))
        form.addWidget(self.product_box, 1)
        form.addWidget(QLabel(self.tr("批號")))
        form.addWidget(self.lot_edit, 1)
        form.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        self.open_button.clicked.connect(self.open_vial)
        self.lot_edit.returnPressed.connect(self.open_vial)

    def refresh(self) -> None:
        fill_table(
            self.table,
            [
                [
                    lot.product,
                    lot.lot,
                    str(lot.vials_opened),
                    str(lot.doses_per_vial),
                    str(lot.doses_given),
                    str(lot.doses_left_in_open_vials),
                ]
                for lot in self.service.lots()
            ],
        )

    def open_vial(self) -> None:
        from station_app.checkin_service import DeskActionError

        lot = self.lot_edit.text().strip()
        try:
            self.service.open_vial(str(self.product_box.currentData()), lot)
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return
        self.message_label.setText(self.tr("批號 {lot} 已開一瓶").format(lot=lot))
        self.refresh()
        self.changed.emit()
