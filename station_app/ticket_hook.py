"""Queue tickets from the check-in desk: hands jobs to printing.print_queue, never waits.

With no ticket printer in the settings every call answers "印表機未設定" and the desk
carries on. Jobs are kept in the desk's own SQLite file (table print_jobs), so
`vaxdesk print reprint --db DESK.db` sees them too. The printing packages (python-escpos,
reportlab via printing/) load only when a printer is configured, so start-up stays fast.
The queue's worker thread reports printer state through the `status_changed` signal
(queued to the GUI thread), and a ticket dropped after a jam through `message`.

With `form_printer` set, each check-in also prints the pre-filled consent form (套印同意書)
there: A4 on a page printer (pdf://), the short form on a thermal one. Its jobs are kept
in a file of their own beside the desk's (one queue per printer: a queue prints every
job it holds). Tickets waiting longer than `drop_minutes` after a jam are dropped, not
printed late out of order; the desk says so and 補印 prints them again, marked 補印.
Ticket times are the site's (Asia/Taipei), whatever the PC's clock zone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QObject, Signal

from station_app.desk_api import RecordCard
from station_app.i18n import pick

log = logging.getLogger(__name__)

SITE_ZONE = ZoneInfo("Asia/Taipei")


@dataclass(frozen=True)
class DroppedTicket:
    """A ticket the queue dropped after a jam: its job, number, masked name and time."""

    job_id: int
    queue_number: str
    masked_name: str
    queued_at: datetime  # the site's time (Asia/Taipei)


class TicketHook(QObject):
    """Prints and reprints tickets; `state_text()` is the status bar's printer part."""

    status_changed = Signal(str)
    message = Signal(str)  # a ticket dropped after a jam: tell the nurse

    def __init__(
        self,
        uri: str,
        queue_db: Path | None,
        parent: QObject | None = None,
        *,
        form_uri: str = "",
        drop_minutes: float = 0.0,
    ) -> None:
        super().__init__(parent)
        self.uri = uri.strip()
        self.form_uri = form_uri.strip()
        self.queue_db = queue_db
        self.drop_minutes = drop_minutes
        self._queue: Any = None
        self._form_queue: Any = None
        self._state = QCoreApplication.translate("TicketHook", "印表機：未設定")
        self.error: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.uri) and self.queue_db is not None

    def state_text(self) -> str:
        return self._state

    def _ensure_queue(self) -> Any:
        if self._queue is None:
            from printing.errors import PrinterError
            from printing.print_queue import PrintQueue
            from printing.printers import open_printer

            try:
                printer = open_printer(self.uri)
            except PrinterError as exc:
                self._set_state(
                    QCoreApplication.translate("TicketHook", "印表機：錯誤")
                    + " "
                    + pick(exc.message_zh, exc.message_en)
                )
                raise
            queue_db = self.queue_db
            assert queue_db is not None  # callers check `configured` first
            self._queue = PrintQueue(
                queue_db,
                printer,
                on_status=self._on_status,
                on_message=lambda m: self.message.emit(pick(m.message_zh, m.message_en)),
                drop_after_minutes=self.drop_minutes or None,
            )
            self._queue.start()
            self._set_state(QCoreApplication.translate("TicketHook", "印表機：正常"))
        return self._queue

    def _on_status(self, status: Any) -> None:
        # Runs on the print worker thread: the signal carries it to the GUI thread.
        state = str(getattr(status.state, "value", status.state))
        if state == "ok":
            text = QCoreApplication.translate("TicketHook", "印表機：正常")
        else:
            text = QCoreApplication.translate("TicketHook", "印表機：") + pick(
                status.message_zh, status.message_en
            )
        if getattr(status, "waiting_jobs", 0):
            text += QCoreApplication.translate("TicketHook", "（{n} 張待印）").format(
                n=status.waiting_jobs
            )
        self._set_state(text)

    def _set_state(self, text: str) -> None:
        self._state = text
        self.status_changed.emit(text)

    def print_ticket(
        self,
        *,
        site: str,
        queue_number: str,
        checkin_id: str,
        product_label: str,
        dose_label: str,
        name: str,
        id_number: str,
    ) -> str:
        """Queue one ticket; returns what to tell the nurse."""
        if not self.configured:
            return QCoreApplication.translate("TicketHook", "印表機未設定，號碼單未列印")
        try:
            queue = self._ensure_queue()
            from printing.ticket import TicketData

            queue.enqueue_ticket(
                TicketData.build(
                    site_name=site,
                    queue_number=queue_number,
                    printed_at=datetime.now(SITE_ZONE),
                    product_label=product_label,
                    dose_label=dose_label,
                    name=name,
                    id_number=id_number,
                    checkin_id=checkin_id,
                )
            )
        except Exception as exc:  # a printer problem must never stop a check-in
            log.warning("ticket %s not queued: %s", queue_number, exc)
            return QCoreApplication.translate("TicketHook", "號碼單無法列印，請檢查印表機設定")
        return QCoreApplication.translate("TicketHook", "號碼單 {q} 已送出列印").format(
            q=queue_number
        )

    def dropped_tickets(self) -> list[DroppedTicket]:
        """Tickets dropped after a jam, not reprinted yet (offered as reprints)."""
        if self._queue is None:
            return []
        return [
            DroppedTicket(
                job.id,
                job.queue_number or job.name,
                str(job.payload.get("masked_name", "")),
                datetime.fromtimestamp(job.created_at, SITE_ZONE),
            )
            for job in self._queue.dropped_tickets()
        ]

    def reprint_dropped(self, job_ids: list[int]) -> str:
        """Reprint chosen dropped tickets (each marked 補印); returns what to tell the nurse."""
        if self._queue is None or not job_ids:
            return QCoreApplication.translate("TicketHook", "沒有選擇號碼單")
        for job_id in job_ids:
            self._queue.reprint(job_id=job_id)
        return QCoreApplication.translate("TicketHook", "已送出補印 {n} 張").format(n=len(job_ids))

    def reprint(self, checkin_id: str, queue_number: str) -> str:
        """Queue a copy of a check-in's ticket; the caller names whose it is."""
        if not self.configured:
            return QCoreApplication.translate("TicketHook", "印表機未設定，無法補印")
        try:
            self._ensure_queue().reprint(checkin_id=checkin_id)
        except Exception as exc:
            log.warning("reprint of %s failed: %s", queue_number, exc)
            return QCoreApplication.translate("TicketHook", "找不到這張號碼單，無法補印")
        return QCoreApplication.translate("TicketHook", "已送出補印")

    def print_record_card(self, card: RecordCard, *, checkin_id: str, queue_number: str) -> str:
        """Queue the record card entry (小黃卡) on the ticket printer; returns what to say."""
        if not self.configured:
            return QCoreApplication.translate("TicketHook", "印表機未設定，請抄寫小黃卡")
        try:
            from printing.record_card import RecordCardData
            from vaccination.ids import mask_name

            self._ensure_queue().enqueue_record_card(
                RecordCardData(
                    site_name=card.site,
                    masked_name=mask_name(card.name) if card.name else "",
                    product_code=card.product,
                    product_label=card.product_name_zh,
                    dose=card.dose,
                    lot=card.lot,
                    given_on=card.given_on,
                    checkin_id=checkin_id,
                    queue_number=queue_number,
                    next_dose_from=card.next_dose_from,
                )
            )
        except Exception as exc:  # a printer problem must never stop the doctor's desk
            log.warning("record card of %s not queued: %s", queue_number, exc)
            return QCoreApplication.translate("TicketHook", "小黃卡無法列印，請抄寫")
        return QCoreApplication.translate("TicketHook", "小黃卡已送出列印")

    def print_consent(
        self,
        *,
        site: str,
        queue_number: str,
        checkin_id: str,
        name: str,
        id_number: str,
        birth_date: date | None,
        product_code: str,
        product_label: str,
        dose_label: str,
        day: date,
    ) -> str:
        """Queue the pre-filled consent form when a form printer is set ("" when not)."""
        if not self.form_uri or self.queue_db is None:
            return ""
        try:
            if self._form_queue is None:
                from printing.print_queue import PrintQueue
                from printing.printers import open_printer

                forms_db = self.queue_db.with_name(self.queue_db.stem + "-forms.db")
                self._form_queue = PrintQueue(forms_db, open_printer(self.form_uri))
                self._form_queue.start()
            from printing.consent import ConsentData

            self._form_queue.enqueue_consent_slip(
                ConsentData(
                    site_name=site,
                    name=name,
                    id_number=id_number,
                    birth_date=birth_date,
                    product_code=product_code,
                    product_label=product_label,
                    dose_label=dose_label,
                    queue_number=queue_number,
                    day=day,
                    checkin_id=checkin_id,
                )
            )
        except Exception as exc:  # a printer problem must never stop a check-in
            log.warning("consent form of %s not queued: %s", queue_number, exc)
            return QCoreApplication.translate("TicketHook", "同意書無法列印，請檢查印表機設定")
        return QCoreApplication.translate("TicketHook", "同意書已送出列印")

    def stop(self) -> None:
        for queue in (self._queue, self._form_queue):
            if queue is not None:
                queue.stop(timeout=2.0)
