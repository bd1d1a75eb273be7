"""The sync client inside the window: started when a server is configured, status to Qt.

With a site hub configured (`hub_url`) the desk syncs through it and, when it also has
the bureau's `server_url`, falls back to the bureau (`station_app.sync_route`).

`SyncClient` runs in its own thread and reports through a plain callback; `SyncBridge`
turns that callback into a Qt signal, so the status bar is only touched on the GUI
thread (a signal emitted from another thread is queued to the receiver's thread).
The desk token is read from its file (or VAXDESK_DESK_TOKEN) when the client starts:
it is never kept in the settings, shown, or logged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from station_app.bilingual_error import BilingualError
from station_app.i18n import pick
from station_app.settings import DeskSettings

if TYPE_CHECKING:
    from station_app.staff import StaffBook
    from station_app.store import Store
    from station_app.sync_client import SyncStatus
    from vaccination.rules import RuleSetRegistry

log = logging.getLogger(__name__)

TOKEN_ENV = "VAXDESK_DESK_TOKEN"
RULES_INTERVAL = 900.0  # seconds between looks at the bureau's rule sets
# Through a site hub the desk syncs every second: the doctor desk learns of a check-in
# within its pull interval, and the site's own network carries the load.
HUB_INTERVAL = 1.0
SYNC_INTERVAL = 5.0  # straight to the bureau (the sync client's default)


class SyncSetupError(BilingualError):
    """The sync settings cannot be used (no token, unreadable file); zh + en."""


def read_token(settings: DeskSettings) -> str:
    """The desk token from `desk_token_file`, else from the environment."""
    if settings.desk_token_file:
        path = Path(settings.desk_token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SyncSetupError(
                f"無法讀取櫃台憑證檔 {path}（{exc.strerror}）",
                f"cannot read the desk token file {path} ({exc.strerror})",
            ) from None
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise SyncSetupError(
            "缺少櫃台憑證：請在設定中指定憑證檔",
            "no desk token: set the desk token file in the settings",
        )
    return token


class SyncBridge(QObject):
    """A SyncClient for the window; `status_changed(text)` arrives on the GUI thread."""

    status_changed = Signal(str)
    rules_changed = Signal(object)  # RuleSetRegistry: new versions from the bureau
    _status = Signal(object)  # SyncStatus, emitted from the sync thread

    def __init__(
        self,
        store: Store,
        settings: DeskSettings,
        product_codes: Collection[str],
        bundled_rules: RuleSetRegistry | None = None,
        parent: QObject | None = None,
        staff: StaffBook | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        from station_app.sync_client import SyncClient, utc_now
        from station_app.sync_route import SyncRoute

        self.last_status: SyncStatus | None = None
        self._status.connect(self._show)
        token = read_token(settings)

        def client(url: str, hub: bool) -> SyncClient:
            return SyncClient(
                store,
                url,
                token,
                product_codes=product_codes,
                ca_bundle=settings.ca_bundle or None,
                on_status=self._status.emit,
                staff=staff,
                bundled_rules=bundled_rules,
                on_rules=self.rules_changed.emit,  # queued to the GUI thread
                rules_interval=RULES_INTERVAL,
                clock=clock or utc_now,
                hub=hub,
                interval=HUB_INTERVAL if hub else SYNC_INTERVAL,
                pinned_fingerprint=settings.hub_fingerprint if hub else None,
            )

        self.client: SyncClient | SyncRoute
        if settings.hub_url and settings.server_url:
            self.client = SyncRoute(
                client(settings.hub_url, True), client(settings.server_url, False)
            )
        else:
            self.client = client(settings.hub_url or settings.server_url, bool(settings.hub_url))

    def _show(self, status: SyncStatus) -> None:
        self.last_status = status
        self.status_changed.emit(pick(f"同步：{status.text_zh()}", f"Sync: {status.text_en()}"))

    def start(self) -> None:
        self.client.start()

    def wake(self) -> None:
        """A desk action wrote events: push them now instead of at the next interval."""
        self.client.wake()

    def stop(self) -> None:
        self.client.stop()


def start_sync(
    store: Store,
    settings: DeskSettings,
    rules: RuleSetRegistry,
    parent: QObject | None = None,
    staff: StaffBook | None = None,
    bundled_rules: RuleSetRegistry | None = None,
    clock: Callable[[], datetime] | None = None,
) -> SyncBridge | str | None:
    """The running SyncBridge, or a zh/en text saying why sync is off (None: not configured).

    `clock`: the desk's, so the age of what it knows of other sites is told on one clock.
    """
    if not settings.server_url and not settings.hub_url:
        return None
    try:
        codes = frozenset(p.code for p in rules.products())
        bridge = SyncBridge(store, settings, codes, bundled_rules, parent, staff, clock)
    except SyncSetupError as exc:
        log.warning("sync not started: %s", exc.message_en)
        return pick(f"同步：{exc.message_zh}", f"Sync: {exc.message_en}")
    except (OSError, ValueError) as exc:  # a CA bundle that cannot be read
        log.warning("sync not started: %s", exc)
        return pick(f"同步：無法使用憑證機構檔（{exc}）", f"Sync: cannot use the CA bundle ({exc})")
    bridge.start()
    return bridge
