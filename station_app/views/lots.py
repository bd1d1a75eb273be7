"""疫苗批號: today's vaccine lots, and each open vial with the time it has left.

The lots table counts vials opened, doses given and doses left. Below it every vial
still open (not empty, not discarded) shows when it was opened, when it expires (the
rule set's hours after opening) and the time left: amber in the last minutes
(`vial_warning_minutes`), red and 已過期 once expired, with 丟棄 to throw it away (a
VIAL_DISCARDED event). The window checks the vials every half minute and says in
its status line which vial is about to expire.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.desk_api import DeskService
from station_app.dialogs import ReasonDialog
from station_app.i18n import pick
from station_app.views.person_card import COLOURS
from station_app.views.table_parts import fill_table, product_box, readonly_table
from vaccination.rules import RuleSetLookupError, RuleSetRegistry
from vaccination.vials import OpenVial


def vial_state(vial: OpenVial, now: datetime, warn_before: timedelta) -> str:
    """ "expired", "warn" (expires within `warn_before`), "ok", or "none" (no limit)."""
    left = vial.time_left(now)
    if left is None:
        return "none"
    if left <= timedelta(0):
        return "expired"
    return "warn" if left <= warn_before else "ok"


class LotsView(QWidget):
    """The 疫苗批號 view."""

    changed = Signal()

    def __init__(
        self,
        service: DeskService,
        rules: RuleSetRegistry,
        parent: QWidget | None = None,
        warning_minutes: int = 30,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.rules = rules
        self.warning_minutes = warning_minutes
        self.vials: list[OpenVial] = []
        self.discard_dialog: ReasonDialog | None = None
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
        self.vial_table = readonly_table(
            "openVialsTable",
            [
                self.tr("疫苗"),
                self.tr("批號"),
                self.tr("櫃台"),
                self.tr("開瓶時間"),
                self.tr("到期時間"),
                self.tr("剩餘劑數"),
                self.tr("剩餘時間"),
            ],
        )
        self.vial_table.setSelectionBehavior(self.vial_table.SelectionBehavior.SelectRows)
        self.vial_table.setSelectionMode(self.vial_table.SelectionMode.SingleSelection)
        self.product_box = product_box(rules)
        self.lot_edit = QLineEdit()
        self.lot_edit.setPlaceholderText(self.tr("批號，例如 AZ1234-CDC"))
        # On a 1024-wide screen the row is tight: the lot number keeps room for itself.
        self.lot_edit.setMinimumWidth(self.lot_edit.fontMetrics().horizontalAdvance("M" * 14))
        self.product_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.product_box.setMinimumContentsLength(12)
        # Doses per vial belong to the lot (AZ comes in 8 and 10): chosen at its first vial.
        self.size_box = QComboBox()
        self.size_box.setObjectName("vialSize")
        self._rules = rules
        self.product_box.currentIndexChanged.connect(self._offer_sizes)
        self._offer_sizes()
        self.open_button = QPushButton(self.tr("開一瓶"))
        self.discard_button = QPushButton(self.tr("丟棄選取的瓶"))
        self.message_label = QLabel()
        self.message_label.setObjectName("messageLine")
        form = QHBoxLayout()
        form.addWidget(QLabel(self.tr("疫苗")))
        form.addWidget(self.product_box, 1)
        form.addWidget(QLabel(self.tr("批號")))
        form.addWidget(self.lot_edit, 1)
        form.addWidget(QLabel(self.tr("每瓶劑數")))
        form.addWidget(self.size_box)
        form.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(self.tr("開瓶中的疫苗")))
        layout.addWidget(self.vial_table, 1)
        layout.addWidget(self.discard_button)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        self.open_button.clicked.connect(self.open_vial)
        self.lot_edit.returnPressed.connect(self.open_vial)
        self.discard_button.clicked.connect(self.ask_discard)

    def _offer_sizes(self) -> None:
        """The vial sizes of the chosen product; the first keeps the lot's (or the default)."""
        self.size_box.clear()
        try:
            product = self._rules.product(str(self.product_box.currentData()))
        except RuleSetLookupError:
            self.size_box.addItem(self.tr("預設"), None)
            self.size_box.setEnabled(False)
            return
        self.size_box.addItem(
            self.tr("依批號（新批號 {n} 劑）").format(n=product.doses_per_vial), None
        )
        for size in product.vial_sizes or ():
            self.size_box.addItem(self.tr("{n} 劑").format(n=size), size)
        self.size_box.setEnabled(bool(product.vial_sizes))

    @property
    def warn_before(self) -> timedelta:
        return timedelta(minutes=self.warning_minutes)

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
        self.show_vials(self.service.open_vials())

    # -- open vials -----------------------------------------------------------------------

    def _product_name(self, code: str) -> str:
        if self.rules.has_product(code):
            p = self.rules.product(code)
            return pick(p.name_zh, p.name_en)
        return code

    def _left_text(self, vial: OpenVial, now: datetime, state: str) -> str:
        left = vial.time_left(now)
        if state == "expired":
            return self.tr("已過期，請丟棄")
        if left is None:
            return self.tr("無時限")
        minutes = int(left.total_seconds() // 60)
        return self.tr("{h} 小時 {m} 分").format(h=minutes // 60, m=minutes % 60)

    def show_vials(self, vials: list[OpenVial]) -> None:
        """Fill the open-vial table; each row coloured by how close its vial is to expiry."""
        now = self.service.now()
        self.vials = vials
        rows = []
        states = []
        for v in vials:
            state = vial_state(v, now, self.warn_before)
            states.append(state)
            expires = v.expires_at.astimezone(now.tzinfo) if v.expires_at else None
            rows.append(
                [
                    self._product_name(v.product),
                    v.lot,
                    v.desk,
                    v.opened_at.astimezone(now.tzinfo).strftime("%H:%M"),
                    expires.strftime("%H:%M") if expires else "—",
                    str(v.doses_left),
                    self._left_text(v, now, state),
                ]
            )
        fill_table(self.vial_table, rows)
        for r, state in enumerate(states):
            colours = {"expired": COLOURS["block"], "warn": COLOURS["warn"]}.get(state)
            if colours is None:
                continue
            for c in range(self.vial_table.columnCount()):
                item = self.vial_table.item(r, c)
                if item is not None:
                    item.setForeground(QBrush(QColor(colours[0])))
                    item.setBackground(QBrush(QColor(colours[1])))

    def vial_states(self) -> list[str]:
        """The state of each row of the open-vial table (what its colour says)."""
        now = self.service.now()
        return [vial_state(v, now, self.warn_before) for v in self.vials]

    def selected_vial(self) -> OpenVial | None:
        rows = self.vial_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.vials):
            return None
        return self.vials[rows[0].row()]

    def ask_discard(self) -> None:
        """丟棄 the chosen vial: at once when expired (the reason says so), else ask why."""
        vial = self.selected_vial()
        if vial is None:
            self.message_label.setText(self.tr("請先在開瓶中的疫苗選一瓶"))
            return
        if vial.expired(self.service.now()):
            hours = (vial.expires_at - vial.opened_at) if vial.expires_at else timedelta(0)
            reason = self.tr("開瓶逾 {h} 小時").format(h=round(hours.total_seconds() / 3600))
            self.discard(vial, reason)
            return
        dialog = ReasonDialog(
            self.tr("丟棄疫苗"),
            self.tr("丟棄 {product} 批號 {lot}（{time} 開瓶，剩 {n} 劑）。請說明原因：").format(
                product=self._product_name(vial.product),
                lot=vial.lot,
                time=vial.opened_at.astimezone(self.service.now().tzinfo).strftime("%H:%M"),
                n=vial.doses_left,
            ),
            [self.tr("瓶身破損"), self.tr("疑似污染"), self.tr("未依規定保存")],
            self,
        )
        dialog.accepted.connect(lambda: self.discard(vial, dialog.reason()))
        self.discard_dialog = dialog
        dialog.open()

    def discard(self, vial: OpenVial, reason: str) -> None:
        from station_app.checkin_service import DeskActionError

        try:
            self.service.discard_vial(vial.vial_id, reason)
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return
        self.message_label.setText(
            self.tr("已丟棄 {product} 批號 {lot} 一瓶（{reason}）").format(
                product=self._product_name(vial.product), lot=vial.lot, reason=reason
            )
        )
        self.refresh()
        self.changed.emit()

    def warning_text(self, vials: list[OpenVial]) -> str | None:
        """The status-line message about the vial closest to expiry (None: none is close)."""
        now = self.service.now()
        for v in vials:
            state = vial_state(v, now, self.warn_before)
            name = self._product_name(v.product)
            if state == "expired":
                return self.tr("{product} 批號 {lot} 開瓶已過期，請丟棄（F4）").format(
                    product=name, lot=v.lot
                )
            if state == "warn":
                left = v.time_left(now) or timedelta(0)
                return self.tr("注意：{product} 批號 {lot} 開瓶 {n} 分鐘後到期").format(
                    product=name, lot=v.lot, n=max(1, int(left.total_seconds() // 60))
                )
        return None

    # -- opening --------------------------------------------------------------------------

    def open_vial(self) -> None:
        from station_app.checkin_service import DeskActionError

        lot = self.lot_edit.text().strip()
        try:
            self.service.open_vial(
                str(self.product_box.currentData()), lot, self.size_box.currentData()
            )
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return
        self.message_label.setText(self.tr("批號 {lot} 已開一瓶").format(lot=lot))
        self.refresh()
        self.changed.emit()
