"""The hub's relay: its site's events up to the bureau unchanged, the bureau's log down.

One cycle: learn the site and its desks (token digests), push every event of the hub's
log after the push cursor, one desk per push (same event ids, desks, sequence numbers,
so the bureau holds what it would have held from the desks directly; a repeat is
acknowledged as a duplicate) and, once none is left, each desk's latest report of what it
still holds (closing the day needs them), then pull the bureau's log for the site after the pull
cursor into the hub's database (roster changes, events desks pushed to the bureau
directly, other sites' facts about people on the roster), and now and then the rule
sets and the staff list. Both cursors are stored with the data they cover.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, select

from sync_server.db.engine import reading
from sync_server.db.tables import log
from sync_server.hub import mirror
from sync_server.hub.link import Upstream, UpstreamError
from sync_server.services import closing
from sync_server.services.accounts import Site
from sync_server.services.pull import event_wire
from vaccination.wire import REJECTED, DeskReport, HubStatus

_log = logging.getLogger(__name__)


class Relay:
    """Runs relay cycles in a daemon thread every `interval` seconds until `stop()`."""

    def __init__(
        self,
        engine: Engine,
        upstream: Upstream,
        interval: float = 2.0,
        batch: int = 500,
        slow_every: float = 30.0,
    ) -> None:
        self.engine = engine
        self.upstream = upstream
        self.interval = interval
        self.batch = batch
        self.slow_every = slow_every  # seconds between desk, rule set and staff refreshes
        self._slow_at = 0.0
        self._site: Site | None = None
        self._reachable = False
        self._last_contact: datetime | None = None
        self._message = ("尚未連線衛生局", "not yet in touch with the bureau")
        self.rejected = 0  # events the bureau refused (logged; they stay in the hub's log)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._instance: int | None = None
        self._reports_sent: dict[str, DeskReport] = {}  # desk -> the report last relayed

    # -- one cycle -------------------------------------------------------------------------

    def run_once(self) -> None:
        """One cycle both ways; raises UpstreamError when the bureau fails."""
        try:
            site = self._refresh()
            self._push(site)
            self._pull(site)
        except UpstreamError as exc:
            self._reachable = False
            self._message = (exc.message_zh, exc.message_en)
            raise
        self._reachable = True
        self._last_contact = datetime.now(UTC)
        self._message = ("", "")

    def _refresh(self) -> Site:
        if self._site is not None and time.monotonic() < self._slow_at:
            return self._site
        told = self.upstream.site()
        with self.engine.begin() as conn:
            site = mirror.mirror_site(conn, told)
        downloads = self.upstream.rule_sets(site.code)
        listed = self.upstream.staff(site.code)
        with self.engine.begin() as conn:
            added = mirror.mirror_rule_sets(conn, downloads)
            mirror.mirror_staff(conn, site, listed)
        if added:
            _log.info("hub took %s published rule set versions", added)
        self._site = site
        self._slow_at = time.monotonic() + self.slow_every
        return site

    def _push(self, site: Site) -> None:
        while True:
            with reading(self.engine) as conn:
                after = mirror.get_state(conn, mirror.PUSH_CURSOR) or 0
                rows = conn.execute(
                    select(log)
                    .where(
                        and_(log.c.site_id == site.id, log.c.entry == "event", log.c.log_id > after)
                    )
                    .order_by(log.c.log_id)
                    .limit(self.batch)
                ).all()
            if not rows:
                self._relay_reports(site)
                return
            by_desk: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in rows:
                by_desk[str(row.desk)].append(event_wire(row))
            for desk, events in by_desk.items():
                events.sort(key=lambda e: int(e["seq"]))
                reply = self.upstream.push(site.code, desk, events)
                refused = [r for r in reply.results if r.status == REJECTED]
                for r in refused:
                    _log.warning("bureau rejected relayed event %s: %s", r.event_id, r.reason_en)
                self.rejected += len(refused)
            with self.engine.begin() as conn:
                mirror.set_state(conn, mirror.PUSH_CURSOR, int(rows[-1].log_id))

    def _relay_reports(self, site: Site) -> None:
        """Each desk's latest report up to the bureau, once the hub holds none of the site's
        events unsent: the bureau then knows what the desks still hold, as closing the day
        needs, as if they had pushed to it directly."""
        with reading(self.engine) as conn:
            reports = closing.latest_reports(conn, site)
        for desk, report in reports.items():
            if self._reports_sent.get(desk) == report:
                continue
            self.upstream.push(site.code, desk, [], report)
            self._reports_sent[desk] = report

    def _pull(self, site: Site) -> None:
        while True:
            with reading(self.engine) as conn:
                after = mirror.get_state(conn, mirror.PULL_CURSOR) or 0
            page = self.upstream.pull(site.code, after)
            with self.engine.begin() as conn:
                mirror.apply_page(conn, site, page)
                mirror.set_state(conn, mirror.PULL_CURSOR, page.cursor)
            if not page.more:
                return

    # -- state for the desks ---------------------------------------------------------------

    def status(self) -> HubStatus:
        """The upstream state the desks show (reachable, events not yet at the bureau)."""
        if self._instance is None:
            with self.engine.begin() as conn:
                self._instance = mirror.instance(conn)
        with reading(self.engine) as conn:
            site = self._site or mirror.local_site(conn)
            count = mirror.waiting(conn, site) if site is not None else 0
        return HubStatus(
            site=site.code if site is not None else "",
            instance=str(self._instance),
            upstream_reachable=self._reachable,
            waiting=count,
            last_contact=self._last_contact,
            message_zh=self._message[0],
            message_en=self._message[1],
        )

    # -- background thread -----------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except UpstreamError as exc:
                _log.info("hub relay: %s", exc.message_en)
            except Exception:
                _log.exception("hub relay cycle failed")
                self._reachable = False
            self._stop.wait(self.interval)

    def start(self) -> None:
        """Run cycles in a background thread until stop()."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vaxdesk-hub-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the cycle under way and close the connection to the bureau."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.upstream.close()
