"""The person card shown after a scan: who, which booking, dose history, every flag.

Severity is shown three ways at once (colour, icon, words) so it reads at a glance
and without colour vision: block red, warn amber, all clear green.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

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
from vaccination.id_hints import likely_swap
from vaccination.models import Assessment, Flag, IdKind, Severity
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


def card_style(flag_pt: int = 18) -> str:
    """The [severity=...] colour rules of the card, its flags' text at `flag_pt` points."""
    rules = []
    for kind, (fg, bg) in COLOURS.items():
        rules.append(
            f'QFrame#banner[severity="{kind}"] {{ background: {bg}; border: 3px solid {fg};'
            f" border-radius: 8px; }}"
            f' QFrame#banner[severity="{kind}"] QLabel {{ color: {fg}; }}'
            f' QFrame#flag[severity="{kind}"] {{ background: {bg}; border-left: 8px solid {fg};'
            f" border-radius: 4px; }}"
            f' QFrame#flag[severity="{kind}"] QLabel {{ color: {fg}; font-size: {flag_pt}pt; }}'
        )
    return "\n".join(rules)


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


def _repolish(*widgets: QWidget) -> None:
    """Apply the [severity=...] rules of card_style() after the property changed."""
    for w in widgets:
        w.style().unpolish(w)
        w.style().polish(w)


class FlagRow(QFrame):
    """One flag: icon, severity word and message on its severity colour.

    The card keeps its rows and fills them again for the next person: making and
    styling new widgets on every scan would cost more than showing the card.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flag")
        layout = QHBoxLayout(self)
        self.icon_label = QLabel()
        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.text_label, 1)

    def show_flag(self, flag: Flag) -> None:
        kind = flag.severity.value
        if self.property("severity") != kind:
            self.setProperty("severity", kind)
            _repolish(self, self.text_label)
            self.icon_label.setPixmap(self.style().standardIcon(_ICONS[kind]).pixmap(28, 28))
        words = {
            Severity.BLOCK: self.tr("不可報到"),
            Severity.WARN: self.tr("需確認"),
            Severity.INFO: self.tr("提醒"),
        }[flag.severity]
        self.text_label.setText(f"<b>{words}</b>　{pick(flag.message_zh, flag.message_en)}")


class PersonCard(QFrame):
    """Shows one assessment (and, once checked in, the queue number in large type).

    Its widgets are made once and refilled for each person (see FlagRow).
    """

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
        self._fit_queue_number("A000")
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
        self._chips: list[tuple[QLabel, QLabel]] = []  # (the arrow before it, the chip)
        self.flags_box = QVBoxLayout()
        outer.addLayout(self.flags_box)
        self._flag_rows: list[FlagRow] = []
        # How old the desk's knowledge of other sites is, when it is not fresh (offline).
        self.other_sites_label = QLabel()
        self.other_sites_label.setObjectName("otherSitesAge")
        self.other_sites_label.hide()
        outer.addWidget(self.other_sites_label)
        outer.addStretch(1)
        self.severity = "idle"
        self.person_id: str | None = None
        self._set_banner("info", self.tr("請掃描身分證或健保卡條碼"))
        self.clear_details()

    # -- parts ----------------------------------------------------------------------------

    def _set_banner(self, kind: str, text: str) -> None:
        if self.banner.property("severity") != kind:
            # The colours come from card_style()'s [severity=...] rules, part of the window's
            # style sheet: re-polish, no re-parse.
            self.banner.setProperty("severity", kind)
            _repolish(self.banner, self.banner_text, self.queue_label)
            self.banner_icon.setPixmap(self.style().standardIcon(_ICONS[kind]).pixmap(48, 48))
        self.banner_text.setText(text)

    def _fit_queue_number(self, text: str) -> None:
        # Room for the number, or the banner's text would squeeze it to its last digit.
        # It only grows, so the next number does not lay the banner out again.
        needed = self.queue_label.fontMetrics().horizontalAdvance(text) + 24
        if needed > self.queue_label.minimumWidth():
            self.queue_label.setMinimumWidth(needed)

    def clear_details(self) -> None:
        self.name_label.clear()
        self.detail_label.clear()
        self.booking_label.clear()
        self._show_chips([])
        self._show_flags([])
        self.history_title.hide()

    def _show_chips(self, texts: list[str]) -> None:
        while len(self._chips) < len(texts):
            arrow = QLabel("→")
            arrow.setObjectName("historyArrow")
            chip = QLabel()
            chip.setObjectName("historyChip")
            self.history_box.addWidget(arrow)
            self.history_box.addWidget(chip)
            self._chips.append((arrow, chip))
        for i, (arrow, chip) in enumerate(self._chips):
            if i < len(texts):
                chip.setText(texts[i])
            arrow.setVisible(0 < i < len(texts))
            chip.setVisible(i < len(texts))

    def _show_flags(self, flags: list[Flag]) -> None:
        while len(self._flag_rows) < len(flags):
            row = FlagRow()
            self.flags_box.addWidget(row)
            self._flag_rows.append(row)
        for i, row in enumerate(self._flag_rows):
            if i < len(flags):
                row.show_flag(flags[i])
            row.setVisible(i < len(flags))

    def show_history(self, history_text: str, rules: RuleSetRegistry | None = None) -> None:
        """The dose-history timeline, oldest first (it may arrive after the card)."""
        items = history_items(history_text, rules) or [self.tr("無接種紀錄")]
        self._show_chips(["●  " + item for item in items])

    def history_texts(self) -> list[str]:
        return [chip.text() for _arrow, chip in self._chips if not chip.isHidden()]

    def flag_texts(self) -> list[str]:
        return [row.text_label.text() for row in self._flag_rows if not row.isHidden()]

    def _kind_word(self, kind: IdKind | None) -> str:
        if kind is IdKind.PASSPORT:
            return self.tr("護照")
        if kind in (IdKind.RESIDENT_OLD, IdKind.RESIDENT_NEW):
            return self.tr("居留證")
        return self.tr("身分證")

    def _typo_hint(self, value: str, error: str | None) -> str:
        if error != "checksum_mismatch":
            return self.tr("不是有效的證號，請對照證件重新掃描或輸入")
        swap = likely_swap(value)
        if swap is not None:
            return self.tr("檢查碼不符：第 {a}、{b} 碼可能前後對調").format(a=swap[0], b=swap[1])
        return self.tr("檢查碼不符：請對照證件逐碼核對（最常見是某一碼打錯）")

    def _age_words(self, age: timedelta) -> str:
        minutes = max(0, int(age.total_seconds() // 60))
        if minutes < 60:
            return self.tr("{n} 分鐘前").format(n=minutes)
        if minutes < 48 * 60:
            return self.tr("{n} 小時前").format(n=minutes // 60)
        return self.tr("{n} 天前").format(n=minutes // (24 * 60))

    def show_other_sites_age(self, age: timedelta | None, stale_after: timedelta) -> None:
        """Say how old the knowledge of other sites is (`age` None: never downloaded).

        Nothing is said while it is fresher than `stale_after` (the desk is online).
        """
        if age is not None and age <= stale_after:
            self.hide_other_sites_age()
            return
        words = self.tr("尚未下載") if age is None else self._age_words(age)
        self.other_sites_label.setText(self.tr("其他站資料：{age}").format(age=words))
        self.other_sites_label.show()

    def hide_other_sites_age(self) -> None:
        """No line about other sites (fresh, or a desk without a server)."""
        self.other_sites_label.clear()
        self.other_sites_label.hide()

    # -- states ---------------------------------------------------------------------------

    def show_idle(self, message: str | None = None) -> None:
        self.severity = "idle"
        self.person_id = None
        self.queue_label.clear()
        self.clear_details()
        self._set_banner("info", message or self.tr("請掃描身分證或健保卡條碼"))

    def show_already_checked_in(
        self, assessment: Assessment, day: date, rules: RuleSetRegistry | None = None
    ) -> str | None:
        """A person scanned again: their existing queue number large, on the info colour.

        Returns that queue number (None when the assessment has no such flag). Other
        flags (a refusal by the doctor, a dose already given) still show below.
        """
        first = next((f for f in assessment.flags if f.code == "ALREADY_CHECKED_IN"), None)
        if first is None:
            return None
        queue_number = str(first.data.get("queue_number", ""))
        rest = replace(assessment, flags=tuple(f for f in assessment.flags if f is not first))
        self.show_assessment(rest, day, queue_number=queue_number, rules=rules)
        self.severity = "already"
        self._set_banner(
            "info",
            self.tr("已報到過（{desk} 櫃台 {time}），報到號碼").format(
                desk=first.data.get("desk", ""), time=first.data.get("time", "")
            ),
        )
        return queue_number

    def show_assessment(
        self,
        assessment: Assessment,
        day: date,
        history_text: str | None = None,
        queue_number: str | None = None,
        status_text: str | None = None,
        rules: RuleSetRegistry | None = None,
    ) -> None:
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
        self._fit_queue_number(queue_number or "")
        self.queue_label.setText(queue_number or "")
        person = assessment.person
        check = assessment.id_check
        if person is not None:
            self.name_label.setText(person.name)
            age = age_on(person.birth_date, day)
            birth = person.birth_date.isoformat() if person.birth_date else self.tr("不詳")
            age_text = self.tr("不詳") if age is None else self.tr("{age} 歲").format(age=age)
            self.detail_label.setText(
                self.tr("{kind} {id}　出生 {birth}　{age}").format(
                    kind=self._kind_word(check.kind),
                    id=check.masked,
                    birth=birth,
                    age=age_text,
                )
            )
        elif not check.valid:
            # Not a valid ID, so nothing to hide: the characters as read, to compare.
            self.name_label.setText(check.normalized or check.input[:12])
            self.detail_label.setText(self._typo_hint(check.normalized, check.error))
        else:
            self.name_label.setText(f"{self._kind_word(check.kind)} {check.masked}")
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
        else:
            self.booking_label.clear()
        self.person_id = person.id_number if person is not None else None
        self.history_title.setVisible(person is not None)
        if person is None:
            self._show_chips([])
        elif history_text is None:
            self._show_chips([self.tr("讀取中…")])
        else:
            self.show_history(history_text, rules)
        self._show_flags(sorted(assessment.flags, key=lambda f: -f.severity.rank))
