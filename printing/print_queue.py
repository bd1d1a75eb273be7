"""A durable print queue in the desk's SQLite file, printed in order by a worker thread.

The desk calls `enqueue` (one small INSERT, no waiting on the printer) and moves on. A
worker thread prints waiting jobs oldest first; when the printer fails it reports the
state (offline / out of paper / error, with a zh+en reason) through `on_status` and
retries the same job with exponential backoff, so tickets never overtake each other.
A job is marked done only after the printer took all of it: a job interrupted by a
crash or a dropped connection is printed again, whole. Optionally, jobs waiting longer
than `drop_after_minutes` are dropped with a message instead of printed late.

Callbacks run on the worker thread: a Qt caller forwards them through a signal.
The queue uses the stdlib sqlite3 module only and creates its table when missing, so it
works in a file of its own. The desk's store declares the same table in its migrations
(printing/ does not import the store): a change here needs a store migration too, and
tests/station_app/test_store_migrations.py checks that both make the same table.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from printing.errors import PrinterError, PrinterState, PrinterStatus
from printing.printers import JOB_CONSENT_SLIP, JOB_KINDS, JOB_RECORD_CARD, JOB_TICKET, Printer

log = logging.getLogger(__name__)

WAITING: Final[str] = "waiting"
DONE: Final[str] = "done"
DROPPED: Final[str] = "dropped"
FAILED: Final[str] = "failed"  # could not be rendered (a bug): kept for inspection, skipped

_SCHEMA: Final[str] = """
CREATE TABLE IF NOT EXISTS print_jobs (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    checkin_id TEXT,
    queue_number TEXT,
    state TEXT NOT NULL DEFAULT 'waiting',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL,
    printed_at REAL,
    reprint_of INTEGER REFERENCES print_jobs(id)
);
CREATE INDEX IF NOT EXISTS print_jobs_state ON print_jobs(state, id);
CREATE INDEX IF NOT EXISTS print_jobs_checkin ON print_jobs(checkin_id);
"""


@dataclass(frozen=True)
class PrintJob:
    """One stored job."""

    id: int
    kind: str
    name: str
    payload: dict[str, Any]
    checkin_id: str | None
    queue_number: str | None
    state: str
    attempts: int
    last_error: str | None
    created_at: float
    printed_at: float | None
    reprint_of: int | None


@dataclass(frozen=True)
class QueueMessage:
    """Something the desk should tell the user (a dropped or unprintable job)."""

    job_id: int
    message_zh: str
    message_en: str


StatusCallback = Callable[[PrinterStatus], None]
MessageCallback = Callable[[QueueMessage], None]


class JobNotFoundError(LookupError):
    """No print job matches the job id or check-in id asked for."""

    def __init__(self, what: str) -> None:
        self.message_zh = f"找不到列印紀錄：{what}"
        self.message_en = f"No print job found: {what}"
        super().__init__(f"{self.message_zh} / {self.message_en}")


class PrintQueue:
    """Durable, ordered printing for one desk (see the module docstring).

    With `printer=None` the queue only stores and finds jobs (another process prints them).
    """

    def __init__(
        self,
        db_path: str | Path,
        printer: Printer | None,
        *,
        on_status: StatusCallback | None = None,
        on_message: MessageCallback | None = None,
        drop_after_minutes: float | None = None,
        backoff_start: float = 1.0,
        backoff_max: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db_path = str(db_path)
        self._printer = printer
        self.on_status = on_status
        self.on_message = on_message
        self.drop_after_minutes = drop_after_minutes
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self._clock = clock
        self._local = threading.local()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = PrinterStatus(PrinterState.OK)
        conn = self._connect()
        # WAL (the desk's store uses it too): an insert costs one append, and the worker
        # reading jobs never blocks the desk writing check-ins.
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_SCHEMA)

    # -- storage -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=10.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def _row(self, row: sqlite3.Row) -> PrintJob:
        return PrintJob(
            id=row["id"],
            kind=row["kind"],
            name=row["name"],
            payload=json.loads(row["payload"]),
            checkin_id=row["checkin_id"],
            queue_number=row["queue_number"],
            state=row["state"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            printed_at=row["printed_at"],
            reprint_of=row["reprint_of"],
        )

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        name: str | None = None,
        checkin_id: str | None = None,
        queue_number: str | None = None,
        reprint_of: int | None = None,
    ) -> int:
        """Store a job (one INSERT) and wake the worker; returns the job id."""
        if kind not in JOB_KINDS:
            raise ValueError(f"unknown print job kind {kind!r}")
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        conn = self._connect()
        cur = conn.execute(
            "INSERT INTO print_jobs (kind, name, payload, checkin_id, queue_number, created_at,"
            " reprint_of) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, name or kind, text, checkin_id, queue_number, self._clock(), reprint_of),
        )
        job_id = int(cur.lastrowid or 0)
        self._idle.clear()
        self._wake.set()
        return job_id

    def enqueue_ticket(self, ticket: Any) -> int:
        """Store a queue ticket (a printing.ticket.TicketData)."""
        return self._enqueue_checkin_document(JOB_TICKET, "ticket", ticket)

    def enqueue_record_card(self, card: Any) -> int:
        """Store a record card entry (a printing.record_card.RecordCardData)."""
        return self._enqueue_checkin_document(JOB_RECORD_CARD, "record-card", card)

    def enqueue_consent_slip(self, consent: Any) -> int:
        """Store a short consent slip (a printing.consent.ConsentData)."""
        return self._enqueue_checkin_document(JOB_CONSENT_SLIP, "consent", consent)

    def _enqueue_checkin_document(self, kind: str, name_prefix: str, document: Any) -> int:
        """Store a document of one check-in: it has to_json(), queue_number, checkin_id."""
        return self.enqueue(
            kind,
            document.to_json(),
            name=f"{name_prefix}-{document.queue_number}",
            checkin_id=document.checkin_id,
            queue_number=document.queue_number,
        )

    def job(self, job_id: int) -> PrintJob:
        """One job by id; raises JobNotFoundError."""
        row = self._connect().execute("SELECT * FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(f"#{job_id}")
        return self._row(row)

    def jobs(self, state: str | None = None) -> list[PrintJob]:
        """All jobs (or those in `state`), oldest first."""
        conn = self._connect()
        if state is None:
            rows = conn.execute("SELECT * FROM print_jobs ORDER BY id").fetchall()
        else:
            rows = conn.execute(
                "SELECT * FROM print_jobs WHERE state = ? ORDER BY id", (state,)
            ).fetchall()
        return [self._row(r) for r in rows]

    def dropped_tickets(self) -> list[PrintJob]:
        """Tickets dropped after a jam and not reprinted since, oldest first."""
        rows = (
            self._connect()
            .execute(
                "SELECT * FROM print_jobs AS j WHERE state = ? AND kind = ? AND NOT EXISTS"
                " (SELECT 1 FROM print_jobs AS r WHERE r.reprint_of = j.id) ORDER BY id",
                (DROPPED, JOB_TICKET),
            )
            .fetchall()
        )
        return [self._row(r) for r in rows]

    def waiting_count(self) -> int:
        """Jobs not printed yet."""
        row = (
            self._connect()
            .execute("SELECT COUNT(*) FROM print_jobs WHERE state = ?", (WAITING,))
            .fetchone()
        )
        return int(row[0])

    def find(self, *, job_id: int | None = None, checkin_id: str | None = None) -> PrintJob:
        """A job by its id, or the (first) ticket of a check-in; raises JobNotFoundError."""
        if job_id is not None:
            return self.job(job_id)
        if checkin_id is not None:
            row = (
                self._connect()
                .execute(
                    "SELECT * FROM print_jobs WHERE checkin_id = ? AND kind = ?"
                    " AND reprint_of IS NULL ORDER BY id DESC LIMIT 1",
                    (checkin_id, JOB_TICKET),
                )
                .fetchone()
            )
            if row is None:
                raise JobNotFoundError(f"check-in {checkin_id}")
            return self._row(row)
        raise ValueError("a job id or a check-in id is needed")

    def reprint(self, *, job_id: int | None = None, checkin_id: str | None = None) -> int:
        """Queue a copy of a job (by its id, or the ticket of a check-in); returns its id.

        Another process (`vaxdesk print reprint`) may call this on the desk's database:
        the desk's worker finds the new job within a second.
        """
        original = self.find(job_id=job_id, checkin_id=checkin_id)
        payload = dict(original.payload)
        if original.kind == JOB_TICKET:
            payload["reprint"] = True  # the copy says 補印
        return self.enqueue(
            original.kind,
            payload,
            name=f"{original.name}-reprint",
            checkin_id=original.checkin_id,
            queue_number=original.queue_number,
            reprint_of=original.id,
        )

    # -- worker --------------------------------------------------------------------------

    @property
    def status(self) -> PrinterStatus:
        """The printer state as last seen by the worker."""
        return self._status

    def set_printer(self, printer: Printer) -> None:
        """Switch printers (settings changed); waiting jobs go to the new one."""
        self._printer = printer
        self.retry_now()

    def retry_now(self) -> None:
        """Cut the backoff short (the user says the printer is back)."""
        self._wake.set()

    def start(self) -> None:
        """Start the worker thread (idempotent); the queue needs a printer for it."""
        if self._printer is None:
            raise ValueError("this print queue has no printer (it only stores jobs)")
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker after the job in hand; waiting jobs stay stored."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        """Stop the worker and close this thread's database connection."""
        self.stop()
        self._close_connection()

    def _close_connection(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def wait_idle(self, timeout: float) -> bool:
        """Block until no job is waiting (for the CLI and tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            if self._idle.wait(remaining) and self.waiting_count() == 0:
                return True
            time.sleep(0.01)
        return False

    def _next_job(self) -> PrintJob | None:
        row = (
            self._connect()
            .execute("SELECT * FROM print_jobs WHERE state = ? ORDER BY id LIMIT 1", (WAITING,))
            .fetchone()
        )
        return self._row(row) if row else None

    def _set_state(self, job_id: int, state: str, error: str | None = None) -> None:
        self._connect().execute(
            "UPDATE print_jobs SET state = ?, last_error = ?, printed_at = ? WHERE id = ?",
            (state, error, self._clock() if state == DONE else None, job_id),
        )

    def _publish(self, status: PrinterStatus) -> None:
        changed = (status.state, status.message_en, status.waiting_jobs) != (
            self._status.state,
            self._status.message_en,
            self._status.waiting_jobs,
        )
        self._status = status
        if changed and self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # a broken callback must not stop printing
                log.exception("print queue status callback failed")

    def _tell(self, message: QueueMessage) -> None:
        if self.on_message is not None:
            try:
                self.on_message(message)
            except Exception:
                log.exception("print queue message callback failed")

    def _too_old(self, job: PrintJob) -> bool:
        if self.drop_after_minutes is None:
            return False
        return self._clock() - job.created_at > self.drop_after_minutes * 60

    def _run(self) -> None:
        warm_up = getattr(self._printer, "warm_up", None)
        if warm_up is not None:
            try:
                warm_up()  # here, on the worker: the desk's first ticket comes out at once
            except Exception:
                log.exception("print queue: warming up the printer renderer failed")
        try:
            self._work()
        finally:
            self._close_connection()

    def _work(self) -> None:
        backoff = self.backoff_start
        while not self._stop.is_set():
            try:
                job = self._next_job()
            except sqlite3.Error:
                log.exception("print queue: reading jobs failed")
                self._stop.wait(backoff)
                continue
            if job is None:
                self._idle.set()
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self._idle.clear()
            if self._too_old(job):
                self._set_state(job.id, DROPPED, "waited too long")
                label = job.queue_number or job.name
                self._tell(
                    QueueMessage(
                        job.id,
                        f"{label} 等候列印超過 {self.drop_after_minutes:g} 分鐘，"
                        "已取消；需要時請重印。",
                        f"{label} waited more than {self.drop_after_minutes:g} minutes to print"
                        " and was dropped; reprint it if needed.",
                    )
                )
                continue
            self._connect().execute(
                "UPDATE print_jobs SET attempts = attempts + 1 WHERE id = ?", (job.id,)
            )
            printer = self._printer
            assert printer is not None  # start() checked
            try:
                printer.print_job(job.kind, job.payload, job.name)
            except PrinterError as exc:
                self._connect().execute(
                    "UPDATE print_jobs SET last_error = ? WHERE id = ?", (exc.message_en, job.id)
                )
                self._publish(PrinterStatus.from_error(exc, self.waiting_count()))
                log.info("print job %s failed (%s); retry in %.1f s", job.id, exc.kind, backoff)
                self._wake.clear()
                self._wake.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max)
                continue
            except Exception as exc:  # a bug in rendering: keep the job, skip it, say so
                log.exception("print job %s could not be rendered", job.id)
                self._set_state(job.id, FAILED, repr(exc))
                self._tell(
                    QueueMessage(
                        job.id,
                        f"{job.name} 無法列印（程式錯誤），已記錄；請改用重印或手寫。",
                        f"{job.name} could not be printed (program error, logged);"
                        " reprint or write it by hand.",
                    )
                )
                continue
            self._set_state(job.id, DONE)
            backoff = self.backoff_start
            self._publish(PrinterStatus(PrinterState.OK, waiting_jobs=self.waiting_count()))
