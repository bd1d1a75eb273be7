"""The desk's sync client: pushes the outbox, pulls the site's log, in a background thread.

Never runs on the GUI thread. One cycle pushes every waiting event in batches (marking
as sent only the events the server acknowledged), then pulls the site's log from the
stored cursor and applies it (other desks' events, roster changes). When the server
is unreachable or busy the client waits with exponential back-off and jitter,
honouring `Retry-After`, and keeps the desk working offline. The state (offline /
syncing / online, and how many events wait) goes to a callback for the status bar.
The token is sent only in the Authorization header and never logged.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import httpx

from station_app.store.importing import booking_key
from station_app.sync_state import SyncBook
from vaccination.events import Event, EventError
from vaccination.models import Booking, DoseRecord, Person

log = logging.getLogger(__name__)

API: Final[str] = "/api/v1"


class SyncState(StrEnum):
    """What the status bar shows."""

    OFFLINE = "offline"
    SYNCING = "syncing"
    ONLINE = "online"


@dataclass(frozen=True)
class SyncStatus:
    """The client's state for the status bar: state, events waiting, and why when offline."""

    state: SyncState
    waiting: int
    message_zh: str = ""
    message_en: str = ""
    last_success: datetime | None = None
    rejected: int = 0  # events the server refused for good (see SyncClient.book.rejections())

    def text_zh(self) -> str:
        """The status-bar text in Chinese."""
        if self.state is SyncState.ONLINE:
            return f"已連線，待上傳 {self.waiting} 筆"
        if self.state is SyncState.SYNCING:
            return f"同步中，待上傳 {self.waiting} 筆"
        return f"離線，待上傳 {self.waiting} 筆" + (
            f"（{self.message_zh}）" if self.message_zh else ""
        )

    def text_en(self) -> str:
        """The status-bar text in English."""
        if self.state is SyncState.ONLINE:
            return f"online, {self.waiting} waiting"
        if self.state is SyncState.SYNCING:
            return f"syncing, {self.waiting} waiting"
        return f"offline, {self.waiting} waiting" + (
            f" ({self.message_en})" if self.message_en else ""
        )


@dataclass
class SyncReport:
    """What one cycle did."""

    pushed: int = 0  # events the server acknowledged (stored or already held)
    rejected: int = 0
    pulled_events: int = 0
    applied_events: int = 0
    roster_added: int = 0
    roster_cancelled: int = 0
    cursor: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)


class SyncUnavailable(Exception):
    """The server could not be reached or asked to wait (network, 5xx, 429)."""

    def __init__(self, message_zh: str, message_en: str, retry_after: float | None = None) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.retry_after = retry_after


class SyncRefused(Exception):
    """The server refused this desk (token unknown, expired, wrong site): needs a person."""

    def __init__(self, status: int, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status = status
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class PulledEntry:
    """A roster entry from the server, in the shape the store imports."""

    person: Person
    booking: Booking
    history: tuple[DoseRecord, ...]
    history_text: str
    flags: tuple[str, ...]


def entry_from_wire(data: dict[str, Any]) -> PulledEntry:
    """Rebuild a roster entry from the server's JSON form."""
    birth = data.get("birth_date")
    person = Person(
        id_number=data["id_number"],
        name=data["name"],
        birth_date=date.fromisoformat(birth) if birth else None,
        phone=data.get("phone"),
    )
    end = data.get("slot_end")
    booking = Booking(
        id_number=data["id_number"],
        site=data["site"],
        slot_start=datetime.fromisoformat(data["slot_start"]),
        product=data["product"],
        dose=int(data["dose"]),
        slot_end=datetime.fromisoformat(end) if end else None,
        dose_label=data.get("dose_label"),
        row_number=data.get("row_number"),
        walk_in=bool(data.get("walk_in")),
    )
    history = tuple(
        DoseRecord(
            product=h["product"],
            given_on=date.fromisoformat(h["given_on"]),
            lot=h.get("lot"),
            source="server",
        )
        for h in data.get("history") or []
    )
    return PulledEntry(
        person, booking, history, data.get("history_text") or "", tuple(data.get("flags") or ())
    )


def _cancelled_key(change: dict[str, Any]) -> str:
    booking = Booking(
        id_number=change["id_number"],
        site=change["site"],
        slot_start=datetime.fromisoformat(change["slot_start"]),
        product=change["product"],
        dose=1,
    )
    return booking_key(booking)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _detail(response: httpx.Response) -> tuple[str, str]:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, dict):
        return str(detail.get("message_zh") or ""), str(detail.get("message_en") or "")
    return f"伺服器回應 {response.status_code}", f"server answered {response.status_code}"


class SyncClient:
    """Push and pull for one desk store against one server.

    `sync_once()` runs one cycle in the calling thread (raises SyncUnavailable or
    SyncRefused); `start()` runs cycles in a daemon thread every `interval` seconds
    until `stop()`, and `wake()` asks for a cycle now (after a check-in, say).
    """

    def __init__(
        self,
        store: Any,
        server_url: str,
        token: str,
        *,
        ca_bundle: Path | str | None = None,
        batch_size: int = 500,
        interval: float = 5.0,
        timeout: float = 10.0,
        max_backoff: float = 60.0,
        on_status: Callable[[SyncStatus], None] | None = None,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.store = store
        self.server_url = server_url.rstrip("/")
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self.on_status = on_status
        self.book = SyncBook(store)
        self._rng = rng or random.Random()
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else True
        )
        self._http = httpx.Client(
            base_url=self.server_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            verify=verify,
            transport=transport,
        )
        self._site: str | None = None
        self._desk: str | None = None
        self._failures = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one cycle at a time
        self.status = SyncStatus(SyncState.OFFLINE, 0)

    def __repr__(self) -> str:  # the token stays out of any repr
        return f"SyncClient({self.server_url!r})"

    # -- status ----------------------------------------------------------------------------

    def _set_status(self, state: SyncState, zh: str = "", en: str = "") -> None:
        try:
            rejected = len(self.book.rejected_ids())
            waiting = self.store.outbox.count_pending() - rejected
        except Exception:  # the status bar must never take the sync thread down
            log.exception("cannot count waiting events")
            waiting, rejected = self.status.waiting, self.status.rejected
        last = datetime.now(UTC) if state is SyncState.ONLINE else self.status.last_success
        self.status = SyncStatus(state, max(0, waiting), zh, en, last, rejected)
        if self.on_status is not None:
            try:
                self.on_status(self.status)
            except Exception:
                log.exception("status callback failed")

    # -- HTTP ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise SyncUnavailable(
                "無法連線到伺服器", f"cannot reach the server ({exc.__class__.__name__})"
            ) from None
        # 408: the line was too slow for the body deadline; a later try may be quicker.
        if response.status_code in (408, 429) or response.status_code >= 500:
            zh, en = _detail(response)
            raise SyncUnavailable(
                zh or "伺服器忙碌", en or "server busy", retry_after=_retry_after(response)
            )
        if response.status_code in (401, 403):
            zh, en = _detail(response)
            raise SyncRefused(response.status_code, zh, en)
        if response.status_code >= 400:
            zh, en = _detail(response)
            raise SyncRefused(response.status_code, zh, en)
        try:
            return response.json()
        except ValueError:
            raise SyncUnavailable("伺服器回應無法解讀", "unreadable server reply") from None

    def _whoami(self) -> tuple[str, str]:
        if self._site is None or self._desk is None:
            me = self._request("GET", f"{API}/me")
            if me.get("role") != "desk" or not me.get("site"):
                raise SyncRefused(403, "此憑證不是櫃台帳號", "this token is not a desk account")
            self._site, self._desk = str(me["site"]), str(me["desk"])
        return self._site, self._desk

    # -- one cycle -------------------------------------------------------------------------

    def download_roster(self, day: date) -> int:
        """Fetch the site's roster of `day` into the store; returns the entries imported.

        The first download also sets the pull cursor, so only later changes are pulled.
        """
        with self._lock:
            site, _ = self._whoami()
            data = self._request("GET", f"{API}/sites/{site}/rosters/{day.isoformat()}")
            entries = [entry_from_wire(e) for e in data["entries"]]
            if entries:
                self.store.import_entries(entries)
            if self.book.cursor(self.server_url) is None:
                self.book.set_cursor(self.server_url, int(data["cursor"]))
            return len(entries)

    def _push(self, report: SyncReport) -> None:
        site, _ = self._whoami()
        while True:
            skip = self.book.rejected_ids()
            batch = [
                e
                for e in self.store.outbox.pending(self.batch_size + len(skip))
                if e.event_id not in skip
            ][: self.batch_size]
            if not batch:
                return
            reply = self._request(
                "POST",
                f"{API}/sites/{site}/events",
                json={"events": [e.to_dict() for e in batch]},
            )
            results = reply.get("results") or []
            acked = [r["event_id"] for r in results if r.get("status") in ("stored", "duplicate")]
            rejected = [r for r in results if r.get("status") == "rejected"]
            sent = {e.event_id for e in batch}
            acked = [a for a in acked if a in sent]
            if acked:
                self.store.outbox.mark_acked(acked)
            if rejected:
                self.book.reject(rejected)
                for r in rejected:
                    log.warning(
                        "server rejected event %s: %s", r.get("event_id"), r.get("reason_en")
                    )
            report.pushed += len(acked)
            report.rejected += len(rejected)
            report.rejections += rejected
            if not acked and not rejected:
                raise SyncUnavailable("伺服器未確認任何事件", "the server acknowledged nothing")

    def _pull(self, report: SyncReport) -> None:
        site, desk = self._whoami()
        cursor = self.book.cursor(self.server_url) or 0
        while True:
            page = self._request(
                "GET",
                f"{API}/sites/{site}/events",
                params={"after": cursor, "limit": 1000},
            )
            events: list[Event] = []
            for entry in page["entries"]:
                if entry["type"] == "event":
                    try:
                        event = Event.from_dict(entry["event"])
                    except EventError as exc:
                        log.warning("skipping a malformed pulled event: %s", exc)
                        continue
                    if event.desk != desk:
                        events.append(event)
                    continue
                # A roster change: apply the events before it first, keeping log order.
                self._apply_events(events, report)
                events = []
                self._apply_roster_change(entry, report)
            self._apply_events(events, report)
            cursor = int(page["cursor"])
            self.book.set_cursor(self.server_url, cursor)
            report.cursor = cursor
            if not page.get("more"):
                return

    def _apply_events(self, events: list[Event], report: SyncReport) -> None:
        if events:
            report.pulled_events += len(events)
            report.applied_events += self.store.apply_remote_events(events)

    def _apply_roster_change(self, entry: dict[str, Any], report: SyncReport) -> None:
        change = entry["change"]
        if entry["kind"] == "roster_add":
            self.store.import_entries([entry_from_wire(change)])
            report.roster_added += 1
        elif entry["kind"] == "roster_cancel":
            self.store.cancel_booking(_cancelled_key(change))
            report.roster_cancelled += 1

    def sync_once(self) -> SyncReport:
        """Push everything waiting, then pull everything new. Raises when the server fails."""
        with self._lock:
            report = SyncReport()
            self._set_status(SyncState.SYNCING)
            try:
                self._push(report)
                self._pull(report)
            except (SyncUnavailable, SyncRefused) as exc:
                self._failures += 1
                self._set_status(SyncState.OFFLINE, exc.message_zh, exc.message_en)
                raise
            except Exception:
                self._failures += 1
                self._set_status(SyncState.OFFLINE, "同步發生錯誤", "sync failed")
                raise
            self._failures = 0
            self._set_status(SyncState.ONLINE)
            return report

    # -- background thread -----------------------------------------------------------------

    def next_delay(self, retry_after: float | None = None) -> float:
        """Seconds to wait after `self._failures` failures in a row (jittered, capped)."""
        if self._failures == 0:
            return self.interval
        ceiling = min(self.max_backoff, self.interval * 2.0 ** min(self._failures - 1, 16))
        delay: float = ceiling * (0.5 + 0.5 * self._rng.random())
        if retry_after is not None:
            # Up to a second on top, so desks told the same second do not return together.
            delay = max(delay, retry_after + self._rng.random())
        return delay

    def run_cycle(self) -> float:
        """One cycle with error handling; returns the seconds to wait before the next."""
        try:
            self.sync_once()
        except SyncUnavailable as exc:
            log.info("sync unavailable: %s", exc.message_en)
            return self.next_delay(exc.retry_after)
        except SyncRefused as exc:
            log.warning("sync refused (%s): %s", exc.status, exc.message_en)
            return self.max_backoff
        except Exception:
            # A bug, or the store failing: keep the desk working, try again later.
            log.exception("sync cycle failed")
            return self.next_delay()
        return self.interval

    def _loop(self) -> None:
        while not self._stop.is_set():
            delay = self.run_cycle()
            self._wake.wait(delay)
            self._wake.clear()

    def start(self) -> None:
        """Run cycles in a background thread until stop()."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vaxdesk-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Ask for a cycle now (e.g. after a check-in); resets the back-off."""
        self._failures = 0
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (after the cycle under way) and close the connection pool.

        The client is finished afterwards; make a new one to sync again.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._http.close()
