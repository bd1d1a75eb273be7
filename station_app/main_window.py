"""The desk's main window: counters always on top, the four views, the status bar.

Scans arrive from the keyboard-wedge filter (or any other scan source) through
`handle_scan`: while a dialog is open the dialog takes the scan or refuses it (never
the view behind it); at the doctor's view a scan picks the person from the queue,
anywhere else it goes to check-in. F1-F4 (and Ctrl+1..4) switch views; Ctrl+Z undoes
a check-in, Ctrl+P reprints a ticket, Ctrl+N adds a walk-in person, Ctrl+L locks the
desk for the next staff member (station_app.sign_in). These shortcuts
win over a text field's own (a search field's Ctrl+Z would restore the previous
person's name), and Enter clicks a focused button as Space does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hardware.wedge import WedgeTiming
from station_app.desk_api import Counters, DeskService
from station_app.dialogs import SettingsDialog
from station_app.dropped_tickets import DroppedTicketsDialog
from station_app.hub_host_dialog import HubHostDialog
from station_app.scan_routing import mark_scan_window, open_dialog
from station_app.settings import DeskSettings, save_settings
from station_app.sign_in import IdleGuard, SignInDialog, member_label
from station_app.sounds import SoundPlayer
from station_app.staff import DeskSession
from station_app.sync_state import STALE_AFTER
from station_app.ticket_hook import TicketHook
from station_app.views.after_paint import PaintFirstBackground
from station_app.views.checkin import CheckinView
from station_app.views.doctor import DoctorView
from station_app.views.lots import LotsView
from station_app.views.manager import ManagerView
from station_app.views.person_card import card_style
from station_app.wedge_filter import WedgeFilter
from vaccination.rules import RuleSetRegistry
from vaccination.tls_fingerprint import short_fingerprint
from vaccination.vials import OpenVial
from vaccination.wire import StaffMember

# The window's type sizes: full size, and compact for screens under 760 px of window
# height (1366x768, 1024x600, 1920x1080 at 150 %), where the full sizes push the
# buttons and the status bar off the screen.
SIZES = {
    False: {"base": 15, "queue": 72, "banner": 24, "name": 30, "detail": 17, "section": 14,
            "counter": 26, "counter_name": 13, "tab": 16, "status": 13, "flag": 18,
            "pad": 8, "tab_pad": 10},
    True: {"base": 12, "queue": 44, "banner": 17, "name": 20, "detail": 13, "section": 11,
           "counter": 16, "counter_name": 11, "tab": 12, "status": 10, "flag": 13,
           "pad": 4, "tab_pad": 4},
}  # fmt: skip
COMPACT_BELOW = 760


def button_style(compact: bool) -> str:
    """Buttons: a visible focus frame, grey when disabled (coloured ones too)."""
    z = SIZES[compact]
    return f"""
QPushButton {{ padding: {z["pad"]}px 16px; border: 2px solid #8a8f96; border-radius: 6px;
              background: #f4f6f8; }}
QPushButton#primaryButton {{ background: #1b6b3a; color: white; font-weight: bold;
                            border-color: #1b6b3a; }}
QPushButton#dangerButton {{ background: #b3261e; color: white; font-weight: bold;
                           border-color: #b3261e; }}
QPushButton:focus {{ border: 4px solid #f0a000; }}
QPushButton:disabled, QPushButton#primaryButton:disabled, QPushButton#dangerButton:disabled {{
    background: #e4e4e4; color: #8c8c8c; border: 2px dashed #b0b0b0; font-weight: normal; }}
"""


def desk_style(compact: bool) -> str:
    """The style sheet of the window's parts (not the roster table: see MainWindow)."""
    z = SIZES[compact]
    return f"""
QWidget {{ font-size: {z["base"]}pt; }}
QLabel#queueNumber {{ font-size: {z["queue"]}pt; font-weight: bold; }}
QLabel#bannerText {{ font-size: {z["banner"]}pt; font-weight: bold; }}
QLabel#personName {{ font-size: {z["name"]}pt; font-weight: bold; }}
QLabel#personDetail {{ font-size: {z["detail"]}pt; }}
QLabel#sectionTitle {{ font-size: {z["section"]}pt; color: #555; margin-top: {z["pad"]}px; }}
QLabel#historyChip {{ background: #eef1f5; border-radius: 10px; padding: 4px 10px; }}
QLabel#historyArrow {{ color: #888; }}
QLabel#messageLine {{ color: #1c4f8a; font-size: {z["base"]}pt; }}
QLabel#errorText {{ color: #b3261e; }}
QLabel#counterValue {{ font-size: {z["counter"]}pt; font-weight: bold; }}
QLabel#counterName {{ font-size: {z["counter_name"]}pt; color: #444; }}
QFrame#counter {{ background: #f4f6f8; border-radius: 8px; }}
{button_style(compact)}QTabBar::tab {{ padding: {z["tab_pad"]}px 24px; font-size: {z["tab"]}pt; }}
QStatusBar QLabel {{ padding: 0 12px; border-left: 1px solid #bbb; font-size: {z["status"]}pt; }}
QStatusBar QPushButton {{ font-size: {z["status"]}pt; padding: 2px 8px; }}
""" + card_style(z["flag"])


class CounterBar(QWidget):
    """全部 / 已報到 / 已接種 / 醫生不同意 / 未到, always visible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, QLabel] = {}
        self.boxes: list[QBoxLayout] = []
        for key, name in (
            ("total", self.tr("全部")),
            ("checked_in", self.tr("已報到")),
            ("vaccinated", self.tr("已接種")),
            ("not_approved", self.tr("醫生不同意")),
            ("not_arrived", self.tr("未到")),
        ):
            box = QFrame()
            box.setObjectName("counter")
            bl = QBoxLayout(QBoxLayout.Direction.TopToBottom, box)
            self.boxes.append(bl)
            value = QLabel("0")
            value.setObjectName("counterValue")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label = QLabel(name)
            label.setObjectName("counterName")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            bl.addWidget(value)
            bl.addWidget(label)
            layout.addWidget(box)
            self.values[key] = value

    def set_compact(self, compact: bool) -> None:
        """Number beside its name on one line (compact) or above it."""
        direction = (
            QBoxLayout.Direction.LeftToRight if compact else QBoxLayout.Direction.TopToBottom
        )
        for bl in self.boxes:
            bl.setDirection(direction)
            bl.setContentsMargins(*(8, 2, 8, 2) if compact else (11, 11, 11, 11))

    def show_counters(self, c: Counters) -> None:
        for key, label in self.values.items():
            label.setText(f"{getattr(c, key):,}")

    def as_dict(self) -> dict[str, int]:
        return {k: int(v.text().replace(",", "")) for k, v in self.values.items()}


DESK_SHORTCUTS = ("Ctrl+Z", "Ctrl+P", "Ctrl+N", "Ctrl+,")


class DeskKeys(QObject):
    """Application event filter: the desk's shortcuts before a text field's own.

    A QLineEdit claims Ctrl+Z for its own undo (a ShortcutOverride it accepts); in the
    desk's window the desk's meaning wins. Dialogs keep their fields' undo.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sequences = {
            QKeySequence(seq)[0].toCombined()  # type: ignore[index]
            for seq in DESK_SHORTCUTS
        }

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self.window:
            return False
        if event.keyCombination().toCombined() in self.sequences:
            event.ignore()  # not the widget's: the shortcut map gets it
            return True
        return False


class MainWindow(QMainWindow):
    """One desk's window over a DeskService."""

    def __init__(
        self,
        service: DeskService,
        rules: RuleSetRegistry,
        *,
        sounds: SoundPlayer | None = None,
        tickets: TicketHook | None = None,
        wedge: WedgeFilter | None = None,
        auto_checkin: bool = True,
        sync_state: Callable[[], str] | None = None,
        rules_state: Callable[[], str] | None = None,
        settings: DeskSettings | None = None,
        settings_dir: Path | None = None,
        session: DeskSession | None = None,
        idle_clock: Callable[[], float] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.session = session or DeskSession()
        self.sign_in_dialog: SignInDialog | None = None
        self.settings = settings or DeskSettings(site=service.site, desk=service.desk)
        self.settings_dir = settings_dir
        self.settings_dialog: SettingsDialog | None = None
        self.sounds = sounds or SoundPlayer()
        self.tickets = tickets or TicketHook("", None, self)  # no printer
        self.wedge = wedge
        self.extra_scanners: object | None = None  # serial/webcam sources (scan_bridge)
        self.sync_state = sync_state
        self.rules_state = rules_state  # 「規則 covid19 2023.05.2」, and whether it may be stale
        self.sync_bridge: Any = None  # station_app.sync_bridge.SyncBridge when a server is set
        self.sync_note: str | None = None  # why sync is configured but not running
        self.setWindowTitle(
            self.tr("VaxDesk 報到站 — {site} 櫃台 {desk} — {day}").format(
                site=service.site, desk=service.desk, day=service.day.isoformat()
            )
        )
        self.compact: bool | None = None  # set by _apply_density at the first resize
        self.counters = CounterBar()
        self.background = PaintFirstBackground(self)
        self.checkin_view = CheckinView(
            service,
            rules,
            self.sounds,
            self.tickets,
            auto_checkin=auto_checkin,
            background=self.background,
        )
        self.doctor_view = DoctorView(
            service, rules, self.settings.observation_minutes, tickets=self.tickets
        )
        self.manager_view = ManagerView(service, background=self.background)
        self.manager_view.observation_minutes = self.settings.observation_minutes
        self.lots_view = LotsView(
            service, rules, warning_minutes=self.settings.vial_warning_minutes
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.checkin_view, self.tr("報到 F1"))
        self.tabs.addTab(self.doctor_view, self.tr("醫師 F2"))
        self.tabs.addTab(self.manager_view, self.tr("管理 F3"))
        self.tabs.addTab(self.lots_view, self.tr("疫苗批號 F4"))
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.counters)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.scanner_label = QLabel()
        self.printer_label = QLabel(self.tickets.state_text())
        self.sync_label = QLabel()
        self.vial_label = QLabel()  # an open vial about to expire, or expired
        self.vial_label.setObjectName("vialWarning")
        self.vial_label.hide()
        self.rules_label = QLabel()
        self.rules_label.setObjectName("rulesLabel")
        self.hub_button = QPushButton()  # the site hub this PC runs (setting host_hub)
        self.hub_button.setObjectName("hubHostButton")
        self.hub_button.setFlat(True)
        self.hub_button.hide()
        self.hub_button.clicked.connect(self.open_hub_host)
        self.hub_dialog: HubHostDialog | None = None
        bar = self.statusBar()
        for w in (
            self.hub_button,
            self.vial_label,
            self.scanner_label,
            self.printer_label,
            self.rules_label,
            self.sync_label,
        ):
            bar.addPermanentWidget(w)
        self.dropped_button = QPushButton()
        self.dropped_button.setFlat(True)
        self.dropped_button.hide()
        self.dropped_button.clicked.connect(self.open_dropped_tickets)
        self.dropped_dialog: DroppedTicketsDialog | None = None
        bar.addPermanentWidget(self.dropped_button)
        self.staff_label = QLabel()
        self.staff_label.setObjectName("staffLabel")
        self.lock_button = QPushButton(self.tr("鎖定／換人 (Ctrl+L)"))
        self.lock_button.setFlat(True)
        self.lock_button.clicked.connect(self.lock_screen)
        bar.addPermanentWidget(self.staff_label)
        bar.addPermanentWidget(self.lock_button)
        self.settings_button = QPushButton(self.tr("設定 (Ctrl+,)"))
        self.settings_button.setFlat(True)
        self.settings_button.clicked.connect(self.open_settings)
        bar.addPermanentWidget(self.settings_button)
        self.tickets.status_changed.connect(self.printer_label.setText)
        self.tickets.message.connect(self._ticket_message)

        for i in range(4):
            for seq in (f"F{i + 1}", f"Ctrl+{i + 1}"):
                self._shortcut(seq, partial(self.show_view, i))
        actions = (
            self.checkin_view.ask_undo,
            self.checkin_view.reprint_last,
            self.checkin_view.open_walk_in,
            self.open_settings,
        )
        for seq, action in zip(DESK_SHORTCUTS, actions, strict=True):
            self._shortcut(seq, action)
        self._shortcut("Ctrl+L", self.lock_screen)
        self.idle = IdleGuard(self, idle_clock) if idle_clock else IdleGuard(self)
        self.desk_keys = DeskKeys(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.desk_keys)
            app.installEventFilter(self.idle)
        mark_scan_window(self)

        for view in (self.checkin_view, self.doctor_view, self.manager_view, self.lots_view):
            view.changed.connect(self.on_changed)
        self.lots_view.changed.connect(self.check_vials)  # a vial opened or thrown away
        self.tabs.currentChanged.connect(self._view_shown)
        if wedge is not None:
            wedge.scanned.connect(self.handle_scan)

        self._poll = QTimer(self)
        self._poll.setInterval(5000)
        self._poll.timeout.connect(self.refresh_status)
        self._poll.start()
        self._vial_poll = QTimer(self)
        self._vial_poll.setInterval(30_000)
        self._vial_poll.timeout.connect(self.check_vials)
        self._vial_poll.start()
        self.refresh_counters()
        self.refresh_status()
        self.check_vials()
        # Enter on a focused button clicks it, as Space does (outside dialogs a
        # QPushButton ignores Enter unless it is an auto-default button).
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(True)
        self.setMinimumSize(960, 480)
        self.resize(1280, 860)
        self._apply_density(self.height() < COMPACT_BELOW)
        self.checkin_view.search_edit.setFocus()

    def fit_screen(self) -> None:
        """Open at 1280x860, or maximised when the screen is smaller than that."""
        screen = self.screen()
        room = screen.availableGeometry() if screen is not None else None
        if room is not None and (room.width() < 1300 or room.height() < 900):
            self.showMaximized()
        else:
            self.show()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_density(self.height() < COMPACT_BELOW)

    def _apply_density(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        # Large type for everything through the font; the style sheet goes only where it
        # is needed: a style sheet above the roster table would route its 100,000-row
        # painting through QStyleSheetStyle (about twice as slow per keystroke).
        font = self.font()
        font.setPointSize(SIZES[compact]["base"])
        self.setFont(font)
        style = desk_style(compact)
        for styled in (self.counters, self.tabs.tabBar(), self.checkin_view, self.doctor_view,
                       self.lots_view, self.statusBar()):  # fmt: skip
            styled.setStyleSheet(style)
        self.counters.set_compact(compact)
        # The manager's buttons get the focus mark too, each on its own: a style sheet on
        # the view would slow the roster table's painting (see above).
        buttons = button_style(compact)
        for button in self.manager_view.findChildren(QPushButton):
            button.setStyleSheet(buttons)

    def _shortcut(self, sequence: str, action: Callable[[], object]) -> QShortcut:
        # Application-wide: from any view and whichever widget has focus; a modal
        # dialog still blocks it (Qt does not fire shortcuts behind one).
        shortcut = QShortcut(QKeySequence(sequence), self, action)
        shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        return shortcut

    # -- routing --------------------------------------------------------------------------

    def show_view(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def handle_scan(self, raw: str) -> None:
        self.idle.touch()
        dialog = open_dialog(self)
        if dialog is not None:
            # Never behind a dialog: it takes the scan into its field or refuses it.
            take = getattr(dialog, "take_scan", None)
            if take is not None and take(raw):
                return
            self.sounds.play("block")
            if take is None:  # a file picker or message box: no line of ours in it
                self.statusBar().showMessage(self.tr("請先關閉目前的視窗，再掃描"), 8000)
            return
        if self.tabs.currentWidget() is self.doctor_view:
            self.doctor_view.handle_scan(raw)
            return
        if self.tabs.currentWidget() is not self.checkin_view:
            self.tabs.setCurrentWidget(self.checkin_view)
        self.checkin_view.handle_scan(raw)

    def _view_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.doctor_view:
            self.doctor_view.refresh()
        elif widget is self.lots_view:
            self.lots_view.refresh()
        elif widget is self.manager_view and self.manager_view.dirty:
            self.manager_view.reload()

    # -- refreshing -----------------------------------------------------------------------

    def on_changed(self) -> None:
        self.refresh_counters()
        # Reloading 100,000 rows on every check-in would stall the desk: the manager
        # table reloads when it is next shown (or now, when it is on screen).
        self.manager_view.dirty = True
        if self.tabs.currentWidget() is self.manager_view:
            self.manager_view.reload()
        self.refresh_status()
        if self.sync_bridge is not None:
            self.sync_bridge.wake()

    def attach_sync(self, sync: Any) -> None:
        """Show the sync client's state (a SyncBridge), or why it is not running (a text)."""
        if isinstance(sync, str):
            self.sync_note = sync
        elif sync is not None:
            self.sync_bridge = sync
            sync.status_changed.connect(self.sync_label.setText)
            sync.rules_changed.connect(self.use_rules)
        self.refresh_status()

    def show_hub_host(self, port: int, fingerprint: str | None, error: str) -> None:
        """The site hub this PC runs, on the status bar: its short fingerprint, or that it
        did not start; the button opens the address and full fingerprint, or the reason."""
        if fingerprint is None:
            self.hub_button.setText(self.tr("中繼未啟動"))
            self.hub_button.setToolTip(error)
        else:
            short = short_fingerprint(fingerprint)
            self.hub_button.setText(self.tr("中繼 {short}").format(short=short))
            self.hub_button.setToolTip(self.tr("按一下：其他櫃台要填的網址與憑證指紋"))
        self.hub_dialog = HubHostDialog(port, fingerprint, error, self)
        self.hub_button.show()

    def _show_rules(self, text: str) -> None:
        self.rules_label.setText(text)
        self.rules_label.setToolTip(text)  # in full where a narrow screen cuts the line

    def open_hub_host(self) -> None:
        if self.hub_dialog is not None:
            self.hub_dialog.open()

    def use_rules(self, rules: RuleSetRegistry) -> None:
        """New rule set versions came from the bureau: the desk judges with them from now on."""
        self.service.use_rules(rules)
        self.checkin_view.rules = rules
        self.doctor_view.rules = rules
        self.refresh_status()

    def refresh_counters(self) -> None:
        # Counting a large roster takes a while: off the GUI thread, the newest count wins.
        self.background.submit("counters", self.service.counters, self.counters.show_counters)

    # -- dropped tickets --------------------------------------------------------------------

    def _ticket_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 30_000)
        self._show_dropped()

    def _show_dropped(self) -> None:
        n = len(self.tickets.dropped_tickets())
        self.dropped_button.setVisible(n > 0)
        self.dropped_button.setText(self.tr("卡紙未印號碼單 {n} 張：補印…").format(n=n))

    def open_dropped_tickets(self) -> None:
        """The tickets dropped after a jam, to reprint the chosen ones (marked 補印)."""
        dialog = DroppedTicketsDialog(self.tickets, self)

        def reprint() -> None:
            self.statusBar().showMessage(self.tickets.reprint_dropped(dialog.chosen()), 8000)
            self._show_dropped()

        dialog.accepted.connect(reprint)
        self.dropped_dialog = dialog
        dialog.open()

    # -- staff ----------------------------------------------------------------------------

    def lock_screen(self) -> None:
        """Ctrl+L, or idle too long: sign out and show the lock screen (no staff list: nothing)."""
        if not self.session.enforced:
            return
        self.session.sign_out()
        self._ask_sign_in(locked=True)

    def _ask_sign_in(self, locked: bool) -> None:
        if self.session.book is None or self.sign_in_dialog is not None:
            return
        dialog = SignInDialog(self.session.book, self, locked=locked)
        dialog.signed_in.connect(self._signed_in)
        dialog.finished.connect(self._sign_in_closed)
        self.sign_in_dialog = dialog
        self._show_staff()
        dialog.open()

    def _signed_in(self, member: StaffMember) -> None:
        self.session.sign_in(member)
        self.idle.touch()
        self._show_staff()
        self.statusBar().showMessage(self.tr("{who} 已登入").format(who=member_label(member)), 8000)

    def _sign_in_closed(self) -> None:
        self.sign_in_dialog = None

    def _show_staff(self) -> None:
        enforced = self.session.enforced
        self.staff_label.setVisible(enforced)
        self.lock_button.setVisible(enforced)
        member = self.session.member
        self.staff_label.setText(
            self.tr("值班：{who}").format(who=member_label(member)) if member else self.tr("未登入")
        )

    def _check_sign_in(self) -> None:
        """Someone must be signed in on a desk with a staff list; idle too long locks."""
        if not self.session.enforced:
            self._show_staff()
            return
        if self.session.member is None:
            self._ask_sign_in(locked=False)
            return
        if not self.session.still_listed():
            self.lock_screen()  # taken off the site's list since signing in
            return
        minutes = self.settings.lock_idle_minutes
        if minutes and self.idle.idle_seconds() >= minutes * 60:
            self.lock_screen()
        else:
            self._show_staff()

    def refresh_status(self) -> None:
        self._check_sign_in()
        if self.extra_scanners is not None:
            pass  # serial/webcam sources report their own state (scan_bridge.state_changed)
        elif self.wedge is None or not self.wedge.enabled:
            self.scanner_label.setText(self.tr("掃描器：未設定"))
        else:
            self.scanner_label.setText(self.tr("掃描器：鍵盤模式就緒"))
        self.printer_label.setText(self.tickets.state_text())
        if self.rules_state is not None:
            self.background.submit("rules_state", self.rules_state, self._show_rules)
        if self.sync_bridge is not None:
            pass  # the sync client reports its own state (SyncBridge.status_changed)
        elif self.sync_note is not None:
            self.sync_label.setText(self.sync_note)
        elif self.sync_state is None:
            self.sync_label.setText(self.tr("同步：未設定"))
        else:
            # Counting the outbox is a query: off the GUI thread like the counters.
            self.background.submit("sync_state", self.sync_state, self.sync_label.setText)
        if self.settings.server_url:
            self.background.submit(
                "other_sites", self.service.other_sites_age, self._other_sites_known
            )

    def check_vials(self) -> None:
        """Read the open vials off the GUI thread; warn of the one about to expire."""
        self.background.submit("open_vials", self.service.open_vials, self._vials_checked)

    def _vials_checked(self, vials: list[OpenVial]) -> None:
        text = self.lots_view.warning_text(vials)
        self.vial_label.setText(text or "")
        self.vial_label.setVisible(text is not None)
        if self.tabs.currentWidget() is self.lots_view:
            self.lots_view.refresh()  # read now: `vials` may predate a vial opened meanwhile

    def _other_sites_known(self, age: timedelta | None) -> None:
        self.checkin_view.card.show_other_sites_age(age, STALE_AFTER)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, self.settings_dir)
        dialog.accepted.connect(lambda: self.apply_settings(dialog.values()))
        self.settings_dialog = dialog
        dialog.open()

    def apply_settings(self, chosen: DeskSettings) -> None:
        """Save, and apply what can change while running; the rest applies at restart."""
        self.settings = chosen
        save_settings(chosen, self.settings_dir)
        self.sounds.enabled = chosen.sounds
        self.checkin_view.auto_checkin = chosen.auto_checkin
        self.doctor_view.observation_minutes = chosen.observation_minutes
        self.manager_view.observation_minutes = chosen.observation_minutes
        self.lots_view.warning_minutes = chosen.vial_warning_minutes
        if self.wedge is not None:
            self.wedge.enabled = chosen.wedge_enabled
            self.wedge.set_timing(
                WedgeTiming(max_gap_ms=chosen.wedge_max_gap_ms, min_length=chosen.wedge_min_length)
            )
        self.refresh_status()

    def closeEvent(self, event: object) -> None:
        self._poll.stop()
        self._vial_poll.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.desk_keys)
            app.removeEventFilter(self.idle)
        stop_all = getattr(self.extra_scanners, "stop_all", None)
        if stop_all is not None:
            stop_all()  # camera and serial threads end with the window
        self.tickets.stop()
        self.background.wait(10_000)
        super().closeEvent(event)  # type: ignore[arg-type]
