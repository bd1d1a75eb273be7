"""The desk's small dialogs: a reason, a walk-in person, the import report, first-run setup.

Dialogs are opened with `open()` (window-modal, no nested event loop): the caller
connects `accepted` and reads the values, so the GUI tests drive the real dialogs.
Each is a `ScanDialog` (station_app.scan_routing): a scan while it is open goes into
its scan field (the walk-in's ID number) or is refused with a line in the dialog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from station_app.desk_enrolment import read_enrolment, save_token
from station_app.hub_finder import HubFinder
from station_app.i18n import pick
from station_app.scan_routing import ScanDialog, mark_scan_window
from station_app.settings import DeskSettings, config_dir, describe
from station_app.views.combo import editor as combo_editor
from vaccination.assessment import site_key
from vaccination.ids import check_id
from vaccination.models import IdKind, Person
from vaccination.redact import mask_ids_in_text
from vaccination.rules import RuleSetRegistry
from vaccination.wire import DeskEnrolment

FORMULA_STARTS = ("=", "+", "-", "@")
_PHONE = re.compile(r"0(9\d{8}|[2-8]\d{7,8})")


def phone_number(text: str) -> str | None:
    """A Taiwanese phone number in digits (`+886 912-345-678` -> `0912345678`), or None.

    Mobiles are 10 digits starting 09; land lines an area code and 7-8 digits.
    """
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+886"):
        digits = "0" + digits[4:].lstrip("0")
    return digits if _PHONE.fullmatch(digits) else None


def answer_buttons(
    dialog: QDialog, ok: QDialogButtonBox.StandardButton, ok_text: str, cancel_text: str
) -> QDialogButtonBox:
    """The dialog's two answer buttons with the desk's words on them, wired to accept/reject.

    The texts come translated by the caller, so each stays in its dialog's context.
    """
    buttons = QDialogButtonBox(ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class ReasonDialog(ScanDialog):
    """Asks for a reason (picked from a list or typed); OK stays disabled while it is empty.

    `refusal_text` is what a scan while it is open says (it never becomes the reason).
    """

    def __init__(
        self,
        title: str,
        prompt: str,
        choices: Sequence[str],
        parent: QWidget | None = None,
        refusal_text: str | None = None,
    ) -> None:
        super().__init__(parent, refusal_text)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.reason_box = QComboBox()
        self.reason_box.setEditable(True)
        self.reason_box.addItems(["", *choices])
        combo_editor(self.reason_box).setPlaceholderText(self.tr("選擇或輸入原因"))
        layout.addWidget(self.reason_box)
        layout.addWidget(self.scan_line)
        self.buttons = answer_buttons(
            self, QDialogButtonBox.StandardButton.Ok, self.tr("確認"), self.tr("取消")
        )
        layout.addWidget(self.buttons)
        self.reason_box.currentTextChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.reason()))

    def reason(self) -> str:
        """The reason as it will be kept: ID numbers typed into it are masked."""
        return mask_ids_in_text(self.reason_box.currentText().strip())

    def set_reason(self, text: str) -> None:
        self.reason_box.setEditText(text)

    def accept(self) -> None:
        if self.reason():
            super().accept()


class WalkInDialog(ScanDialog):
    """增加人員: a person on the spot, validated by the service like an imported row.

    A scan while it is open fills the ID number field (the walk-in's own card) and moves
    on to the name; anything that is not a valid ID or passport number is refused.
    """

    def __init__(
        self,
        rules: RuleSetRegistry,
        submit: Callable[[Person, str, int, str, IdKind | None], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("增加人員"))
        self.setMinimumWidth(560)
        self._submit = submit
        form = QFormLayout()
        # A passport number is taken as one only when the clerk says so (never guessed).
        self.kind_box = QComboBox()
        self.kind_box.addItem(self.tr("身分證／居留證"), None)
        self.kind_box.addItem(self.tr("護照"), IdKind.PASSPORT.value)
        self.id_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.birth_edit = QLineEdit()
        self.birth_edit.setPlaceholderText(self.tr("例如 0350411、35/04/11 或 1946-04-11"))
        self.phone_edit = QLineEdit()
        self.product_box = QComboBox()
        # No default product: a silent first item once made two walk-ins AZ dose 1.
        self.product_box.addItem(self.tr("請選擇疫苗"), "")
        for product in rules.products():
            self.product_box.addItem(
                f"{pick(product.name_zh, product.name_en)} ({product.code})", product.code
            )
        self.dose_spin = QSpinBox()
        self.dose_spin.setRange(1, 9)
        self.history_edit = QLineEdit()
        self.history_edit.setPlaceholderText(self.tr("例如 CoV_AZ 2021-06-15"))
        form.addRow(self.tr("證件類別"), self.kind_box)
        form.addRow(self.tr("證件號碼"), self.id_edit)
        form.addRow(self.tr("姓名"), self.name_edit)
        form.addRow(self.tr("出生年月日"), self.birth_edit)
        form.addRow(self.tr("電話"), self.phone_edit)
        form.addRow(self.tr("接種疫苗"), self.product_box)
        form.addRow(self.tr("劑次"), self.dose_spin)
        form.addRow(self.tr("已接種疫苗"), self.history_edit)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorText")
        self.error_label.setWordWrap(True)
        buttons = answer_buttons(
            self, QDialogButtonBox.StandardButton.Ok, self.tr("加入並報到"), self.tr("取消")
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.scan_line)
        layout.addWidget(buttons)
        self.added_id: str | None = None

    def receive_scan(self, raw: str) -> bool:
        check = check_id(raw)
        if not check.valid:
            return False
        self.kind_box.setCurrentIndex(0)  # a scanned card is a national ID or residence card
        self.id_edit.setText(check.normalized)
        self.name_edit.setFocus()
        return True

    def _kind(self) -> IdKind | None:
        """The document type chosen (Qt hands the enum back as its value)."""
        chosen = self.kind_box.currentData()
        return IdKind(chosen) if chosen else None

    def _birth(self) -> date | None:
        from vaccination.rocdate import DateParseError, parse_date

        text = self.birth_edit.text().strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except DateParseError:
            raise ValueError(
                pick(f"出生年月日無法辨識：{text}", f"birth date not understood: {text}")
            ) from None

    def _problem(self) -> str | None:
        """What is wrong with the form before the service sees it, in the desk's language."""
        name = self.name_edit.text().strip()
        if name[:1] in FORMULA_STARTS:
            return self.tr("姓名不可以 = + - @ 開頭：{name}").format(name=name)
        phone = self.phone_edit.text().strip()
        if phone and phone_number(phone) is None:
            return self.tr("電話號碼不對：{phone}（手機為 09 開頭 10 碼，市話含區碼）").format(
                phone=phone
            )
        if not self.product_box.currentData():
            return self.tr("請選擇接種疫苗")
        return None

    def accept(self) -> None:
        problem = self._problem()
        if problem:
            self.error_label.setText(problem)
            return
        phone = self.phone_edit.text().strip()
        try:
            person = Person(
                id_number=self.id_edit.text().strip(),
                name=self.name_edit.text().strip(),
                birth_date=self._birth(),
                phone=phone_number(phone) if phone else None,
            )
        except ValueError as exc:
            self.error_label.setText(str(exc))
            return
        error = self._submit(
            person,
            str(self.product_box.currentData()),
            self.dose_spin.value(),
            self.history_edit.text().strip(),
            self._kind(),
        )
        if error:
            if self._kind() is None and not check_id(person.id_number).valid:
                error += " " + self.tr("若是護照號碼，請在「證件類別」選擇「護照」。")
            self.error_label.setText(error)
            return
        self.added_id = person.id_number
        super().accept()


class ImportReportDialog(ScanDialog):
    """The import report as a readable list: counts first, then each rejected row."""

    def __init__(
        self, title: str, summary: str, lines: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        self.summary_label = QLabel(summary)
        self.summary_label.setWordWrap(True)
        self.summary_label.setObjectName("importSummary")
        layout.addWidget(self.summary_label)
        self.list = QListWidget()
        self.list.addItems(list(lines))
        layout.addWidget(self.list)
        layout.addWidget(self.scan_line)
        close = QPushButton(self.tr("關閉"))
        close.clicked.connect(self.accept)
        layout.addWidget(close, alignment=Qt.AlignmentFlag.AlignRight)

    def lines(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]


class FirstRunDialog(ScanDialog):
    """Fresh desk PC: site, desk letter, and where the day's roster comes from.

    The site is picked from a list (the roster file's sites, read with 從名冊讀取…, or
    the server's), not typed: a typed 台 for the roster's 臺 once made every scan a
    wrong-site block. A typed name that differs from a listed one only in such a
    variant is taken in the list's spelling.
    """

    def __init__(
        self,
        site: str = "",
        desk: str = "A",
        parent: QWidget | None = None,
        *,
        sites: Sequence[str] = (),
        read_sites: Callable[[Path], list[str]] | None = None,
    ) -> None:
        super().__init__(parent, self.tr("請先完成初次設定，再掃描證件"))
        self.setWindowTitle(self.tr("VaxDesk 初次設定"))
        self.setMinimumWidth(560)
        self._read_sites = read_sites
        self.roster_path: Path | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("這台電腦第一次使用 VaxDesk。請選擇名冊與接種站，再填櫃台代號。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.site_box = QComboBox()
        self.site_box.setEditable(True)
        self.site_box.addItems(list(sites))
        self.site_edit = combo_editor(self.site_box)
        self.site_edit.setText(site)
        self.site_edit.setPlaceholderText(self.tr("從名冊讀取，或選擇接種站"))
        self.roster_button = QPushButton(self.tr("從名冊讀取…"))
        self.roster_button.clicked.connect(self.choose_roster)
        site_row = QHBoxLayout()
        site_row.addWidget(self.site_box, 1)
        site_row.addWidget(self.roster_button)
        self.desk_edit = QLineEdit(desk)
        self.desk_edit.setMaxLength(1)
        form.addRow(self.tr("接種站"), site_row)
        form.addRow(self.tr("櫃台代號"), self.desk_edit)
        layout.addLayout(form)
        self.import_radio = QRadioButton(self.tr("匯入名冊檔案（CSV 或 Excel）"))
        self.demo_radio = QRadioButton(self.tr("載入示範名冊（練習用）"))
        self.later_radio = QRadioButton(self.tr("稍後再匯入"))
        self.import_radio.setChecked(True)
        for radio in (self.import_radio, self.demo_radio, self.later_radio):
            layout.addWidget(radio)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorText")
        layout.addWidget(self.error_label)
        layout.addWidget(self.scan_line)
        buttons = answer_buttons(
            self, QDialogButtonBox.StandardButton.Ok, self.tr("開始"), self.tr("離開")
        )
        layout.addWidget(buttons)

    def choose_roster(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("選擇名冊檔案"), "", self.tr("名冊 (*.csv *.xlsx *.xls *.txt)")
        )
        if path:
            self.load_sites(Path(path))

    def load_sites(self, path: Path) -> list[str]:
        """The roster file's sites into the list (the first chosen); it is imported on 開始."""
        found = self._read_sites(path) if self._read_sites is not None else []
        if not found:
            self.error_label.setText(self.tr("這個名冊讀不到接種地點"))
            return []
        self.roster_path = path
        self.site_box.clear()
        self.site_box.addItems(found)
        self.site_box.setCurrentIndex(0)
        self.import_radio.setChecked(True)
        self.error_label.clear()
        return found

    def site(self) -> str:
        """The chosen site, in the list's spelling when it differs only in 台/臺 or spaces."""
        typed = self.site_edit.text().strip()
        key = _site_key(typed)
        for i in range(self.site_box.count()):
            listed = self.site_box.itemText(i)
            if _site_key(listed) == key:
                return listed
        return typed

    def choice(self) -> str:
        """ "import", "demo" or "later"."""
        if self.demo_radio.isChecked():
            return "demo"
        if self.later_radio.isChecked():
            return "later"
        return "import"

    def accept(self) -> None:
        desk = self.desk_edit.text().strip().upper()
        if not self.site() and self.choice() != "demo":
            self.error_label.setText(self.tr("請輸入接種站名稱"))
            return
        if len(desk) != 1 or not desk.isalpha():
            self.error_label.setText(self.tr("櫃台代號請填一個英文字母"))
            return
        super().accept()


def _site_key(name: str) -> str:
    return site_key(name.replace("台", "臺"))


class SettingsDialog(ScanDialog):
    """Every setting of station_app.settings, one row each, built from its schema.

    Its text fields hold paths and addresses: fast typing there is never a scan, except
    in the first field, which takes the bureau's enrolment QR code.
    """

    def __init__(
        self, settings: DeskSettings, parent: QWidget | None = None, folder: Path | None = None
    ) -> None:
        super().__init__(
            parent, self.tr("這裡只接受衛生局登記櫃台時顯示的 QR 碼；請先儲存或取消設定。")
        )
        self.setWindowTitle(self.tr("設定"))
        self.setMinimumWidth(720)
        self._initial = settings
        self._folder = folder or config_dir()  # where a scanned desk token is written
        self._enrolment: DeskEnrolment | None = None
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        # Long descriptions put their field on the next line rather than squeeze it.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        # The one text field that takes a scan: the bureau's enrolment QR code.
        self.enrolment_edit = QLineEdit()
        self.enrolment_edit.setObjectName("enrolment")
        self.enrolment_edit.setPlaceholderText(self.tr("游標放在這裡，掃描衛生局網頁上的 QR 碼"))
        self.enrolment_edit.setReadOnly(True)  # a scan lands here (the wedge); nobody types
        form.addRow(self.tr("衛生局櫃台登記 QR 碼"), self.enrolment_edit)
        for name, kind, _default, zh, en in describe():
            value = getattr(settings, name)
            editor: QWidget
            if name == "language":
                box = QComboBox()
                box.addItem("繁體中文", "zh_TW")
                box.addItem("English", "en")
                box.setCurrentIndex(max(0, box.findData(value)))
                editor = box
            elif kind is bool:
                check = QCheckBox()
                check.setChecked(bool(value))
                editor = check
            elif kind is int:
                spin = QSpinBox()
                spin.setRange(
                    *{
                        "observation_minutes": (5, 120),
                        "ticket_drop_minutes": (0, 120),
                        "hub_port": (1024, 65535),
                    }.get(name, (1, 64))
                )
                spin.setValue(int(value))
                editor = spin
            elif kind is float:
                dspin = QDoubleSpinBox()
                dspin.setRange(1.0, 500.0)
                dspin.setValue(float(value))
                editor = dspin
            else:
                editor = QLineEdit(str(value))
                mark_scan_window(editor, False)
            editor.setObjectName(name)
            self.editors[name] = editor
            form.addRow(pick(zh, en), editor)
            if name == "hub_url" and isinstance(editor, QLineEdit):
                self.hub_finder = HubFinder(editor.setText, self)
                form.addRow("", self.hub_finder)
        note = QLabel(self.tr("語言、接種站、櫃台與印表機的變更在重新開啟程式後生效。"))
        note.setWordWrap(True)
        buttons = answer_buttons(
            self, QDialogButtonBox.StandardButton.Save, self.tr("儲存"), self.tr("取消")
        )
        # The rows scroll on a small screen (1024x600); note and buttons stay in view.
        rows = QWidget()
        rows.setLayout(form)
        scroller = QScrollArea()
        scroller.setWidget(rows)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setMinimumHeight(min(rows.sizeHint().height() + 8, 360))
        layout = QVBoxLayout(self)
        layout.addWidget(scroller, 1)
        self.enrolment_line = QLabel()
        self.enrolment_line.setWordWrap(True)
        self.enrolment_line.hide()
        layout.addWidget(note)
        layout.addWidget(self.enrolment_line)
        layout.addWidget(self.scan_line)
        layout.addWidget(buttons)

    def receive_scan(self, raw: str) -> bool:
        """The bureau's enrolment QR code fills the server, desk and (on save) the token."""
        enrolment = read_enrolment(raw)
        if enrolment is None:
            return False
        self._enrolment = enrolment
        self._set_text("server_url", enrolment.server)
        self._set_text("desk", enrolment.desk)
        self.enrolment_edit.setText(f"{enrolment.site} / {enrolment.desk}")  # never the token
        self.enrolment_line.setText(
            self.tr("已讀取衛生局的櫃台登記：{site} 櫃台 {desk}。按「儲存」後寫入憑證檔。").format(
                site=enrolment.site, desk=enrolment.desk
            )
        )
        self.enrolment_line.show()
        return True

    def accept(self) -> None:
        if self._enrolment is not None:
            path = save_token(self._folder, self._enrolment)
            self._set_text("desk_token_file", str(path))
        super().accept()

    def _set_text(self, name: str, text: str) -> None:
        editor = self.editors[name]
        if isinstance(editor, QLineEdit):
            editor.setText(text)

    def values(self) -> DeskSettings:
        """The edited settings (validated: nonsense falls back to defaults)."""
        changes: dict[str, object] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                changes[name] = str(editor.currentData())
            elif isinstance(editor, QCheckBox):
                changes[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                changes[name] = editor.value()
            elif isinstance(editor, QLineEdit):
                changes[name] = editor.text().strip()
        return replace(self._initial, **changes).validated()  # type: ignore[arg-type]
