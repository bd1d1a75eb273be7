"""A desk's two ways to the bureau: through the site hub when it answers, straight otherwise.

A desk configured with both (`hub_url` and `server_url`) syncs with the hub, which keeps
the site's desks in agreement over the site's own network; when the hub cannot be
reached (or refuses the desk) the cycle goes to the bureau instead, and the hub is tried
again after `hub_retry` seconds. Each server keeps its own pull cursor in the desk's
store. On every change of way the desk first asks the new server how far it holds the
desk's events and offers again what it lacks, so an event the hub acknowledged but had
not yet relayed still reaches the bureau; the server's idempotent ingest (by event id)
makes a repeat a duplicate, never a second copy.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date

from station_app.sync_client import (
    SyncClient,
    SyncRefused,
    SyncReport,
    SyncStatus,
    SyncUnavailable,
)

log = logging.getLogger(__name__)


class SyncRoute:
    """Hub first, the bureau when the hub fails; `start()` runs cycles in a thread."""

    def __init__(self, hub: SyncClient, bureau: SyncClient, hub_retry: float = 15.0) -> None:
        self.hub = hub
        self.bureau = bureau
        self.hub_retry = hub_retry
        self.current: SyncClient | None = None  # the way of the last successful cycle
        self._hub_down_at: float | None = None
        self._last_tried = hub
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"SyncRoute(hub={self.hub.server_url!r}, bureau={self.bureau.server_url!r})"

    @property
    def status(self) -> SyncStatus:
        """The status of the way in use (the hub's before any cycle)."""
        return (self.current or self.hub).status

    def _hub_due(self) -> bool:
        return self._hub_down_at is None or time.monotonic() - self._hub_down_at >= self.hub_retry

    def _via(self, client: SyncClient) -> SyncReport:
        if client is not self.current:
            client.recheck_acks()
        self._last_tried = client  # its failures set the back-off
        report = client.sync_once()
        if client is not self.current:
            log.info("syncing through %s", client.server_url)
        self.current = client
        return report

    def sync_once(self) -> SyncReport:
        """One cycle through the hub, or through the bureau when the hub fails.

        A hub that answers "busy, come back after Retry-After" is there: the cycle waits
        for it as a plain client does. When the bureau fails too, the next cycle tries
        the hub first again (it is the one more likely to come back on a site's LAN).
        """
        if self._hub_due():
            try:
                report = self._via(self.hub)
            except SyncUnavailable as exc:
                if exc.retry_after is not None:
                    raise
                log.info("site hub unreachable (%s): straight to the bureau", exc)
                self._hub_down_at = time.monotonic()
            except SyncRefused as exc:
                log.info("site hub refused the desk (%s): straight to the bureau", exc)
                self._hub_down_at = time.monotonic()
            else:
                self._hub_down_at = None
                return report
        try:
            return self._via(self.bureau)
        except (SyncUnavailable, SyncRefused):
            self._hub_down_at = None
            raise

    def download_roster(self, day: date) -> int:
        """The roster through the hub, or from the bureau when the hub fails."""
        if self._hub_due():
            try:
                return self.hub.download_roster(day)
            except (SyncUnavailable, SyncRefused):
                self._hub_down_at = time.monotonic()
        return self.bureau.download_roster(day)

    def run_cycle(self) -> float:
        """One cycle with error handling; returns the seconds to wait before the next."""
        try:
            self.sync_once()
        except SyncUnavailable as exc:
            log.info("sync unavailable: %s", exc.message_en)
            return self._last_tried.next_delay(exc.retry_after)
        except SyncRefused as exc:
            log.warning("sync refused (%s): %s", exc.status, exc.message_en)
            return self._last_tried.max_backoff
        except Exception:
            log.exception("sync cycle failed")
            return self._last_tried.next_delay()
        return (self.current or self.hub).interval

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
        """Ask for a cycle now (after a check-in, say); resets the back-off."""
        self.hub.wake()  # their own threads are not running: this only resets the back-off
        self.bureau.wake()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and close both clients."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.hub.stop(timeout)
        self.bureau.stop(timeout)
