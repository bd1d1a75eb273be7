"""The desk's sync client: pushes the outbox, pulls the site's log, in a background thread.

Never runs on the GUI thread. One cycle pushes every waiting event in batches (marking
as sent only the events the server acknowledged), then pulls the site's log from the
stored cursor and applies it (other desks' events, roster changes), and now and then
fetches the site's staff list (kept for offline sign-in). When the server
is unreachable or busy the client waits with exponential back-off and jitter,
honouring `Retry-After`, and keeps the desk working offline. The state (offline /
syncing / online, and how many events wait) goes to a callback for the status bar.
The token is sent only in the Authorization header and never logged.

Rule sets the bureau published come down with the roster (`download_roster`) and, for
a desk that runs all day, every `rules_interval` seconds of its cycles; versions that do not parse
are refused with the reason (in the status) and the desk keeps what it had.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from station_app.desk_rules import Refusal, RuleDownload, mark_checked, take_published
from station_app.pinned_tls import PinnedTransport, PinRefused
from station_app.staff import StaffBook
from station_app.store.importing import booking_key_of
from station_app.sync_state import SyncBook
from vaccination.bulk import cyclic_gc_paused
from vaccination.events import Event, EventError, error_text, parse_event
from vaccination.models import Booking, DoseRecord, Person
from vaccination.wire import (
    PROTOCOL,
    PROTOCOL_HEADER,
    REJECTED,
    ROSTER_ADD,
    DeskReport,
    EventResult,
    HubStatus,
    PulledEvent,
    PulledRosterChange,
    PullPage,
    PushReply,
    RosterCancel,
    RosterDays,
    RosterEntry,
    RuleSetDownload,
    StaffList,
)

log = logging.getLogger(__name__)

API: Final[str] = "/api/v1"


def _app_version() -> str | None:
    try:
        return metadata.version("vaxdesk")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return None


APP_VERSION: Final[str | None] = _app_version()
ROSTER_DAYS: Final[int] = 7  # today and the six days after it
R = TypeVar("R", bound=BaseModel)

if TYPE_CHECKING:
    from station_app.store import Store
    from vaccination.rules import RuleSetRegistry


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
    set_aside: int = 0  # pulled entries this desk could not apply (SyncBook.set_aside_entries)
    refused_rules: tuple[Refusal, ...] = ()  # published rule sets the desk did not take
    hub: HubStatus | None = None  # the site hub's upstream state, when syncing through one

    def text_zh(self) -> str:
        """The status-bar text in Chinese."""
        aside = f"，{self.set_aside} 筆下載資料無法套用" if self.set_aside else ""
        aside += "".join(f"，拒收規則 {r.text()}" for r in self.refused_rules)
        if self.state is SyncState.ONLINE and self.hub is not None:
            if not self.hub.upstream_reachable:
                return f"已連線（站內），衛生局離線 {self.hub.waiting} 筆未上傳{aside}"
            return f"已連線（站內），待上傳 {self.waiting} 筆{aside}"
        if self.state is SyncState.ONLINE:
            return f"已連線，待上傳 {self.waiting} 筆{aside}"
        if self.state is SyncState.SYNCING:
            return f"同步中，待上傳 {self.waiting} 筆{aside}"
        return f"離線，待上傳 {self.waiting} 筆{aside}" + (
            f"（{self.message_zh}）" if self.message_zh else ""
        )

    def text_en(self) -> str:
        """The status-bar text in English."""
        aside = f", {self.set_aside} pulled entries set aside" if self.set_aside else ""
        aside += "".join(f", rule set refused: {r.text()}" for r in self.refused_rules)
        if self.state is SyncState.ONLINE and self.hub is not None:
            if not self.hub.upstream_reachable:
                return (
                    f"online (site hub), bureau offline: {self.hub.waiting} not yet uploaded{aside}"
                )
            return f"online (site hub), {self.waiting} waiting{aside}"
        if self.state is SyncState.ONLINE:
            return f"online, {self.waiting} waiting{aside}"
        if self.state is SyncState.SYNCING:
            return f"syncing, {self.waiting} waiting{aside}"
        return f"offline, {self.waiting} waiting{aside}" + (
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
    set_aside: int = 0  # pulled entries the desk could not apply (see SyncBook.set_aside)
    late: int = 0  # events stored after the bureau had closed their site day
    rejections: list[EventResult] = field(default_factory=list)
    staff: int | None = None  # the staff list's size, when this cycle fetched it


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
    infection_date: date | None
    infection_onset_date: date | None
    other_vaccine_date: date | None


def entry_from_wire(entry: RosterEntry) -> PulledEntry:
    """A roster entry of the wire contract as the store imports it."""
    return PulledEntry(
        entry.person(),
        entry.booking(),
        entry.doses("server"),
        entry.history_text,
        tuple(entry.flags),
        entry.infection_date,
        entry.infection_onset_date,
        entry.other_vaccine_date,
    )


def utc_now() -> datetime:
    """The sync client's default clock (aware UTC)."""
    return datetime.now(UTC)


def _cancelled_key(change: RosterCancel) -> str:
    return booking_key_of(change.id_number, change.site, change.slot_start.date(), change.product)


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
        store: Store,
        server_url: str,
        token: str,
        *,
        product_codes: Collection[str] | None = None,
        ca_bundle: Path | str | None = None,
        batch_size: int = 500,
        interval: float = 5.0,
        timeout: float = 10.0,
        max_backoff: float = 60.0,
        on_status: Callable[[SyncStatus], None] | None = None,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = utc_now,
        staff: StaffBook | None = None,
        staff_every: float = 60.0,
        bundled_rules: RuleSetRegistry | None = None,
        on_rules: Callable[[RuleSetRegistry], None] | None = None,
        rules_interval: float | None = None,
        hub: bool = False,
        pinned_fingerprint: str | None = None,
    ) -> None:
        self.store = store
        # A site hub (`vaxdesk hub`): its upstream state is asked every cycle, for the
        # status bar, and its instance, to start the pull over when it began anew.
        self.hub = hub
        self.hub_status: HubStatus | None = None
        # Ask the server how far it holds this desk's events at the first cycle and after a
        # failure: one that lost events (a hub started over, the bureau after a hub that
        # had not relayed everything) gets them again.
        self._recheck = True
        # The site's staff list, fetched at the first cycle and every `staff_every` seconds.
        self.staff = staff or StaffBook(store)
        self.staff_every = staff_every
        self._staff_at: float | None = None
        # Pulled events naming a product the desk's rule sets lack are set aside.
        self.product_codes = product_codes
        self.server_url = server_url.rstrip("/")
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self.on_status = on_status
        self.book = SyncBook(store)
        self._rng = rng or random.Random()
        self._clock = clock
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else True
        )
        if pinned_fingerprint and transport is None:
            # A site hub's own certificate, trusted by the fingerprint on the hub's screen.
            transport = PinnedTransport(self.server_url, pinned_fingerprint)
        self._http = httpx.Client(
            base_url=self.server_url,
            headers={"Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL)},
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
        # Rule sets: the bundled files (loaded at the first download unless given), what
        # to tell when new versions were kept, and how often a cycle looks again (None:
        # only with the roster).
        self._bundled = bundled_rules
        self.on_rules = on_rules
        self.rules_interval = rules_interval
        self._rules_due = 0.0
        self.refused_rules: tuple[Refusal, ...] = ()

    def __repr__(self) -> str:  # the token stays out of any repr
        return f"SyncClient({self.server_url!r})"

    # -- status ----------------------------------------------------------------------------

    def _set_status(self, state: SyncState, zh: str = "", en: str = "") -> None:
        try:
            rejected = len(self.book.rejected_ids())
            waiting = self.store.outbox.count_pending() - rejected
            set_aside = self.book.set_aside_count()
        except Exception:  # the status bar must never take the sync thread down
            log.exception("cannot count waiting events")
            waiting, rejected = self.status.waiting, self.status.rejected
            set_aside = self.status.set_aside
        last = self._clock() if state is SyncState.ONLINE else self.status.last_success
        self.status = SyncStatus(
            state,
            max(0, waiting),
            zh,
            en,
            last,
            rejected,
            set_aside,
            self.refused_rules,
            self.hub_status if self.hub else None,
        )
        if self.on_status is not None:
            try:
                self.on_status(self.status)
            except Exception:
                log.exception("status callback failed")

    # -- HTTP ------------------------------------------------------------------------------

    def _reply(self, model: type[R], method: str, path: str, **kwargs: Any) -> R:
        """The server's reply to a sync call, parsed with its wire model."""
        data = self._request(method, path, **kwargs)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            log.warning("unreadable %s from the server: %s", model.__name__, error_text(exc)[1])
            raise SyncUnavailable("伺服器回應無法解讀", "unreadable server reply") from None

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except PinRefused as exc:
            raise SyncUnavailable(exc.message_zh, exc.message_en) from None
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
        if response.status_code == 426:
            raise SyncRefused(
                426,
                "此櫃台的 VaxDesk 版本太舊，伺服器不再接受，請更新 VaxDesk",
                "this desk's VaxDesk is too old for the server; update VaxDesk",
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

    def download_roster(self, day: date, days: int = ROSTER_DAYS) -> int:
        """Fetch the site's bookings of `day` and the coming days; returns the entries imported.

        The coming days let the desk tell a person who came on the wrong day their real
        date. The first download also sets the pull cursor, so only later changes are pulled.
        """
        with self._lock:
            site, _ = self._whoami()
            roster = self._reply(
                RosterDays,
                "GET",
                f"{API}/sites/{site}/rosters",
                params={"from": day.isoformat(), "days": days},
            )
            entries = [entry_from_wire(e) for e in roster.entries]
            if entries:
                self.store.import_entries(entries)
            # Other sites' facts about these people (their earlier doses too): after the
            # people, so each dose joins its person's history.
            self._apply_elsewhere(self._parsed(roster.elsewhere, SyncReport()), SyncReport())
            if self.book.cursor(self.server_url) is None:
                self.book.set_cursor(self.server_url, roster.cursor)
            self.book.set_pulled_at(self._clock())
            self._download_rule_sets()
            return len(entries)

    def download_staff(self) -> int:
        """Fetch the site's staff list and keep it for offline sign-in; returns its size."""
        with self._lock:
            return self._download_staff()

    def _download_staff(self) -> int:
        site, _ = self._whoami()
        listed = self._reply(StaffList, "GET", f"{API}/sites/{site}/staff")
        self.staff.replace(listed.staff)
        self._staff_at = time.monotonic()
        return len(listed.staff)

    def _staff_due(self) -> bool:
        return self._staff_at is None or time.monotonic() - self._staff_at >= self.staff_every

    def download_rule_sets(self) -> RuleDownload:
        """Fetch the bureau's published rule sets now; keeps those that parse."""
        with self._lock:
            return self._download_rule_sets()

    def bundled_rules(self) -> RuleSetRegistry:
        """The rule set files shipped with VaxDesk (loaded at the first need)."""
        if self._bundled is None:
            from vaccination.rules import load_rule_sets

            self._bundled = load_rule_sets()
        return self._bundled

    def _download_rule_sets(self) -> RuleDownload:
        site, _ = self._whoami()
        reply = self._reply(RuleSetDownload, "GET", f"{API}/sites/{site}/rule-sets")
        got = take_published(self.store, self.bundled_rules(), reply.rule_sets, self.server_url)
        mark_checked(self.book, datetime.now(UTC))
        self._rules_due = time.monotonic() + (self.rules_interval or 0.0)
        self.refused_rules = got.refused
        if got.added:
            log.info("rule sets downloaded: %s", ", ".join(got.added))
            if self.product_codes is not None:
                self.product_codes = frozenset(p.code for p in got.rules.products())
            if self.on_rules is not None:
                self.on_rules(got.rules)
        return got

    def _desk_report(self, sending: int, skipped: int) -> dict[str, Any]:
        """What the desk tells the bureau of itself: events still unsent besides this batch."""
        waiting = max(0, self.store.outbox.count_pending() - skipped - sending)
        return DeskReport(
            events_waiting=waiting, desk_time=self._clock(), app_version=APP_VERSION
        ).model_dump(mode="json", exclude_none=True)

    def recheck_acks(self) -> None:
        """Ask the server for this desk's acknowledged position before the next push."""
        self._recheck = True

    def _check_acks(self) -> None:
        """Offer again the events the server does not hold (see Outbox.reopen_after)."""
        site, desk = self._whoami()
        body = {"events": [], "report": self._desk_report(0, len(self.book.rejected_ids()))}
        reply = self._reply(PushReply, "POST", f"{API}/sites/{site}/events", json=body)
        again = self.store.outbox.reopen_after(desk, reply.acked_through)
        if again:
            log.info("%s holds desk %s through %s: %s events offered again",
                     self.server_url, desk, reply.acked_through, again)  # fmt: skip
        self._recheck = False

    def _check_hub(self) -> None:
        """The hub's upstream state; a hub that started anew is pulled from the start."""
        status = self._reply(HubStatus, "GET", f"{API}/hub/status")
        key = f"hub_instance:{self.server_url}"
        known = self.book.get(key)
        if known != status.instance:
            if known is not None:
                log.info("site hub %s started anew: pulling its log again", self.server_url)
                self.book.set_cursor(self.server_url, 0)
                self._recheck = True
            self.book.put(key, status.instance)
        self.hub_status = status

    def _push(self, report: SyncReport) -> None:
        site, _ = self._whoami()
        first = True
        while True:
            skip = self.book.rejected_ids()
            batch = [
                e
                for e in self.store.outbox.pending(self.batch_size + len(skip))
                if e.event_id not in skip
            ][: self.batch_size]
            if not batch and not first:
                return
            # An empty outbox still pushes once a cycle (no events, the report alone): the
            # bureau learns the desk holds nothing unsent, what closing the day needs.
            reply = self._reply(
                PushReply,
                "POST",
                f"{API}/sites/{site}/events",
                json={
                    "events": [e.to_dict() for e in batch],
                    "report": self._desk_report(len(batch), len(skip)),
                },
            )
            if not batch:
                return
            first = False
            sent = {e.event_id for e in batch}
            acked = [r.event_id for r in reply.results if r.acknowledged and r.event_id in sent]
            rejected = [r for r in reply.results if r.status == REJECTED and r.event_id in sent]
            if acked:
                self.store.outbox.mark_acked(a for a in acked if a is not None)
            if rejected:
                self.book.reject(rejected)
                for r in rejected:
                    log.warning("server rejected event %s: %s", r.event_id, r.reason_en)
            report.pushed += len(acked)
            report.rejected += len(rejected)
            report.rejections += rejected
            late = [r.event_id for r in reply.results if r.late and r.event_id in sent]
            report.late += len(late)
            if late:
                log.warning("%d events reached the bureau after their day was closed", len(late))
            if not acked and not rejected:
                raise SyncUnavailable("伺服器未確認任何事件", "the server acknowledged nothing")

    def _pull(self, report: SyncReport) -> None:
        site, _ = self._whoami()
        cursor = self.book.cursor(self.server_url) or 0
        # A PC that has written nothing yet (new, or replacing the desk's PC) first takes
        # its desk's own events of the day too, and so continues its numbers.
        own = not self.store.outbox.has_local_events()
        while True:
            # A page of 1,000 events parsed and applied: no cyclic collection meanwhile
            # (vaccination.bulk; a late desk's catch-up parse took 2.4x as long with it).
            with cyclic_gc_paused():
                page = self._reply(
                    PullPage,
                    "GET",
                    f"{API}/sites/{site}/events",
                    params={"after": cursor, "limit": 1000, "own": own},
                )
                self._take_page(page, report)
            cursor = page.cursor
            self.book.set_cursor(self.server_url, cursor)
            report.cursor = cursor
            if not page.more:
                self.book.set_pulled_at(self._clock())
                return

    def _take_page(self, page: PullPage, report: SyncReport) -> None:
        """Apply a pulled page in log order: events, roster changes, other sites' facts."""
        events: list[PulledEvent] = []
        elsewhere: list[PulledEvent] = []  # other sites' facts about people on this roster
        for entry in page.entries:
            if isinstance(entry, PulledEvent):
                (elsewhere if entry.other_site else events).append(entry)
                continue
            # A roster change: apply the events before it first, keeping log order.
            self._apply_events(self._parsed(events, report), report)
            events = []
            self._apply_roster_change(entry, report)
        self._apply_events(self._parsed(events, report), report)
        self._apply_elsewhere(self._parsed(elsewhere, report), report)

    def _set_aside(self, log_id: int, raw: dict[str, Any], reason: str, report: SyncReport) -> None:
        """Keep a pulled entry the desk cannot apply, with why; the rest keeps flowing."""
        log.warning("pulled log entry %s set aside: %s", log_id, reason)
        self.book.set_aside(self.server_url, log_id, raw, reason)
        report.set_aside += 1

    def _parsed(self, entries: list[PulledEvent], report: SyncReport) -> list[Event]:
        """The events of pulled entries; one that does not parse is set aside."""
        out: list[Event] = []
        for entry in entries:
            try:
                out.append(parse_event(entry.event, self.product_codes))
            except EventError as exc:
                self._set_aside(entry.log_id, entry.event, str(exc), report)
        return out

    def _apply_events(self, events: list[Event], report: SyncReport) -> None:
        if events:
            report.pulled_events += len(events)
            report.applied_events += self.store.apply_remote_events(events)

    def _apply_elsewhere(self, events: list[Event], report: SyncReport) -> None:
        """Other sites' events: facts about people here, not moving this site's numbers."""
        if events:
            report.pulled_events += len(events)
            report.applied_events += self.store.apply_remote_events(events, own_site=False)

    def _apply_roster_change(self, entry: PulledRosterChange, report: SyncReport) -> None:
        try:
            if entry.kind == ROSTER_ADD:
                added = RosterEntry.model_validate(entry.change)
            else:
                cancelled = RosterCancel.model_validate(entry.change)
        except ValidationError as exc:
            self._set_aside(entry.log_id, entry.change, error_text(exc)[1], report)
            return
        if entry.kind == ROSTER_ADD:
            self.store.import_entries([entry_from_wire(added)])
            report.roster_added += 1
        else:
            self.store.cancel_booking(_cancelled_key(cancelled))
            report.roster_cancelled += 1

    def sync_once(self) -> SyncReport:
        """Push everything waiting, then pull everything new. Raises when the server fails."""
        with self._lock:
            report = SyncReport()
            self._set_status(SyncState.SYNCING)
            try:
                if self.hub:
                    self._check_hub()
                if self._recheck:
                    self._check_acks()
                self._push(report)
                self._pull(report)
                if self._staff_due():
                    report.staff = self._download_staff()
                if self.rules_interval is not None and time.monotonic() >= self._rules_due:
                    self._download_rule_sets()
            except (SyncUnavailable, SyncRefused) as exc:
                self._failures += 1
                self._recheck = True
                self._set_status(SyncState.OFFLINE, exc.message_zh, exc.message_en)
                raise
            except Exception:
                self._failures += 1
                self._recheck = True
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
