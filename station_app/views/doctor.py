"""醫師: the queue of checked-in people; approve, refuse (醫生不同意) or record the dose given.

The dose is recorded only with the doctor's approval: 同意並記錄接種 is one action, and
the lot is one of today's open vials of the booked product (picked, or scanned from
the vial's GS1 DataMatrix; an expired vial is refused). Each patient starts with empty
fields, so nothing of the person before carries over. After the dose the person is in
the observation list (留觀) with the time they may leave, and the record card entry
(小黃卡) is shown; 列印小黃卡 prints it on the ticket printer.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from station_app.desk_api import DeskService, QueueEntry, RecordCard
from station_app.dialogs import ReasonDialog
from station_app.i18n import pick
from station_app.ticket_hook import TicketHook
from station_app.views.combo import editor
from station_app.views.person_card import age_on
from station_app.views.table_parts import fill_table, readonly_table
from vaccination.gs1 import parse_vial_code
from vaccination.ids import normalize_id
from vaccination.redact import mask_ids_in_text
from vaccination.rules import RuleSetRegistry

log = logging.getLogger(__name__)


def product_name(rules: RuleSetRegistry, code: str) -> str:
    """`Moderna 莫德納 (CoV_Moderna)`: the product's name and code in full."""
    if not rules.has_product(code):
        return code
    p = rules.product(code)
    return f"{pick(p.name_zh, p.name_en)} ({code})"


class DoctorView(QWidget):
    """The 醫師 view."""

    changed = Signal()

    def __init__(
        self,
        service: DeskService,
        rules: RuleSetRegistry,
        observation_minutes: int = 30,
        parent: QWidget | None = None,
        tickets: TicketHook | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.tickets = tickets
        self.rules = rules
        self.observation_minutes = observation_minutes
        self.entries: list[QueueEntry] = []
        self.shown_checkin: str | None = None
        self.last_card: RecordCard | None = None

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
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setTextElideMode(self.table.textElideMode().ElideNone)

        self.observation_title = QLabel()
        self.observation_title.setObjectName("sectionTitle")
        self.observation_table = readonly_table(
            "observationList",
            [self.tr("報到號碼"), self.tr("姓名"), self.tr("接種時間"), self.tr("可離開時間")],
        )
        self.observation_table.setFocusPolicy(self.observation_table.focusPolicy().NoFocus)
        self.observation_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.observation_table.setMaximumHeight(150)

        self.person_label = QLabel(self.tr("掃描或從左側選擇一位民眾"))
        self.person_label.setObjectName("personName")
        self.person_label.setWordWrap(True)
        self.history_label = QLabel()
        self.history_label.setWordWrap(True)
        self.history_label.setObjectName("personDetail")

        self.approve_button = QPushButton(self.tr("同意接種"))
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
        editor(self.reason_box).setPlaceholderText(self.tr("選擇或輸入不同意的原因"))
        self.refuse_button = QPushButton(self.tr("醫生不同意"))
        self.refuse_button.setObjectName("dangerButton")
        decision = QGroupBox(self.tr("醫師評估"))
        dl = QVBoxLayout(decision)
        refuse_row = QHBoxLayout()
        refuse_row.addWidget(self.reason_box, 1)
        refuse_row.addWidget(self.refuse_button)
        dl.addLayout(refuse_row)
        dl.addWidget(self.approve_button)

        self.lot_box = QComboBox()
        self.lot_box.setObjectName("lotBox")
        self.vaccinate_button = QPushButton(self.tr("同意並記錄接種"))
        self.vaccinate_button.setObjectName("primaryButton")
        shot = QGroupBox(self.tr("接種紀錄（掃描疫苗瓶條碼或選擇已開瓶批號）"))
        sl = QHBoxLayout(shot)
        sl.addWidget(self.lot_box, 1)
        sl.addWidget(self.vaccinate_button)

        self.card_label = QLabel()
        self.card_label.setObjectName("recordCard")
        self.card_label.setWordWrap(True)
        self.print_card_button = QPushButton(self.tr("列印小黃卡"))
        self.print_card_button.setEnabled(False)
        # Checked in twice (two offline desks): a site manager voids the other number(s).
        self.void_button = QPushButton()
        self.void_button.setObjectName("dangerButton")
        self.void_button.hide()
        self.void_dialog: ReasonDialog | None = None
        self.message_label = QLabel()
        self.message_label.setObjectName("messageLine")
        self.message_label.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left.addWidget(self.observation_title)
        left.addWidget(self.observation_table)
        right = QVBoxLayout()
        right.addWidget(self.person_label)
        right.addWidget(self.history_label)
        right.addWidget(decision)
        right.addWidget(shot)
        right.addWidget(self.card_label)
        right.addWidget(self.print_card_button)
        right.addWidget(self.void_button)
        right.addWidget(self.message_label)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self.table.itemSelectionChanged.connect(self._selected)
        self.approve_button.clicked.connect(self.approve)
        self.refuse_button.clicked.connect(self.refuse)
        self.vaccinate_button.clicked.connect(self.vaccinate)
        self.print_card_button.clicked.connect(self.print_card)
        self.void_button.clicked.connect(self.ask_void_duplicates)
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
                [
                    e.queue_number,
                    e.name,
                    e.masked_id,
                    product_name(self.rules, e.product),
                    str(e.dose),
                    self._state(e),
                ]
                for e in self.entries
            ],
        )
        self.table.blockSignals(False)
        if selected is not None:
            self.select_checkin(selected.checkin_id)
        self._selected()
        self.refresh_observations()

    def refresh_observations(self) -> None:
        rows = self.service.observations(self.observation_minutes)
        self.observation_title.setText(
            self.tr("留觀 {n} 人（接種後 {m} 分鐘）").format(
                n=len(rows), m=self.observation_minutes
            )
        )
        fill_table(
            self.observation_table,
            [
                [
                    o.queue_number,
                    o.name,
                    o.vaccinated_at.strftime("%H:%M"),
                    o.may_leave_at.strftime("%H:%M"),
                ]
                for o in rows
            ],
        )

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
        """A scan at the doctor's desk: a vial's code picks the lot; an ID card or the
        ticket (its QR code holds the check-in id) picks the person."""
        vial = parse_vial_code(raw)
        if vial is not None:
            self.take_vial(raw)
            return
        self.refresh()
        wanted = normalize_id(raw)
        text = raw.strip()
        for r, e in enumerate(self.entries):
            # The card's ID, the ticket's QR code (the check-in id) or its queue number.
            numbers = (e.queue_number, *e.also_checked_in_as)
            if e.id_number == wanted or e.checkin_id == text or text.upper() in numbers:
                self.table.selectRow(r)
                return
        self.message_label.setText(self.tr("這位民眾不在今天的候診名單（尚未報到？）"))

    def take_vial(self, raw: str) -> bool:
        """A vial's GS1 code: choose its lot for this patient, or say why not."""
        vial = parse_vial_code(raw)
        e = self.current()
        if vial is None:
            return False
        if vial.expired_on(self.service.day):
            expiry = vial.expiry.isoformat() if vial.expiry else ""
            self.message_label.setText(
                self.tr("批號 {lot} 已過期（效期 {expiry}），不可使用").format(
                    lot=vial.lot, expiry=expiry
                )
            )
            return False
        if e is None:
            self.message_label.setText(self.tr("請先選擇一位民眾，再掃描疫苗瓶"))
            return False
        index = self.lot_box.findData(vial.lot)
        if index < 0:
            others = [u.product for u in self.service.lots() if u.lot == vial.lot]
            if others:
                self.message_label.setText(
                    self.tr("批號 {lot} 是 {other}，不是預約的 {product}").format(
                        lot=vial.lot, other=others[0], product=e.product
                    )
                )
            else:
                self.message_label.setText(
                    self.tr("批號 {lot} 今天尚未開瓶（到「疫苗批號」開一瓶）").format(lot=vial.lot)
                )
            return False
        self.lot_box.setCurrentIndex(index)
        self.message_label.setText(self.tr("批號 {lot}").format(lot=vial.lot))
        return True

    def _fill_lots(self, product: str) -> None:
        self.lot_box.clear()
        open_lots = [u for u in self.service.lots() if u.product == product and u.vials_opened]
        if not open_lots:
            self.lot_box.addItem(
                self.tr("（{product} 今天沒有已開瓶的批號）").format(product=product), ""
            )
            return
        self.lot_box.addItem(self.tr("選擇批號"), "")
        for u in open_lots:
            self.lot_box.addItem(
                self.tr("{lot}（開瓶剩 {left} 劑）").format(
                    lot=u.lot, left=u.doses_left_in_open_vials
                ),
                u.lot,
            )
        if len(open_lots) == 1:
            self.lot_box.setCurrentIndex(1)

    def _selected(self) -> None:
        e = self.current()
        enabled = e is not None and not e.vaccinated
        for w in (self.approve_button, self.refuse_button, self.vaccinate_button):
            w.setEnabled(enabled)
        new_patient = (e.checkin_id if e else None) != self.shown_checkin
        self.shown_checkin = e.checkin_id if e else None
        if new_patient:
            # Nothing of the patient before carries over: reason, lot, record card.
            self.reason_box.setCurrentIndex(0)
            self.reason_box.setEditText("")
            self.card_label.clear()
            self.last_card = None
            self.print_card_button.setEnabled(False)
            self.message_label.clear()
            self._fill_lots(e.product if e else "")
        self._show_void(e)
        if e is None:
            self.person_label.setText(self.tr("掃描或從左側選擇一位民眾"))
            self.history_label.clear()
            self.lot_box.setEnabled(False)
            return
        age = age_on(e.birth_date, self.service.day)
        age_text = "" if age is None else self.tr("{age} 歲").format(age=age)
        self.person_label.setText(f"{e.queue_number}　{e.name}　{age_text}")
        history = "　→　".join(f"{d.given_on.isoformat()} {d.product}" for d in e.history)
        dose = self.tr("第{dose}劑").format(dose=e.dose)
        record = self.tr("接種紀錄：{history}").format(history=history or self.tr("無接種紀錄"))
        self.history_label.setText(
            f"{e.masked_id}　{product_name(self.rules, e.product)} {dose}\n{record}\n"
            f"{self._state(e)}"
        )
        can_record = enabled and e.decision != "not_approved"
        self.vaccinate_button.setEnabled(can_record)
        self.vaccinate_button.setText(
            self.tr("記錄接種") if e.decision == "approved" else self.tr("同意並記錄接種")
        )
        self.lot_box.setEnabled(can_record)

    # -- decisions ------------------------------------------------------------------------

    def _act(self, action: str) -> None:
        from station_app.checkin_service import DeskActionError

        e = self.current()
        if e is None:
            return
        card: RecordCard | None = None
        try:
            if action == "approve":
                self.service.doctor_decision(e.checkin_id, True, None)
                log.info("decision %s %s approved", e.queue_number, e.masked_id)
                message = self.tr("{q} 同意接種").format(q=e.queue_number)
            elif action == "refuse":
                reason = mask_ids_in_text(self.reason_box.currentText().strip())
                if not reason:
                    self.message_label.setText(self.tr("請選擇或輸入不同意的原因"))
                    return
                self.service.doctor_decision(e.checkin_id, False, reason)
                log.info("decision %s %s not approved: %s", e.queue_number, e.masked_id, reason)
                message = self.tr("{q} 醫生不同意：{r}").format(q=e.queue_number, r=reason)
            else:
                lot = str(self.lot_box.currentData() or "")
                card = self.service.approve_and_record(e.checkin_id, lot)
                message = self.tr("{q} 已接種，批號 {lot}").format(q=e.queue_number, lot=lot)
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return
        self.refresh()
        self.message_label.setText(message)
        if card is not None:
            self.last_card = card
            self.card_label.setText(self.card_text(card))
            self.print_card_button.setEnabled(self.tickets is not None)
        self.changed.emit()

    def card_text(self, card: RecordCard) -> str:
        """The record card entry (小黃卡) as the vaccinator copies it."""
        text = self.tr("小黃卡：{name}　{product}　第{dose}劑　批號 {lot}　{day}　{site}").format(
            name=card.name,
            product=f"{pick(card.product_name_zh, card.product_name_en)} ({card.product})",
            dose=card.dose,
            lot=card.lot,
            day=card.given_on.isoformat(),
            site=card.site,
        )
        if card.next_dose_from is not None:
            text += "\n" + self.tr("下一劑最早 {day}").format(day=card.next_dose_from.isoformat())
        return text

    def print_card(self) -> None:
        """列印小黃卡: the entry just shown goes to the ticket printer."""
        e = self.current()
        if self.last_card is None or e is None or self.tickets is None:
            return
        self.message_label.setText(
            self.tickets.print_record_card(
                self.last_card, checkin_id=e.checkin_id, queue_number=e.queue_number
            )
        )

    # -- a double check-in ---------------------------------------------------------------

    def _show_void(self, e: QueueEntry | None) -> None:
        duplicates = e.also_checked_in_as if e is not None else ()
        self.void_button.setVisible(bool(duplicates))
        if duplicates:
            self.void_button.setText(
                self.tr("重複報到：作廢 {numbers}").format(numbers="、".join(duplicates))
            )

    def ask_void_duplicates(self) -> None:
        """作廢重複報到: the person's other check-in numbers voided, with a reason."""
        e = self.current()
        if e is None or not e.duplicate_checkin_ids:
            return
        dialog = ReasonDialog(
            self.tr("作廢重複報到"),
            self.tr(
                "{name} 同時報到為 {kept} 與 {others}。作廢 {others}，保留 {kept}。請說明原因："
            ).format(name=e.name, kept=e.queue_number, others="、".join(e.also_checked_in_as)),
            [self.tr("兩個櫃台離線時重複報到"), self.tr("掃描兩次")],
            self,
            refusal_text=self.tr("先完成或取消作廢，再掃描下一位"),
        )
        dialog.accepted.connect(lambda: self.void_duplicates(e, dialog.reason()))
        self.void_dialog = dialog
        dialog.open()

    def void_duplicates(self, e: QueueEntry, reason: str) -> None:
        from station_app.checkin_service import DeskActionError

        try:
            voided = [self.service.void_checkin(cid, reason) for cid in e.duplicate_checkin_ids]
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return
        log.info("voided %s of %s: %s", ",".join(voided), e.masked_id, reason)
        self.refresh()
        self.message_label.setText(
            self.tr("已作廢 {numbers}，保留 {kept}").format(
                numbers="、".join(voided), kept=e.queue_number
            )
        )
        self.changed.emit()

    def approve(self) -> None:
        self._act("approve")

    def refuse(self) -> None:
        self._act("refuse")

    def vaccinate(self) -> None:
        self._act("vaccinate")
