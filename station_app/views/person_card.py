"""The person card shown after a scan: who, which booking, dose history, every flag.

Severity is shown three ways at once (colour, icon, words) so it reads at a glance
and without colour vision: block red, warn amber, all clear green.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from station_app.i18n import pick
from station_app.roster_model import dose_text
from vaccination.models import Assessment, Flag, Severity
from vaccination.rules import RuleSetRegistry

COLOURS = {
    "block": ("#b3261e", "#fde2e1"),
    "warn": ("#8a5300", "#fff1cc"),
    "info": ("#1c4f8a", "#e3eefc"),
    "ok": ("#1b6b3a", "#dcf2e3"),
}
_ICONS = {
    "block": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warn": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "ok": QStyle.StandardPixmap.SP_DialogApplyButton,
}


def _card_style() -> str:
    rules = []
    for kind, (fg, bg) in COLOURS.items():
        rules.append(
            f'QFrame#banner[severity="{kind}"] {{ background: {bg}; border: 3px solid {fg};'
            f" border-radius: 8px; }}"
            f' QFrame#banner[severity="{kind}"] QLabel {{ color: {fg}; }}'
            f" QFrame#flag_{kind} {{ background: {bg}; border-left: 8px solid {fg};"
            f" border-radius: 4px; }}"
            f" QFrame#flag_{kind} QLabel {{ color: {fg}; font-size: 18pt; }}"
        )
    return "\n".join(rules)


# Part of the window's style sheet: set once, so showing a card re-parses nothing.
CARD_STYLE = _card_style()
_HISTORY_ITEM = re.compile(r"(\S+)\s+(\d{4}-\d{2}-\d{2})")


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def history_items(history_text: str, rules: RuleSetRegistry | None = None) -> list[str]:
    """The roster's 已接種疫苗 text as one entry per dose, oldest first.

    The roster helper's parser reads every date form the rosters use; what it cannot
    read is shown as written rather than hidden.
    """
    text = history_text.strip()
    if not text:
        return []
    if rules is not None:
        from vaccination.dose_history import parse_dose_history

        records, problems = parse_dose_history(text, rules)
        if records and not problems:
            return [f"{d.given_on.isoformat()}  {d.product}" for d in records]
    found = [f"{d}  {p}" for p, d in _HISTORY_ITEM.findall(text)]
    return sorted(found) if found else [text]


def _icon_label(kind: str, size: int) -> QLabel:
    label = QLabel()
    icon = label.style().standardIcon(_ICONS[kind])
    label.setPixmap(icon.pixmap(size, size))
    return label


class FlagRow(QFrame):
    """One flag: icon, severity word and message on its severity colour."""

    def __init__(self, flag: Flag, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        kind = flag.severity.value
        self.setObjectName(f"flag_{kind}")
        layout = QHBoxLayout(self)
        layout.addWidget(_icon_label(kind, 28))
        words = {
            Severity.BLOCK: self.tr("不可報到"),
            Severity.WARN: self.tr("需確認"),
            Severity.INFO: self.tr("提醒"),
        }[flag.severity]
        self.text_label = QLabel(f"<b>{words}</b>　{pick(flag.message_zh, flag.message_en)}")
        self.text_label.setWordWrap(True)
        layout.addWidget(self.text_label, 1)


class PersonCard(QFrame):
    """Shows one assessment (and, once checked in, the queue number in large type)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personCard")
        outer = QVBoxLayout(self)
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        banner_layout = QHBoxLayout(self.banner)
        self.banner_icon = QLabel()
        self.banner_text = QLabel(self.tr("請掃描身分證或健保卡條碼"))
        self.banner_text.setObjectName("bannerText")
        self.queue_label = QLabel()
        self.queue_label.setObjectName("queueNumber")
        self.queue_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        big = QFont(self.queue_label.font())
        big.setPointSize(72)
        big.setBold(True)
        self.queue_label.setFont(big)
        banner_layout.addWidget(self.banner_icon)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.queue_label)
        outer.addWidget(self.banner)

        self.name_label = QLabel()
        self.name_label.setObjectName("personName")
        self.detail_label = QLabel()
        self.detail_label.setObjectName("personDetail")
        self.detail_label.setWordWrap(True)
        self.booking_label = QLabel()
        self.booking_label.setObjectName("personDetail")
        self.booking_label.setWordWrap(True)
        outer.addWidget(self.name_label)
        outer.addWidget(self.detail_label)
        outer.addWidget(self.booking_label)

        self.history_title = QLabel(self.tr("接種紀錄"))
        self.history_title.setObjectName("sectionTitle")
        outer.addWidget(self.history_title)
        self.history_box = QHBoxLayout()
        self.history_box.setAlignment(Qt.AlignmentFlag.AlignLeft)
        outer.addLayout(self.history_box)
        self.flags_box = QVBoxLayout()
        outer.addLayout(self.flags_box)
        outer.addStretch(1)
        self.severity = "idle"
        self.person_id: str | None = None
        self._set_banner("info", self.tr("請掃描身分證或健保卡條碼"))
        self.queue_label.clear()
        self.clear_details()

    # -- parts ----------------------------------------------------------------------------

    def _set_banner(self, kind: str, text: str) -> None:
        if self.banner.property("severity") != kind:
            # The colours come from CARD_STYLE's [severity=...] rules: re-polish, no re-parse.
            self.banner.setProperty("severity", kind)
            for w in (self.banner, self.banner_text, self.queue_label):
                w.style().unpolish(w)
                w.style().polish(w)
        self.banner_icon.setPixmap(self.style().standardIcon(_ICONS[kind]).pixmap(48, 48))
        self.banner_text.setText(text)

    def clear_details(self) -> None:
        self.name_label.clear()
        self.detail_label.clear()
        self.booking_label.clear()
        self._clear_layout(self.history_box)
        self._clear_layout(self.flags_box)
        self.history_title.hide()

    @staticmethod
    def _clear_layout(layout: QHBoxLayout | QVBoxLayout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                # Hidden and detached now: deleteLater alone would leave it drawn until
                # control returns to the event loop.
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()

    def _add_chip(self, text: str) -> None:
        chip = QLabel(text)
        chip.setObjectName("historyChip")
        self.history_box.addWidget(chip)
        chip.show()

    def show_history(self, history_text: str, rules: RuleSetRegistry | None = None) -> None:
        """The dose-history timeline, oldest first (it may arrive after the card)."""
        self._clear_layout(self.history_box)
        items = history_items(history_text, rules) or [self.tr("無接種紀錄")]
        for i, item in enumerate(items):
            if i:
                arrow = QLabel("→")
                arrow.setObjectName("historyArrow")
                self.history_box.addWidget(arrow)
                arrow.show()
            self._add_chip("●  " + item)

    def history_texts(self) -> list[str]:
        out = []
        for i in range(self.history_box.count()):
            w = self.history_box.itemAt(i).widget()
            if isinstance(w, QLabel) and w.objectName() == "historyChip":
                out.append(w.text())
        return out

    def flag_texts(self) -> list[str]:
        out = []
        for i in range(self.flags_box.count()):
            w = self.flags_box.itemAt(i).widget()
            if isinstance(w, FlagRow):
                out.append(w.text_label.text())
        return out

    # -- states ---------------------------------------------------------------------------

    def show_idle(self, message: str | None = None) -> None:
        self.severity = "idle"
        self.person_id = None
        self.queue_label.clear()
        self.clear_details()
        self._set_banner("info", message or self.tr("請掃描身分證或健保卡條碼"))

    def show_assessment(
        self,
        assessment: Assessment,
        day: date,
        history_text: str | None = None,
        queue_number: str | None = None,
        status_text: str | None = None,
        rules: RuleSetRegistry | None = None,
    ) -> None:
        self.clear_details()
        worst = assessment.worst
        if worst is Severity.BLOCK:
            self.severity = "block"
            default_text = self.tr("不可在此報到")
        elif worst is Severity.WARN and queue_number is None:
            self.severity = "warn"
            default_text = self.tr("需確認原因才能報到")
        else:
            self.severity = "ok"
            default_text = self.tr("可以報到")
        self._set_banner(self.severity, status_text or default_text)
        self.queue_label.setText(queue_number or "")
        # The banner's text would otherwise squeeze the number to its last digit.
        self.queue_label.setMinimumWidth(
            self.queue_label.fontMetrics().horizontalAdvance(queue_number or "") + 24
        )
        person = assessment.person
        check = assessment.id_check
        if person is not None:
            self.name_label.setText(person.name)
            age = age_on(person.birth_date, day)
            birth = person.birth_date.isoformat() if person.birth_date else self.tr("不詳")
            age_text = self.tr("不詳") if age is None else self.tr("{age} 歲").format(age=age)
            self.detail_label.setText(
                self.tr("身分證 {id}　出生 {birth}　{age}").format(
                    id=check.masked, birth=birth, age=age_text
                )
            )
        else:
            self.name_label.setText(check.masked or check.input[:3] + "…")
            self.detail_label.setText(self.tr("名冊上找不到這個人"))
        booking = assessment.booking
        if booking is not None:
            label = dose_text(booking.dose_label, booking.dose)
            product = booking.product
            if rules is not None and rules.has_product(product):
                p = rules.product(product)
                product = f"{pick(p.name_zh, p.name_en)} ({product})"
            self.booking_label.setText(
                self.tr("預約：{product}　{dose}　{slot}　{site}").format(
                    product=product,
                    dose=label,
                    slot=booking.slot_start.strftime("%m/%d %H:%M"),
                    site=booking.site,
                )
            )
        self.person_id = person.id_number if person is not None else None
        if person is not None:
            self.history_title.show()
            if history_text is None:
                self._add_chip(self.tr("讀取中…"))
            else:
                self.show_history(history_text, rules)
        for flag in sorted(assessment.flags, key=lambda f: -f.severity.rank):
            self.flags_box.addWidget(FlagRow(flag))
