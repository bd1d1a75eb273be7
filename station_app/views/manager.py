"""管理: the day's roster with search and filters, import with a report, export, ID reveal."""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from station_app.background import Background
from station_app.desk_api import DeskService, Observation
from station_app.dialogs import ImportReportDialog, ReasonDialog
from station_app.i18n import pick, pick_joined
from station_app.roster_export import write_csv, write_xlsx
from station_app.roster_model import (
    COLUMNS,
    STATUS_ALL,
    STATUS_CHECKED_IN,
    STATUS_NOT_APPROVED,
    STATUS_NOT_ARRIVED,
    STATUS_VACCINATED,
    RosterData,
    RosterFilter,
    RosterTableModel,
    cell_value,
    column_titles,
)
from station_app.views.typing_pause import after_typing
from vaccination.staff import DeskAction

log = logging.getLogger(__name__)

REVEAL_SECONDS = 60


class ImportWorker(QObject):
    """Runs service.import_roster off the GUI thread; results come back as signals."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, service: DeskService, path: Path) -> None:
        super().__init__()
        self.service = service
        self.path = path

    def run(self) -> None:
        try:
            report = self.service.import_roster(self.path, self.progress.emit)
        except Exception as exc:  # shown to the manager as a report, logged in full
            log.exception("roster import of %s failed", self.path.name)
            zh = getattr(exc, "message_zh", None)
            en = getattr(exc, "message_en", None)
            self.failed.emit(pick(zh, en) if (zh or en) else str(exc))
            return
        self.finished.emit(report)


def report_lines(report: Any) -> tuple[str, list[str], bool]:
    """(summary, one line per finding, changed anything) of an ImportReport."""
    from PySide6.QtCore import QCoreApplication

    fatal = getattr(report, "fatal_error", None)
    rows = list(getattr(report, "rows", []))
    rejected = list(getattr(report, "rejected", []))
    notes = list(getattr(report, "notes", []))
    lines: list[str] = []
    if fatal:
        summary = QCoreApplication.translate(
            "ManagerView", "無法匯入，名冊沒有任何變更："
        ) + pick_joined(str(fatal))
        changed = False
    else:
        summary = QCoreApplication.translate(
            "ManagerView", "已匯入 {ok} 筆，未匯入 {bad} 筆，提醒 {notes} 則"
        ).format(ok=len(rows), bad=len(rejected), notes=len(notes))
        changed = bool(rows)
    for r in rejected:
        lines.append(
            QCoreApplication.translate("ManagerView", "第 {n} 列未匯入：{reason}").format(
                n=r.row_number, reason=pick(r.reason_zh, r.reason_en)
            )
        )
    for n in notes:
        lines.append(
            QCoreApplication.translate("ManagerView", "第 {n} 列提醒：{msg}").format(
                n=n.row_number, msg=pick(n.message_zh, n.message_en)
            )
        )
    unknown = list(getattr(report, "unknown_columns", []) or [])
    if unknown:
        lines.append(
            QCoreApplication.translate("ManagerView", "未使用的欄位：")
            + "、".join(map(str, unknown))
        )
    return summary, lines, changed


class GrowingLabel(QLabel):
    """A label that takes a fixed size and widens it only when a text needs more room.

    A label whose size may change asks the view to lay out again on every new text, and
    above the view the QTabWidget then repaints the whole tab area (see layout_barrier.py):
    the match count changes with every keystroke of the search.
    """

    def setText(self, text: str) -> None:
        super().setText(text)
        needed = self.sizeHint()
        if needed.width() > self.minimumWidth() or needed.height() > self.minimumHeight():
            self.setFixedSize(needed.expandedTo(self.minimumSize()))


class ManagerView(QWidget):
    """The 管理 view."""

    changed = Signal()
    import_done = Signal(object)

    def __init__(
        self,
        service: DeskService,
        background: Background | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.background = background or Background(self)
        self.model = RosterTableModel(self)
        self.dirty = True
        self.last_filter_ms = 0.0
        self.report_dialog: ImportReportDialog | None = None
        self.reveal_dialog: ReasonDialog | None = None
        self.full_export_dialog: ReasonDialog | None = None
        self._thread: QThread | None = None
        self._worker: ImportWorker | None = None

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("rosterSearch")
        self.search_edit.setPlaceholderText(self.tr("搜尋姓名、身分證字號、電話、報到號碼"))
        self.search_edit.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        for key, label in (
            (STATUS_ALL, self.tr("全部狀態")),
            (STATUS_NOT_ARRIVED, self.tr("未到")),
            (STATUS_CHECKED_IN, self.tr("已報到")),
            (STATUS_VACCINATED, self.tr("已接種")),
            (STATUS_NOT_APPROVED, self.tr("醫生不同意")),
        ):
            self.status_box.addItem(label, key)
        self.slot_box = QComboBox()
        self.product_box = QComboBox()
        self.flag_check = QCheckBox(self.tr("只看有註記"))
        self.count_label = GrowingLabel()
        # Next to the buttons on its right, as when it took only the width of its text.
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 3)
        for box in (self.status_box, self.slot_box, self.product_box):
            box.setMinimumWidth(150)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            filters.addWidget(box, 1)
        filters.addWidget(self.flag_check)

        self.table = QTableView()
        self.table.setObjectName("rosterTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = {"row_number": 70, "name": 90, "id": 140, "birth_date": 130, "phone": 140,
                  "dose_label": 90, "history_text": 220, "site": 170, "slot": 190,
                  "product": 170, "checked_in": 70, "checkin_time": 90, "queue_number": 90,
                  "not_approved": 90, "vaccinated": 90}  # fmt: skip
        for i, key in enumerate(COLUMNS):
            if key in widths:
                self.table.setColumnWidth(i, widths[key])
        header.setStretchLastSection(True)

        self.import_button = QPushButton(self.tr("匯入名冊"))
        self.export_csv_button = QPushButton(self.tr("匯出 CSV"))
        self.export_xlsx_button = QPushButton(self.tr("匯出 Excel"))
        self.export_full_button = QPushButton(self.tr("匯出含完整證號…"))
        self.reveal_button = QPushButton(self.tr("顯示完整證號"))
        # A revealed number goes back to masked after a minute (or at the next reveal).
        self.reveal_timer = QTimer(self)
        self.reveal_timer.setSingleShot(True)
        self.reveal_timer.setInterval(REVEAL_SECONDS * 1000)
        self.reveal_timer.timeout.connect(lambda: self.model.reveal(None))
        self.progress = QProgressBar()
        self.progress.hide()
        self.message_label = QLabel()
        self.message_label.setObjectName("messageLine")
        self.message_label.setWordWrap(True)
        self.observation_minutes = 30
        self.observation_label = QLabel()
        self.observation_label.setObjectName("observationLine")
        self.observation_label.setWordWrap(True)
        actions = QHBoxLayout()
        for b in (self.import_button, self.export_csv_button, self.export_xlsx_button,
                  self.export_full_button):  # fmt: skip
            actions.addWidget(b)
        actions.addWidget(self.progress, 1)
        actions.addStretch(1)
        actions.addWidget(self.count_label)
        actions.addWidget(self.reveal_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.observation_label)
        layout.addWidget(self.message_label)
        layout.addLayout(actions)

        self._filter_timer = after_typing(self.search_edit, 60, self.apply_filter)
        self.search_edit.returnPressed.connect(self.apply_filter)
        for box in (self.status_box, self.slot_box, self.product_box):
            box.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.flag_check.toggled.connect(lambda _b: self.apply_filter())
        self.import_button.clicked.connect(self.choose_import)
        self.export_csv_button.clicked.connect(lambda: self.choose_export("csv"))
        self.export_xlsx_button.clicked.connect(lambda: self.choose_export("xlsx"))
        self.reveal_button.clicked.connect(self.ask_reveal)
        self.export_full_button.clicked.connect(self.ask_full_export)

    # -- data -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the roster again (after changes, when shown), off the GUI thread."""
        self.dirty = False
        self.background.submit("roster", lambda: RosterData.of(self.service.roster()), self._loaded)
        self.background.submit(
            "observations",
            lambda: self.service.observations(self.observation_minutes),
            self._observations_loaded,
        )

    def _observations_loaded(self, rows: list[Observation]) -> None:
        """留觀: who is still observed and when each may leave (the doctor sees the same)."""
        if not rows:
            self.observation_label.clear()
            return
        shown = "、".join(
            self.tr("{q} {name} {at} 可離開").format(
                q=o.queue_number, name=o.name, at=o.may_leave_at.strftime("%H:%M")
            )
            for o in rows[:8]
        )
        more = self.tr("…等 {n} 人").format(n=len(rows)) if len(rows) > 8 else ""
        self.observation_label.setText(
            self.tr("留觀中 {n} 人：").format(n=len(rows)) + shown + more
        )

    def _loaded(self, data: RosterData) -> None:
        self.model.set_roster(data)
        self._fill_combo(self.slot_box, self.tr("全部時段"), self.model.slots())
        self._fill_combo(self.product_box, self.tr("全部疫苗"), self.model.products())
        self.apply_filter()
        # 100,000 rows are a few hundred thousand long-lived objects: left in the collected
        # generations, every full garbage collection walks them all and stalls whichever
        # scan it lands on (50-150 ms). Frozen, the collector skips them; the old roster
        # is still freed by reference counting when the next one replaces it. Garbage
        # made since the last freeze is collected first, so none of it is kept for good.
        gc.collect()
        gc.freeze()

    @staticmethod
    def _fill_combo(box: QComboBox, everything: str, values: list[str]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(everything, "")
        for v in values:
            box.addItem(v, v)
        index = box.findData(current)
        box.setCurrentIndex(max(0, index))
        box.blockSignals(False)

    def showEvent(self, event: Any) -> None:
        if self.dirty:
            self.reload()
        super().showEvent(event)

    def filter_spec(self) -> RosterFilter:
        return RosterFilter(
            text=self.search_edit.text(),
            status=str(self.status_box.currentData() or STATUS_ALL),
            slot=str(self.slot_box.currentData() or ""),
            product=str(self.product_box.currentData() or ""),
            flagged_only=self.flag_check.isChecked(),
        )

    def apply_filter(self) -> int:
        self._filter_timer.stop()
        started = time.perf_counter()
        shown = self.model.apply_filter(self.filter_spec())
        self.last_filter_ms = (time.perf_counter() - started) * 1000.0
        self.count_label.setText(
            self.tr("顯示 {shown} / {total} 筆").format(
                shown=shown, total=len(self.model.all_rows())
            )
        )
        return shown

    # -- import ---------------------------------------------------------------------------

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("選擇名冊檔案"), "", self.tr("名冊 (*.csv *.xlsx *.xls *.txt)")
        )
        if path:
            self.start_import(Path(path))

    def start_import(self, path: Path) -> None:
        """Import in a worker thread; the progress bar follows, the report shows at the end."""
        if self._thread is not None:
            return
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message_label.setText(self.tr("正在匯入 {name}…").format(name=path.name))
        thread = QThread(self)
        worker = ImportWorker(self.service, path)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_imported)
        worker.failed.connect(self._on_import_failed)
        worker.finished.connect(thread.quit)
        worker.failed.connect(thread.quit)
        thread.finished.connect(self._import_thread_done)
        self._thread, self._worker = thread, worker
        thread.start()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _import_thread_done(self) -> None:
        if self._thread is not None:
            self._thread.wait()
            self._thread.deleteLater()
        if self._worker is not None:
            self._worker.deleteLater()
        self._thread = self._worker = None
        self.import_button.setEnabled(True)
        self.progress.hide()

    def _show_report(self, summary: str, lines: list[str]) -> None:
        dialog = ImportReportDialog(self.tr("名冊匯入結果"), summary, lines, self)
        self.report_dialog = dialog
        self.message_label.setText(summary)
        dialog.open()

    def _on_imported(self, report: Any) -> None:
        summary, lines, changed = report_lines(report)
        self._show_report(summary, lines)
        if changed:
            self.reload()
            self.changed.emit()
        self.import_done.emit(report)

    def _on_import_failed(self, message: str) -> None:
        self._show_report(self.tr("無法匯入，名冊沒有任何變更：") + message, [])
        self.import_done.emit(None)

    @property
    def importing(self) -> bool:
        return self._thread is not None

    # -- export ---------------------------------------------------------------------------

    def allowed(self, action: DeskAction) -> bool:
        """True when the staff signed in may take `action`; else the line says who may."""
        from station_app.checkin_service import DeskActionError

        try:
            self.service.check_allowed(action)
        except DeskActionError as exc:
            self.message_label.setText(pick(exc.message_zh, exc.message_en))
            return False
        return True

    def choose_export(self, kind: str, full_ids_reason: str | None = None) -> None:
        if not self.allowed(DeskAction.EXPORT):
            return
        name = f"roster-{self.service.day.isoformat()}.{kind}"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("匯出列表"), name)
        if path:
            self.export(Path(path), kind, full_ids_reason)

    def ask_full_export(self) -> None:
        """匯出含完整證號: only with a reason, which the audit log keeps."""
        if not self.allowed(DeskAction.EXPORT):
            return
        dialog = ReasonDialog(
            self.tr("匯出含完整證號"),
            self.tr("匯出的檔案會含完整身分證字號，並記錄在稽核紀錄。請說明原因："),
            [self.tr("衛生所要求核對名冊"), self.tr("上傳 NIIS")],
            self,
        )
        dialog.accepted.connect(lambda: self.choose_export("xlsx", dialog.reason()))
        self.full_export_dialog = dialog
        dialog.open()

    def export(self, path: Path, kind: str, full_ids_reason: str | None = None) -> int:
        """Export the rows shown (filters applied), logged; IDs masked unless a reason
        for full IDs is given (a number revealed on screen stays masked in the file)."""
        full = bool(full_ids_reason)
        rows = [[cell_value(r, c, full) for c in COLUMNS] for r in self.model.visible_rows()]
        writer = write_xlsx if kind == "xlsx" else write_csv
        try:
            count = writer(path, column_titles(), rows)
        except OSError as exc:
            self.message_label.setText(self.tr("無法寫入檔案：") + str(exc.strerror or exc))
            return 0
        self.service.log_export(kind, count, full_ids_reason if full else None)
        self.message_label.setText(
            self.tr("已匯出 {n} 筆到 {path}").format(n=count, path=path.name)
        )
        return count

    # -- reveal ---------------------------------------------------------------------------

    def ask_reveal(self) -> None:
        if not self.allowed(DeskAction.REVEAL_ID):
            return
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.message_label.setText(self.tr("請先選擇一列"))
            return
        row = self.model.row_at(rows[0].row())
        dialog = ReasonDialog(
            self.tr("顯示完整證號"),
            self.tr("顯示 {name} 的完整身分證字號會被記錄。請說明原因：").format(name=row.name),
            [self.tr("核對證件"), self.tr("民眾要求更正資料"), self.tr("衛生所查詢")],
            self,
        )
        dialog.accepted.connect(lambda: self.reveal(row.id_number, dialog.reason()))
        self.reveal_dialog = dialog
        dialog.open()

    def reveal(self, id_number: str, reason: str) -> None:
        """Show one person's full ID for a minute; revealing another hides this one."""
        self.service.reveal_id(id_number, reason)
        self.model.reveal(id_number)
        self.reveal_timer.start()
