"""醫師: the queue of checked-in people; approve, refuse (醫生不同意) or record the dose given."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from station_app.desk_api import DeskService, QueueEntry
from station_app.i18n import pick
from station_app.views.person_card import age_on
from station_app.views.table_parts import fill_table, product_box, readonly_table
from vaccination.ids import normalize_id
from vaccination.rules import RuleSetRegistry


class DoctorView(QWidget):
    """The 醫師 view."""

    changed = Signal()

    def __init__(
        self, service: DeskService, rules: RuleSetRegistry, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.rules = rules
        self.entries: list[QueueEntry] = []

        self.table = readonly_table(
            "doctorQueue",
            [
                self.tr("報到號碼"),
                self.tr("姓名"),
                self.tr("身分證字號"),
                self.tr("接種疫苗"),
                self.tr("劑次"),
                self.tr("狀態"),
            ],
        )
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        # Tab leaves the table for the buttons; moving cell by cell changed the patient.
        self.table.setTabKeyNavigation(False)

        self.person_label = QLabel(self.tr("掃描或從左側選擇一位民眾"))
        self.person_label.setObjectName("personName")
        self.person_label.setWordWrap(True)
        self.history_label = QLabel()
        self.history_label.setWordWrap(True)
        self.history_label.setObjectName("personDetail")

        self.approve_button = QPushButton(self.tr("同意接種"))
        self.approve_button.setObjectName("primaryButton")
        self.reason_box = QComboBox()
        self.reason_box.setEditable(True)
        self.reason_box.addItems(
            [
                "",
                self.tr("發燒或身體不適"),
                self.tr("血壓過高"),
                self.tr("距上次接種間隔不足"),
                self.tr("曾對疫苗成分嚴重過敏"),
                self.tr("民眾改變心意"),
            ]
        )
        self.reason_box.lineEdit().setPlaceholderText(self.tr("選擇或輸入不同意的原因"))
        self.refuse_button = QPushButton(self.tr("醫生不同意"))
        self.refuse_button.setObjectName("dangerButton")
        decision = QGroupBox(self.tr("醫師評估"))
        dl = QVBoxLayout(decision)
        dl.addWidget(self.approve_button)
        dl.addWidget(self.reason_box)
        dl.addWidget(self.refuse_button)

        self.product_box = product_box(rules)
        self.lot_edit = QLineEdit()
        self.lot_edit.setPlaceholderText(self.tr("例如 AZ1234-CDC"))
        self.dose_spin = QSpinBox()
        self.dose_spin.setRange(1, 9)
        self.vaccinate_button = QPushButton(self.tr("記錄接種"))
        shot = QGroupBox(self.tr("接種紀錄"))
        sl = QFormLayout(shot)
        sl.addRow(self.tr("疫苗"), self.product_box)
        sl.addRow(self.tr("批號"), self.lot_edit)
        sl.addRow(self.tr("劑次"), self.dose_spin)
        sl.addRow(self.vaccinate_button)

        self.message_label = QLabel()
        self.message_label.setObjectName("messageLine")
        self.message_label.setWordWrap(True)

        right = QVBoxLayout()
        right.addWidget(self.person_label)
        right.addWidget(self.history_label)
        right.addWidget(decision)
        right.addWidget(shot)
        right.addWidget(self.message_label)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.table, 3)
        layout.addLayout(right, 2)

        self.table.itemSelectionChanged.connect(self._selected)
        self.approve_button.clicked.connect(self.approve)
        self.refuse_button.clicked.connect(self.refuse)
        self.vaccinate_button.clicked.connect(self.vaccinate)
        self._selected()

    # -- queue ----------------------------------------------------------------------------

    def _state(self, e: QueueEntry) -> str:
        if e.vaccinated:
            return self.tr("已接種")
        if e.decision == "not_approved":
            return self.tr("醫生不同意") + (f"：{e.decision_reason}" if e.decision_reason else "")
        if e.decision == "approved":
            return self.tr("已同意")
        return self.tr("候診")

    def refresh(self) -> None:
        selected = self.current()
        self.entries = self.service.doctor_queue()
        self.table.blockSignals(True)
        fill_table(
            self.table,
            [
                [e.queue_number, e.name, e.masked_id, e.product, str(e.dose), self._state(e)]
                for e in self.entries
            ],
        )
        self.table.blockSignals(False)
        if selected is not None:
            self.select_checkin(selected.checkin_id)
        self._selected()

    def current(self) -> QueueEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.entries):
            return None
        return self.entries[rows[0].row()]

    def select_checkin(self, checkin_id: str) -> bool:
        for r, e in enumerate(self.entries):
            if e.checkin_id == checkin_id:
                self.table.selectRow(r)
                return True
        return False

    def handle_scan(self, raw: str) -> None:
        """A scan at the doctor's desk picks that person from the queue."""
        self.refresh()
        wanted = normalize_id(raw)
        for r, e in enumerate(self.entries):
            if e.id_number == wanted or e.queue_number == raw.strip().upper():
                self.table.selectRow(r)
                return
        self.message_label.setText(self.tr("這位民眾不在今天的候診名單（尚未報到？）"))

    def _selected(self) -> None:
        e = self.current()
        enabled = e is not None and not e.vaccinated
        for w in (self.approve_button, self.refuse_button, self.vaccinate_button):
            w.setEnabled(enabled)
        if e is None:
            self.person_label.setText(self.tr("掃描或從左側選擇一位民眾"))
            self.history_label.clear()
            return
        self.message_label.clear()
        age = age_on(e.birth_date, self.service.day)
        age_text = "" if age is None else self.tr("{age} 歲").format(age=age)
        self.person_label.setText(f"{e.queue_number}　{e.name}　{age_text}")
        history = "　→　".join(f"{d.given_on.isoformat()} {d.product}" for d in e.history)
        dose = self.tr("第{dose}劑").format(dose=e.dose)
        record = self.tr("接種紀錄：{history}").format(history=history or self.tr("無接種紀錄"))
        self.history_label.setText(f"{e.masked_id}　{e.product} {dose}\n{record}\n{self._state(e)}")
        index = self.product_box.findData(e.product)
        if index >= 0:
            self.product_box.setCurrentIndex(index)
        self.dose_spin.setValue(max(1, e.dose))
        self.vaccinate_button.setEnabled(enabled and e.decision != "not_approved")

    # -- decisions ------------------------------------------------------------------------

    def _act(self, action: str) -> None:
        from station_app.checkin_service import DeskActionError

        e = self.current()
        if e is None:
            return
        try:
            if action == "approve":
                self.service.doctor_decision(e.checkin_id, True, None)
                message = self.tr("{q} 同意接種").format(q=e.queue_number)
            elif action == "refuse":
                reason = self.reason_box.currentText().strip()
                if not reason:
                    self.message_label.setText(self.tr("請選擇或輸入不同意的原因"))
                    return
                self.service.doctor_decision(e.checkin_id, False, reason)
                message = self.tr("{q} 醫生不同意：{r}").format(q=e.queue_number, r=reason)
            else:
                lot = self.lot_edit.text().strip()
                self.service.record_vaccination(
                    e.checkin_id, str(self.product_box.currentData()), lot, self.dose_spin.value()
                )
                message = self.tr("{q} 已接種，批號 {lot}").format(q=e.queue_number, lot=lot)
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return
        self.refresh()
        self.message_label.setText(message)
        self.changed.emit()

    def approve(self) -> None:
        self._act("approve")

    def refuse(self) -> None:
        self._act("refuse")

    def vaccinate(self) -> None:
        self._act("vaccinate")
