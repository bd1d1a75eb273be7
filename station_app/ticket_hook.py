"""Queue tickets from the check-in desk: hands jobs to printing.print_queue, never waits.

With no ticket printer in the settings every call answers "印表機未設定" and the desk
carries on. Jobs are kept in the desk's own SQLite file (table print_jobs), so
`vaxdesk print reprint --db DESK.db` sees them too. The printing packages (python-escpos,
reportlab via printing/) load only when a printer is configured, so start-up stays fast.
The queue's worker thread reports printer state through the `status_changed` signal
(queued to the GUI thread).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from station_app.i18n import pick

log = logging.getLogger(__name__)


class TicketHook(QObject):
    """Prints and reprints tickets; `state_text()` is the status bar's printer part."""

    status_changed = Signal(str)

    def __init__(self, uri: str, queue_db: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.uri = uri.strip()
        self.queue_db = queue_db
        self._queue: Any = None
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
            self._queue = PrintQueue(queue_db, printer, on_status=self._on_status)
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
                    printed_at=datetime.now(),
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

    def stop(self) -> None:
        if self._queue is not None:
            self._queue.stop(timeout=2.0)
