"""Starting the desk: Qt application, language, crash guard, store, service, window.

`build_desk` wires a window for a store and settings (the GUI tests and benchmarks
use it with a temporary database); `run` is what `vaxdesk app` calls: it shows the
first-run setup on an empty machine and, with `demo=True`, opens a temporary
database filled with the demo roster for today.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from hardware.wedge import WedgeTiming
from station_app.crash_guard import install as install_crash_guard
from station_app.desk_log import install_log_file
from station_app.i18n import install_language, pick
from station_app.settings import (
    DeskSettings,
    config_dir,
    database_path,
    load_settings,
    save_settings,
)
from station_app.sounds import SoundPlayer
from station_app.staff import DeskSession, StaffBook
from station_app.ticket_hook import TicketHook
from station_app.wedge_filter import WedgeFilter

if TYPE_CHECKING:  # loaded lazily at run time: start-up speed
    from station_app.checkin_service import CheckinService
    from station_app.hub_host import HostedHub
    from station_app.main_window import MainWindow
    from station_app.scan_bridge import ScanBridge
    from station_app.store import Store
    from station_app.sync_bridge import SyncBridge
    from vaccination.roster_import import ImportReport
    from vaccination.rules import RuleSetRegistry
    from vaccination.wire import StaffMember

log = logging.getLogger(__name__)

APP_ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "vaxdesk.svg"
_CJK_FONTS = ("Microsoft JhengHei", "Noto Sans CJK TC", "WenQuanYi Zen Hei", "Droid Sans Fallback")


def can_show_window() -> bool:
    """False on a Linux machine with no screen (Qt would abort there, not raise)."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the VaxDesk icon and a font that has Traditional Chinese glyphs."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or ["vaxdesk"])
    app.setWindowIcon(QIcon(str(APP_ICON)))
    app.setDesktopFileName("vaxdesk")  # matches installers/linux/vaxdesk.desktop
    families = set(QFontDatabase.families())
    for family in _CJK_FONTS:
        if family in families:
            app.setFont(QFont(family, 12))
            break
    return app


@dataclass
class Desk:
    """Everything one running desk holds, so it can be closed in order."""

    store: Store
    service: CheckinService
    rules: RuleSetRegistry
    window: MainWindow
    wedge: WedgeFilter
    settings: DeskSettings
    scanners: ScanBridge | None = None  # when a serial scanner or a camera is set
    temp_dir: tempfile.TemporaryDirectory[str] | None = None  # the demo's, removed on close
    sync: SyncBridge | None = None  # when a server is configured
    hub: HostedHub | None = None  # the site hub this PC runs (setting host_hub)

    def close(self) -> None:
        if self.sync is not None:
            self.sync.stop()  # before the store closes: the sync thread writes to it
        if self.hub is not None:
            self.hub.stop()
        if self.scanners is not None:
            self.scanners.stop_all()
        self.wedge.uninstall()
        self.window.background.wait()
        self.window.close()
        self.window.deleteLater()
        self.store.close()
        if self.temp_dir is not None:
            self.temp_dir.cleanup()


def build_desk(
    store: Store,
    settings: DeskSettings,
    *,
    day: date | None = None,
    clock: Callable[[], datetime] | None = None,
    key_clock: Callable[[], float] | None = None,
    sounds: SoundPlayer | None = None,
    rules: RuleSetRegistry | None = None,
    folder: Path | None = None,
) -> Desk:
    """A ready window over `store` (the wedge filter installed on the application)."""
    from station_app.checkin_service import CheckinService, taipei_now
    from station_app.desk_rules import desk_rules
    from vaccination.rules import load_rule_sets

    bundled = rules or load_rule_sets()
    rules = desk_rules(store, bundled)  # with the versions downloaded from the bureau
    clock = clock or taipei_now
    day = day or clock().date()
    site = settings.site or store.main_site(day) or ""
    session = DeskSession(StaffBook(store))
    service = CheckinService(store, rules, site, settings.desk, day, clock, session)
    timing = WedgeTiming(max_gap_ms=settings.wedge_max_gap_ms, min_length=settings.wedge_min_length)
    wedge = WedgeFilter(timing, key_clock) if key_clock else WedgeFilter(timing)
    wedge.enabled = settings.wedge_enabled
    wedge.install()
    tickets = TicketHook(
        settings.ticket_printer,
        store.path,
        form_uri=settings.form_printer,
        drop_minutes=settings.ticket_drop_minutes,
    )

    def sync_state() -> str:
        from PySide6.QtCore import QCoreApplication

        pending = store.outbox.count_pending()
        if not (settings.server_url or settings.hub_url):
            return QCoreApplication.translate("Desk", "同步：未設定（{n} 筆待傳送）").format(
                n=pending
            )
        return QCoreApplication.translate("Desk", "同步：{n} 筆待傳送").format(n=pending)

    def rules_state() -> str:
        from station_app.desk_rules import rules_status

        max_age = timedelta(hours=settings.rules_max_age_hours)
        stale_after = max_age if settings.server_url else None
        return pick(*rules_status(service.rules, service.day, store, clock(), stale_after))

    from station_app.main_window import MainWindow

    window = MainWindow(
        service,
        rules,
        sounds=sounds or SoundPlayer(enabled=settings.sounds),
        tickets=tickets,
        wedge=wedge,
        auto_checkin=settings.auto_checkin,
        sync_state=sync_state,
        rules_state=rules_state,
        settings=settings,
        settings_dir=folder or config_dir(),
        session=session,
        idle_clock=key_clock,
    )
    tickets.setParent(window)
    gc.freeze()  # modules, rule sets and widgets live as long as the desk (see ManagerView)
    desk = Desk(store, service, rules, window, wedge, settings, start_scanners(settings, window))
    from station_app.sync_bridge import SyncBridge, start_sync

    if settings.host_hub:
        desk.hub, settings = host_the_hub(settings, folder or config_dir(), window)
    sync = start_sync(store, settings, rules, window, session.book, bundled, clock)
    window.attach_sync(sync)
    if isinstance(sync, SyncBridge):
        desk.sync = sync
    return desk


def host_the_hub(
    settings: DeskSettings, folder: Path, window: MainWindow
) -> tuple[HostedHub | None, DeskSettings]:
    """Start the site hub on this PC; the desk then syncs through it, pinned to its
    certificate. When it cannot start, the desk goes on with the bureau and says why."""
    from station_app.hub_host import HubHostError, start_hub

    try:
        hub = start_hub(settings, folder)
    except HubHostError as exc:
        log.warning("site hub not started: %s", exc.message_en)
        window.show_hub_host(settings.hub_port, None, pick(exc.message_zh, exc.message_en))
        return None, settings
    window.show_hub_host(settings.hub_port, hub.fingerprint, "")
    return hub, replace(settings, hub_url=hub.url, hub_fingerprint=hub.fingerprint)


def start_scanners(settings: DeskSettings, window: MainWindow) -> ScanBridge | None:
    """Serial and webcam scanners from the settings, feeding the same scan path as the wedge.

    Their packages (pyserial, OpenCV) load only when one is configured.
    """
    if not (settings.serial_port or settings.camera):
        return None
    from hardware.serial_source import SerialConfig
    from hardware.webcam_source import WebcamConfig
    from station_app.scan_bridge import ScanBridge

    bridge = ScanBridge(parent=window)
    bridge.scanned.connect(lambda scan: window.handle_scan(scan.text))
    bridge.state_changed.connect(
        lambda state: window.scanner_label.setText(pick(state.reason_zh, state.reason_en))
    )
    if settings.serial_port:
        bridge.add_serial(SerialConfig(port=settings.serial_port))
    if settings.camera:
        from hardware.webcam_source import parse_device
        from station_app.camera_preview import CameraPreview

        webcam = bridge.add_webcam(WebcamConfig(device=parse_device(settings.camera)))
        preview = CameraPreview()
        preview.connect_bridge(bridge, webcam.name)
        window.checkin_view.show_camera(preview)
    window.extra_scanners = bridge
    return bridge


def load_demo_roster(service: CheckinService, folder: Path, people: int = 300) -> ImportReport:
    """Write the demo roster for the service's day and import it; returns the report."""
    from vaccination.demo_roster import write_demo_roster

    path = folder / "demo-roster.csv"
    write_demo_roster(path, people, service.day, "utf-8-sig", 2026)
    return service.import_roster(path)


def roster_sites(path: Path) -> list[str]:
    """The sites of a roster file, most bookings first (the first-run dialog's list)."""
    from collections import Counter

    from vaccination.roster_import import read_roster
    from vaccination.rules import load_rule_sets

    report = read_roster(path, load_rule_sets())
    counts = Counter(row.booking.site for row in report.rows)
    return [site for site, _n in counts.most_common()]


def _first_run(settings: DeskSettings) -> tuple[DeskSettings, str, Path | None] | None:
    from station_app.dialogs import FirstRunDialog

    dialog = FirstRunDialog(settings.site, settings.desk, read_sites=roster_sites)
    # A card scanned now is refused in the dialog, not typed into the site field.
    wedge = WedgeFilter()
    sounds = SoundPlayer(enabled=settings.sounds)

    def refuse_unless_taken(raw: str) -> None:
        if not dialog.take_scan(raw):
            sounds.play("block")

    wedge.scanned.connect(refuse_unless_taken)
    wedge.install()
    try:
        answer = dialog.exec()
    finally:
        wedge.uninstall()
    if answer != FirstRunDialog.DialogCode.Accepted:
        return None
    chosen = replace(settings, site=dialog.site(), desk=dialog.desk_edit.text().strip().upper())
    return chosen, dialog.choice(), dialog.roster_path


def open_desk(
    db: Path | None = None, demo: bool = False, people: int = 300, quiet: bool = False
) -> Desk | None:
    """Settings, first-run setup when needed, store, window shown; None when setup is left.

    quiet: no "import a roster" hint (the cold-start measurement).
    """
    from station_app.store import Store

    app = make_application()
    folder = config_dir()
    settings = load_settings(folder)
    install_language(app, settings.language)
    choice = "later"
    roster: Path | None = None
    if not demo and not settings.configured and db is None:
        answer = _first_run(settings)
        if answer is None:
            return None
        settings, choice, roster = answer
        if choice == "demo":
            # Practice only: the demo never touches this PC's settings or database.
            demo = True
        else:
            save_settings(settings, folder)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if demo:
        tmp = tempfile.TemporaryDirectory(prefix="vaxdesk-demo-")
        db_path = Path(tmp.name) / "demo.db"
        settings = replace(settings, site="", database=str(db_path))
        folder_for_desk = Path(tmp.name)
    else:
        db_path = db or database_path(settings, folder)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        folder_for_desk = folder
    store = Store.open(db_path, background_checkpoint=True)
    rules = None
    if demo:
        from station_app.checkin_service import CheckinService, taipei_now
        from vaccination.rules import load_rule_sets

        rules = load_rule_sets()
        probe = CheckinService(store, rules, "-", settings.desk, taipei_now().date())
        load_demo_roster(probe, Path(folder_for_desk), people)
        StaffBook(store).replace(demo_staff())
    desk = build_desk(store, settings, rules=rules, folder=folder_for_desk)
    if demo:
        show_demo_staff(desk.window)
    desk.temp_dir = tmp
    desk.window.fit_screen()
    if choice == "import":
        path = str(roster) if roster is not None else ""
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                desk.window, pick("選擇名冊檔案", "Choose a roster file"), "", "*.csv *.xlsx *.xls"
            )
        if path:
            desk.window.show_view(2)
            desk.window.manager_view.start_import(Path(path))
    if not desk.service.site and not quiet:
        QMessageBox.information(
            desk.window,
            "VaxDesk",
            pick("名冊中沒有今天的預約，請到「管理」匯入名冊。",
                 "The roster has no bookings today: import one under Manage."),
        )  # fmt: skip
    return desk


# The demo's staff, one of each role, with the PINs its banner shows: the clerk is signed
# in at start, so a scan checks someone in at once; Ctrl+L switches to the others.
DEMO_STAFF = (
    ("D1", "陳報到", "clerk", "1111"),
    ("D2", "林醫師", "doctor", "2222"),
    ("D3", "黃護理師", "vaccinator", "3333"),
    ("D4", "王站長", "manager", "4444"),
)


def demo_staff() -> list[StaffMember]:
    """The demo's staff members (cheap argon2 hashes: a practice desk, not a real one)."""
    from argon2 import PasswordHasher

    from vaccination.staff import StaffRole
    from vaccination.wire import StaffMember

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return [
        StaffMember(staff_id=i, name=n, role=StaffRole(r), pin_hash=quick.hash(pin))
        for i, n, r, pin in DEMO_STAFF
    ]


def show_demo_staff(window: MainWindow) -> None:
    """Sign the demo's clerk in and name every demo PIN in the status bar."""
    from PySide6.QtWidgets import QLabel

    members = window.session.book.members() if window.session.book else []
    first = next((m for m in members if m.staff_id == DEMO_STAFF[0][0]), None)
    if first is not None:
        window.session.sign_in(first)
        if window.sign_in_dialog is not None:
            window.sign_in_dialog.done(0)
    pins = "　".join(f"{name} {pin}" for _i, name, _r, pin in DEMO_STAFF)
    note = QLabel(pick(f"示範：換人 Ctrl+L，PIN {pins}", f"Demo: switch staff Ctrl+L, PINs {pins}"))
    note.setObjectName("demoStaff")
    window.statusBar().insertPermanentWidget(0, note)
    window.refresh_status()


def warm_up() -> None:
    """Load what start-up left out (the roster reader behind check-ins and imports)."""
    import station_app.store.importing  # noqa: F401


def run(
    db: Path | None = None,
    demo: bool = False,
    people: int = 300,
    exit_when_ready: bool = False,
    started: float | None = None,
) -> int:
    """`vaxdesk app`: open the desk window and run until it is closed.

    exit_when_ready: print "ready <ms>" once the window is shown and waiting for scans,
    then quit (the cold-start benchmark and the smoke test use it).
    """
    app = make_application()
    install_log_file(config_dir())
    install_crash_guard()
    # `vaxdesk app` switches the garbage collector off before its imports
    # (vaxdesk.cmd_app.launch); it comes back on once build_desk has frozen the desk's
    # long-lived objects.
    try:
        desk = open_desk(db, demo, people, quiet=exit_when_ready)
    finally:
        gc.enable()
    if desk is None:
        return 0
    if exit_when_ready:

        def ready() -> None:
            elapsed = (time.perf_counter() - (started or 0.0)) * 1000.0
            print(f"ready {elapsed:.0f} ms site={desk.service.site}", flush=True)
            app.quit()

        QTimer.singleShot(0, ready)
    else:
        # What start-up left out (the roster reader behind check-ins and imports) loads
        # while the desk waits for its first scan, not during it.
        QTimer.singleShot(500, warm_up)
    try:
        return int(app.exec())
    finally:
        desk.close()
