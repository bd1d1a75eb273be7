"""報到: the check-in desk. One scan shows the person card; all clear means checked in.

A warn opens a reason dialog and checks in with the reason; a block refuses. Manual
lookup (ID, name, phone, queue number) feeds the same path as a scan. Undo, reprint
and walk-in are here too. Every change emits `changed` so the counters refresh.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from station_app.desk_api import CheckinOutcome, DeskCheckin, DeskService, RosterRow
from station_app.dialogs import ReasonDialog, WalkInDialog
from station_app.i18n import pick
from station_app.sounds import SoundPlayer
from station_app.ticket_hook import TicketHook
from station_app.views.after_paint import PaintFirstBackground
from station_app.views.layout_barrier import LayoutBarrier
from station_app.views.person_card import PersonCard
from station_app.views.typing_pause import after_typing
from vaccination.models import Assessment, IdKind, Person, Severity
from vaccination.rules import RuleSetRegistry

log = logging.getLogger(__name__)


class CheckinView(QWidget):
    """The 報到 view."""

    changed = Signal()
    card_shown = Signal(str)  # severity shown: "ok", "warn", "block"

    def __init__(
        self,
        service: DeskService,
        rules: RuleSetRegistry,
        sounds: SoundPlayer,
        tickets: TicketHook,
        auto_checkin: bool = True,
        background: PaintFirstBackground | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.background = background or PaintFirstBackground(self)
        self.rules = rules
        self.sounds = sounds
        self.tickets = tickets
        self.auto_checkin = auto_checkin
        self.pending_raw: str | None = None
        self.last_outcome: CheckinOutcome | None = None
        self.reason_dialog: ReasonDialog | None = None
        self.walk_in_dialog: WalkInDialog | None = None
        self.undo_dialog: ReasonDialog | None = None
        self.timings_ms: list[float] = []

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchField")
        self.search_edit.setPlaceholderText(
            self.tr("沒有證件？輸入身分證字號、姓名、電話或報到號碼查詢")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("searchResults")
        self.results.setMaximumHeight(180)
        self.results.hide()
        self.card = PersonCard()
        self.message_label = QLabel()
        self.message_label.setObjectName("messageLine")
        self.message_label.setWordWrap(True)

        self.confirm_button = QPushButton(self.tr("確認報到 (Enter)"))
        self.confirm_button.setObjectName("primaryButton")
        self.confirm_button.hide()
        self.undo_button = QPushButton(self.tr("取消報到 (Ctrl+Z)"))
        self.reprint_button = QPushButton(self.tr("補印號碼單 (Ctrl+P)"))
        self.walk_in_button = QPushButton(self.tr("增加人員 (Ctrl+N)"))

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        self._top = top
        self.camera_preview: QWidget | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addStretch(1)
        for b in (self.undo_button, self.reprint_button, self.walk_in_button):
            buttons.addWidget(b)
        # Showing or hiding 確認報到 keeps its room: no layout pass for the whole view.
        keep = self.confirm_button.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.confirm_button.setSizePolicy(keep)
        # What changes with each scan sits behind a layout barrier: only it is laid out
        # and repainted, not the whole tab area (see layout_barrier). The card scrolls
        # when a small screen cannot hold all its flags; the message line stays below it
        # and the buttons stay on screen.
        scroller = QScrollArea()
        scroller.setObjectName("cardScroller")
        scroller.setWidget(self.card)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(scroller, 1)
        body_layout.addWidget(self.message_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.results)
        layout.addWidget(LayoutBarrier(body, QSize(480, 200)), 1)
        layout.addLayout(buttons)

        self._search_timer = after_typing(self.search_edit, 150, self.run_search)
        self.search_edit.returnPressed.connect(self._search_enter)
        self.results.itemActivated.connect(self._pick_result)
        self.confirm_button.clicked.connect(self.confirm_pending)
        self.undo_button.clicked.connect(self.ask_undo)
        self.reprint_button.clicked.connect(self.reprint_last)
        self.walk_in_button.clicked.connect(self.open_walk_in)

    def show_camera(self, preview: QWidget) -> None:
        """Put the webcam preview beside the search field (when a webcam scans)."""
        preview.setMaximumSize(320, 240)
        self.camera_preview = preview
        self._top.addWidget(preview)

    # -- scanning -------------------------------------------------------------------------

    def handle_scan(self, raw: str) -> None:
        """A scan (or a picked search result): assess, show, and check in when allowed."""
        started = time.perf_counter()
        self.pending_raw = None
        self.confirm_button.hide()
        self.message_label.clear()
        raw = raw.strip()
        if not raw:
            return
        if self.auto_checkin:
            self._show_outcome(self.service.check_in(raw), raw)
        else:
            assessment = self.service.assess(raw)
            self._show_assessment(assessment)
            if not assessment.blocked:
                self.pending_raw = raw
                self.confirm_button.show()
                self.confirm_button.setFocus()
        self.timings_ms.append((time.perf_counter() - started) * 1000.0)

    def _history_text(self, assessment: Assessment) -> str:
        person = assessment.person
        if person is None:
            return ""
        rows = self.service.search(person.id_number, limit=5)
        booking = assessment.booking
        for row in rows:
            if booking is None or row.product == booking.product:
                return row.history_text
        return rows[0].history_text if rows else ""

    def _load_history(self, assessment: Assessment) -> None:
        """The dose history comes from a roster search: fetched after the card is up."""
        if assessment.person is None:
            return
        shown_id = assessment.person.id_number
        self.background.submit(
            "history",
            lambda: self._history_text(assessment),
            lambda text: self._history_loaded(shown_id, text),
        )

    def _history_loaded(self, id_number: str, history_text: str) -> None:
        if self.card.person_id == id_number:
            self.card.show_history(history_text, self.rules)

    def _show_assessment(self, assessment: Assessment, status: str | None = None) -> None:
        self.card.show_assessment(
            assessment,
            self.service.day,
            status_text=status,
            rules=self.rules,
        )
        self._load_history(assessment)
        self.sounds.play(
            {Severity.BLOCK: "block", Severity.WARN: "warn"}.get(assessment.worst, "ok")  # type: ignore[arg-type]
        )
        self.card_shown.emit(self.card.severity)

    def _show_outcome(self, outcome: CheckinOutcome, raw: str) -> None:
        self.last_outcome = outcome
        assessment = outcome.assessment
        if outcome.checked_in and outcome.queue_number:
            self.card.show_assessment(
                assessment,
                self.service.day,
                queue_number=outcome.queue_number,
                status_text=self.tr("已報到，報到號碼"),
                rules=self.rules,
            )
            self._load_history(assessment)
            self.sounds.play("ok")
            self.card_shown.emit("ok")
            # Queueing the ticket writes to disk: after the card is on screen.
            self.background.after_paint.call(
                f"ticket {outcome.checkin_id}", lambda: self._print_ticket(outcome)
            )
            self.changed.emit()
            return
        if self.card.show_already_checked_in(assessment, self.service.day, self.rules):
            # Scanned twice (or at another desk): say the number they already have.
            self._load_history(assessment)
            self.sounds.play("warn")
            self.card_shown.emit(self.card.severity)
            return
        self._show_assessment(assessment)
        if outcome.needs_reason:
            self.pending_raw = raw
            self.confirm_button.show()
            self.ask_reason(assessment, raw)

    def _print_ticket(self, outcome: CheckinOutcome) -> None:
        a = outcome.assessment
        booking = a.booking
        message = self.tickets.print_ticket(
            site=self.service.site,
            queue_number=outcome.queue_number or "",
            checkin_id=outcome.checkin_id or "",
            product_label=booking.product if booking else "",
            dose_label=(booking.dose_label or f"第{booking.dose}劑") if booking else "",
            name=a.person.name if a.person else "",
            id_number=a.id_check.normalized,
        )
        consent = self.tickets.print_consent(
            site=self.service.site,
            queue_number=outcome.queue_number or "",
            checkin_id=outcome.checkin_id or "",
            name=a.person.name if a.person else "",
            id_number=a.id_check.normalized,
            birth_date=a.person.birth_date if a.person else None,
            product_code=booking.product if booking else "",
            product_label=self._product_label(booking.product) if booking else "",
            dose_label=(booking.dose_label or f"第{booking.dose}劑") if booking else "",
            day=self.service.day,
        )
        self.message_label.setText(f"{message}　{consent}" if consent else message)

    def _product_label(self, code: str) -> str:
        if not self.rules.has_product(code):
            return code
        p = self.rules.product(code)
        return f"{pick(p.name_zh, p.name_en)} ({code})"

    # -- confirming -----------------------------------------------------------------------

    def ask_reason(self, assessment: Assessment, raw: str) -> None:
        """The warning-reason dialog for `raw`: its OK checks in that person, nobody else."""
        warns = [
            pick(f.message_zh, f.message_en)
            for f in assessment.flags
            if f.severity is Severity.WARN
        ]
        dialog = ReasonDialog(
            self.tr("需確認原因"),
            self.tr("這位民眾有需要確認的提醒：") + "\n• " + "\n• ".join(warns),
            [
                self.tr("已核對證件與接種紀錄，民眾了解並同意"),
                self.tr("經醫師評估同意"),
                self.tr("民眾出示接種證明"),
            ],
            self,
            refusal_text=self.tr("先完成這位民眾的報到"),
        )
        dialog.accepted.connect(lambda: self._confirm_with(raw, dialog.reason()))
        self.reason_dialog = dialog
        dialog.open()

    def _confirm_with(self, raw: str, reason: str) -> None:
        # `raw` is the warned person's, bound when the dialog opened: whatever happened
        # since, this confirmation checks that person in or the card says why not.
        self.pending_raw = None
        self.confirm_button.hide()
        self._show_outcome(self.service.check_in(raw, confirm_reason=reason), raw)

    def confirm_pending(self) -> None:
        """Enter / 確認報到 when check-in waits for the nurse."""
        raw = self.pending_raw
        if raw is None:
            return
        outcome = self.service.check_in(raw)
        if outcome.needs_reason:
            self._show_outcome(outcome, raw)
            return
        self.pending_raw = None
        self.confirm_button.hide()
        self._show_outcome(outcome, raw)

    # -- search ---------------------------------------------------------------------------

    def run_search(self) -> list[RosterRow]:
        text = self.search_edit.text().strip()
        self.results.clear()
        if not text:
            self.results.hide()
            return []
        rows = self.service.search(text, limit=30)
        for row in rows:
            state = self.tr("已報到 {q}").format(q=row.queue_number) if row.checked_in else ""
            item = QListWidgetItem(
                f"{row.name}　{row.masked_id}　{row.phone or ''}　{row.product} "
                f"{row.dose_label}　{row.slot_start.strftime('%H:%M')}　{state}"
            )
            item.setData(Qt.ItemDataRole.UserRole, row.id_number)
            self.results.addItem(item)
        if not rows:
            self.results.addItem(QListWidgetItem(self.tr("查無資料")))
        self.results.show()
        return rows

    def _search_enter(self) -> None:
        self._search_timer.stop()
        rows = self.run_search()
        if len(rows) == 1:
            self._choose(rows[0].id_number)
        elif rows:
            self.results.setFocus()
            self.results.setCurrentRow(0)

    def _pick_result(self, item: QListWidgetItem) -> None:
        id_number = item.data(Qt.ItemDataRole.UserRole)
        if id_number:
            self._choose(str(id_number))

    def _choose(self, id_number: str) -> None:
        self.search_edit.clear()
        self.results.clear()
        self.results.hide()
        self.handle_scan(id_number)

    # -- undo, reprint, walk-in -----------------------------------------------------------

    def chosen_checkin(self) -> DeskCheckin | None:
        """The check-in undo and reprint act on: the person on the card, if checked in,
        else this desk's latest (so after an undo the one before it is next)."""
        if self.card.person_id is not None:
            shown = self.service.active_checkin(self.card.person_id)
            if shown is not None:
                return shown
        return self.service.latest_desk_checkin()

    def ask_undo(self) -> None:
        target = self.chosen_checkin()
        if target is None:
            self.message_label.setText(self.tr("本櫃台今天沒有可取消的報到"))
            return
        dialog = ReasonDialog(
            self.tr("取消報到"),
            self.tr("取消 {name}（{id}）的報到 {q}。請說明原因：").format(
                name=target.name, id=target.masked_id, q=target.queue_number
            ),
            [self.tr("掃錯人"), self.tr("重複報到"), self.tr("民眾離開未接種")],
            self,
            refusal_text=self.tr("先完成或取消這筆取消報到，再掃描下一位"),
        )
        dialog.accepted.connect(lambda: self.undo(target, dialog.reason()))
        self.undo_dialog = dialog
        dialog.open()

    def undo(self, target: DeskCheckin, reason: str) -> str | None:
        """Undo the check-in the confirmation named; the card says whose it was."""
        from station_app.checkin_service import DeskActionError

        try:
            queue_number = self.service.undo_checkin(target.checkin_id, reason)
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return None
        done = self.tr("已取消 {name} 的報到 {q}").format(name=target.name, q=queue_number)
        self.card.show_idle(done)
        self.message_label.setText(done)
        self.changed.emit()
        return queue_number

    def reprint_last(self) -> None:
        """Ctrl+P: reprint the ticket of the person on the card, or this desk's latest."""
        target = self.chosen_checkin()
        if target is None:
            self.message_label.setText(self.tr("還沒有可補印的號碼單"))
            return
        message = self.tickets.reprint(target.checkin_id, target.queue_number)
        self.message_label.setText(f"{target.name} {target.queue_number}：{message}")

    def open_walk_in(self) -> None:
        dialog = WalkInDialog(self.rules, self._submit_walk_in, self)
        dialog.accepted.connect(lambda: self._walked_in(dialog.added_id))
        self.walk_in_dialog = dialog
        dialog.open()

    def _submit_walk_in(
        self, person: Person, product: str, dose: int, history: str, kind: IdKind | None
    ) -> str | None:
        try:
            self.service.add_walk_in(person, product, dose, history, id_kind=kind)
        except ValueError as exc:
            # DeskActionError and the roster validator's RowError carry both languages.
            zh = getattr(exc, "message_zh", None)
            en = getattr(exc, "message_en", None)
            return pick(zh, en) if (zh or en) else str(exc)
        return None

    def _walked_in(self, id_number: str | None) -> None:
        self.changed.emit()
        if id_number:
            self.handle_scan(id_number)
