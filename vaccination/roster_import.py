"""Roster import: a CSV or XLSX file in, accepted entries and a row-by-row report out.

Every data row of the file ends in exactly one place of the `ImportReport`:

* `rows`: accepted, one `RosterEntry` (person, booking, dose history) each;
* `rejected`: with its row number (as Excel shows it: the header is row 1 when it is
  the first line) and the reasons in Traditional Chinese and English;
* `duplicate_rows`: an exact repeat of an earlier row (one booking is kept, a note says so);
* `blank_rows`: rows with no text at all, skipped;
* `repeated_headers`: copies of the header row (pages pasted together), skipped with a note.

A file that is not a roster at all sets `fatal_error` and has no rows.

Idempotency: a booking's identity is (ID number, site, slot day, product), the same
key the store upserts on (`station_app.store.importing.booking_key`), so importing one
file twice changes nothing, and a re-import with a moved slot updates the booking in
place. Two rows with the same identity but a different slot or dose contradict each
other: the first is kept and the later one is rejected with both row numbers.
The same person with several different bookings is one person; each of the bookings
carries the DUPLICATE_BOOKING flag and a note names the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Final, NamedTuple, cast

from vaccination.bulk import cyclic_gc_paused
from vaccination.dose_history import DoseHistoryParser, format_dose_history
from vaccination.ids import check_id, clean_valid_id, mask_id
from vaccination.models import Booking, DoseRecord, IdKind, Person
from vaccination.roster_cells import (
    Cell,
    CellError,
    DateReader,
    SlotReader,
    cell_text,
    clean_name,
    clean_phone,
    clean_text,
    name_key,
)
from vaccination.roster_columns import REQUIRED, HeaderMap, field_label, find_header
from vaccination.roster_files import (
    DEFAULT_LIMITS,
    REPLACEMENT,
    BadBytes,
    RosterFileError,
    RosterLimits,
    RosterSheet,
    read_sheet,
)
from vaccination.rules import Product, RuleSetRegistry, parse_dose_label

ProgressCallback = Callable[[int, int], None]  # (rows done, rows total)

PROGRESS_EVERY: Final[int] = 2000
DUPLICATE_BOOKING: Final[str] = "DUPLICATE_BOOKING"


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One accepted roster row: who, which booking, which doses they already had."""

    person: Person
    booking: Booking
    history: tuple[DoseRecord, ...] = ()
    history_text: str = ""  # the history as written in the file
    flags: tuple[str, ...] = ()  # flag codes known at import, e.g. ("DUPLICATE_BOOKING",)
    infection_date: date | None = None  # 確診日期
    other_vaccine_date: date | None = None  # 其他疫苗接種日
    infection_onset_date: date | None = None  # 發病日期 (the earlier of the two counts)


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported, with why (zh, en) and its cells (ID number masked)."""

    row_number: int
    reason_zh: str
    reason_en: str
    raw: dict[str, str]  # header -> cell text
    code: str = ""  # first reason's stable code, e.g. "INVALID_ID"

    @property
    def reason(self) -> str:
        """zh / en in one line."""
        return f"{self.reason_zh} / {self.reason_en}"


@dataclass(frozen=True)
class RowNote:
    """Something worth knowing about an imported (or merged) row."""

    row_number: int
    code: str  # DUPLICATE_BOOKING, DUPLICATE_ROW, PHONE_UNUSUAL, EXTRA_CELLS
    message_zh: str
    message_en: str

    @property
    def message(self) -> str:
        """zh / en in one line."""
        return f"{self.message_zh} / {self.message_en}"


@dataclass
class ImportReport:
    """The outcome of reading one roster file."""

    rows: list[RosterEntry] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    notes: list[RowNote] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str | None = None  # utf-8, utf-8-sig, cp950, big5hkscs, utf-16 or xlsx
    fatal_error: str | None = None  # "zh / en"; set only when nothing could be imported
    fatal_code: str | None = None
    fatal_error_zh: str = ""  # the two halves of fatal_error
    fatal_error_en: str = ""
    format: str | None = None  # csv, tsv or xlsx
    sheet_name: str | None = None
    header_row: int | None = None  # row number of the header
    columns: dict[str, str] = field(default_factory=dict)  # field -> header text
    ignored_columns: list[str] = field(default_factory=list)  # known, not imported
    total_rows: int = 0  # data rows after the header
    blank_rows: int = 0
    duplicate_rows: int = 0
    repeated_headers: int = 0  # copies of the header row inside the data, skipped

    @property
    def accepted(self) -> int:
        """Number of accepted rows."""
        return len(self.rows)

    def summary(self) -> str:
        """Two lines (zh, en) for a status bar or the CLI."""
        if self.fatal_error is not None:
            return self.fatal_error
        people = len({e.person.id_number for e in self.rows})
        zh = (
            f"匯入 {self.accepted} 筆（{people} 人），拒絕 {len(self.rejected)} 筆，"
            f"重複 {self.duplicate_rows} 筆，空白 {self.blank_rows} 列；編碼 {self.encoding}"
        )
        en = (
            f"Imported {self.accepted} rows ({people} people), rejected {len(self.rejected)}, "
            f"duplicates {self.duplicate_rows}, blank {self.blank_rows}; encoding {self.encoding}"
        )
        if self.unknown_columns:
            zh += "；未知欄位：" + "、".join(self.unknown_columns)
            en += "; unknown columns: " + ", ".join(self.unknown_columns)
        return f"{zh}\n{en}"


class RowError(ValueError):
    """A row (or a walk-in) that cannot become a booking; reasons in zh and en."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


def booking_identity(booking: Booking) -> tuple[str, str, date, str]:
    """Who, where, which day, which product: what makes two rows the same booking."""
    return (booking.id_number, booking.site, booking.slot_start.date(), booking.product)


def read_roster(
    path: Path | str,
    rules: RuleSetRegistry,
    progress: ProgressCallback | None = None,
    *,
    default_site: str | None = None,
    limits: RosterLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Read a roster file (CSV in UTF-8/Big5 or XLSX) into accepted entries and a report.

    `default_site` is the site of a list without a site column (a clinic's own session).
    A file beyond `limits` (bytes uncompressed, rows) is refused before it is parsed
    (`fatal_code` "too_large" or "too_many_rows"), so memory stays bounded.
    Never raises for bad input: a file that is not a roster sets `fatal_error`.
    """
    # Reading a 100,000-row CSV makes about two million objects, none of them garbage.
    try:
        with cyclic_gc_paused():
            sheet = read_sheet(path, limits)
    except RosterFileError as exc:
        report = ImportReport()
        _fatal(report, exc.code, exc.message_zh, exc.message_en)
        return report
    return import_sheet(sheet, rules, progress, default_site=default_site)


def import_sheet(
    sheet: RosterSheet,
    rules: RuleSetRegistry,
    progress: ProgressCallback | None = None,
    *,
    default_site: str | None = None,
) -> ImportReport:
    """Import rows already read from a file (see `roster_files.read_sheet`)."""
    report = ImportReport(encoding=sheet.encoding, format=sheet.format, sheet_name=sheet.sheet_name)
    texts = [[cell_text(c) for c in row] for row in sheet.rows[:30]]
    header = find_header(texts)
    if header is None:
        _fatal(
            report,
            "no_header",
            "找不到名冊的標題列（例如：姓名、身分證字號、接種地點、接種時間、接種疫苗、接種期別）；"
            "這個檔案可能不是名冊。",
            "No roster header row found (e.g. 姓名/name, 身分證字號/id_number, 接種地點/site, "
            "接種時間/slot, 接種疫苗/product, 接種期別/dose); this file may not be a roster.",
        )
        return report
    report.header_row = header.row_index + 1
    report.columns = dict(header.headers)
    report.unknown_columns = list(header.unknown)
    report.ignored_columns = list(header.ignored)
    if header.duplicates:
        field_name, first, second = header.duplicates[0]
        zh, en = field_label(field_name)
        _fatal(
            report,
            "duplicate_column",
            f"「{first}」與「{second}」都是{zh}欄，無法判斷要用哪一欄；請刪除其中一欄。",
            f"Both {first!r} and {second!r} are {en} columns; delete one of them.",
        )
        return report
    required = REQUIRED if default_site is None else tuple(f for f in REQUIRED if f != "site")
    missing = header.missing(required)
    if "slot" in missing and "slot_date" in header.columns:
        missing.remove("slot")
    if missing:
        labels = [field_label(f) for f in missing]
        _fatal(
            report,
            "missing_columns",
            "名冊缺少必要欄位：" + "、".join(zh for zh, _ in labels) + "。",
            "The roster lacks required column(s): "
            + ", ".join(f"{en} ({zh})" for zh, en in labels)
            + ".",
        )
        return report
    _RowImporter(sheet, header, rules, report, default_site).run(progress)
    if report.total_rows == report.blank_rows + report.repeated_headers:
        report.notes.clear()
        _fatal(
            report,
            "no_rows",
            "名冊只有標題列，沒有任何資料列；沒有匯入任何人。請確認匯出的是正確的檔案。",
            "The roster has a header but no data rows; nobody was imported. Check that the "
            "right file was exported.",
        )
    return report


def _join(parts: list[str], stop: str, separator: str) -> str:
    """Join sentences with one separator and one final stop (no "。；")."""
    return separator.join(p.rstrip(stop) for p in parts) + stop


def _fatal(report: ImportReport, code: str, zh: str, en: str) -> None:
    report.fatal_error = f"{zh} / {en}"
    report.fatal_code = code
    report.fatal_error_zh = zh
    report.fatal_error_en = en


_Problem = tuple[str, str, str]  # (code, zh, en)


class _BookingCells(NamedTuple):
    """What the booking cells of a row say (read once per distinct combination)."""

    site: str
    slot_start: datetime | None
    slot_end: datetime | None
    slot_day: date | None
    product: Product | None
    dose: int | None
    dose_label: str | None  # as written
    problems: tuple[_Problem, ...]


class _RowImporter:
    """One import run: caches of the cell readers and the duplicate bookkeeping."""

    def __init__(
        self,
        sheet: RosterSheet,
        header: HeaderMap,
        rules: RuleSetRegistry,
        report: ImportReport,
        default_site: str | None,
    ) -> None:
        self.sheet = sheet
        self.header = header
        self.rules = rules
        self.report = report
        self.default_site = clean_text(default_site) if default_site else None
        self.dates = DateReader()
        self.slots = SlotReader(self.dates)
        self.history = DoseHistoryParser(rules)
        self.products: dict[str, Product | None] = {}
        self.doses: dict[str, int | None] = {}
        self.dose_labels: dict[str, str] = {}
        self.sites: dict[str, str] = {}
        self.booking_cells: dict[tuple[Cell | None, ...], _BookingCells] = {}
        self.people: dict[str, tuple[int, Person, int]] = {}  # id -> first row, person, index
        # Booking identity -> its index in report.rows. Plain ints and tuples: one per row.
        self.bookings: dict[tuple[str, str, date, str], int] = {}
        self.rows_of_person: dict[str, list[int]] = {}  # indexes, only of people booked twice
        # Broken bytes are matched to rows in file order; those above the data are not rows.
        above = sum(
            v.count(REPLACEMENT)
            for row in sheet.rows[: header.row_index + 1]
            for v in row
            if isinstance(v, str)
        )
        self.bad_bytes = list(sheet.bad_bytes[above:]) if sheet.bad_bytes else []
        self.header_cells = [cell_text(c) for c in sheet.rows[header.row_index]]

    def run(self, progress: ProgressCallback | None) -> None:
        rows = self.sheet.rows
        first = self.header.row_index + 1
        total = len(rows) - first
        self.report.total_rows = total
        c = self.header.columns
        cols = (
            c.get("id_number"), c.get("name"), c.get("birth_date"), c.get("phone"),
            c.get("site"), c.get("slot"), c.get("slot_date"), c.get("product"), c.get("dose"),
            c.get("history"), c.get("infection_date"), c.get("other_vaccine_date"),
            c.get("passport"), c.get("infection_onset_date"),
        )  # fmt: skip
        need = max(i for i in cols if i is not None) + 1
        width = self.header.width
        text_only = self.sheet.format != "xlsx"
        row = self.row
        # About ten objects per row while holding the whole file (vaccination.bulk).
        with cyclic_gc_paused():
            for done, index in enumerate(range(first, len(rows)), start=1):
                cells = rows[index]
                if text_only:
                    blank = not "".join(cast("list[str]", cells)).strip()
                else:
                    blank = not any(not isinstance(v, str) or v.strip() for v in cells)
                if blank:
                    self.report.blank_rows += 1
                else:
                    if len(cells) < need:
                        cells = [*cells, *([""] * (need - len(cells)))]
                    row(index + 1, cells, cols, width)
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(done, total)
            self.finish()
        if progress is not None:
            progress(total, total)

    def raw(self, cells: list[Cell]) -> dict[str, str]:
        out: dict[str, str] = {}
        id_cols = {self.header.columns.get("id_number"), self.header.columns.get("passport")}
        for i, value in enumerate(cells):
            name = self.header_cells[i] if i < len(self.header_cells) else ""
            key = name or f"#{i + 1}"
            text = cell_text(value)
            if not text and not name:
                continue  # padding of a short row
            out[key] = mask_id(text) if i in id_cols else text
        return out

    def reject(self, row_number: int, cells: list[Cell], problems: list[_Problem]) -> None:
        self.report.rejected.append(
            RejectedRow(
                row_number=row_number,
                reason_zh=_join([p[1] for p in problems], "。", "；"),
                reason_en=_join([p[2] for p in problems], ".", "; "),
                raw=self.raw(cells),
                code=problems[0][0],
            )
        )

    def note(self, row_number: int, code: str, zh: str, en: str) -> None:
        self.report.notes.append(RowNote(row_number, code, zh, en))

    def row(
        self,
        row_number: int,
        cells: list[Cell],
        cols: tuple[int | None, ...],
        width: int,
    ) -> None:
        """Validate one non-blank row; accept it, merge it or reject it."""
        (c_id, c_name, c_birth, c_phone, c_site, c_slot, c_day, c_product, c_dose, c_hist,
         c_inf, c_other, c_passport, c_onset) = cols  # fmt: skip
        # Required columns exist: the header was checked before any row.
        assert c_name is not None and (c_id is not None or c_passport is not None)
        assert c_product is not None and c_dose is not None
        problems: list[_Problem] = []
        if self.bad_bytes and any(isinstance(v, str) and REPLACEMENT in v for v in cells):
            problems.append(self.bad_row(cells))

        # Identity: the ID column, else the passport column (the only place a passport
        # number is accepted: the file says what it is).
        id_col = c_id if c_id is not None else c_passport
        assert id_col is not None
        id_raw = str(cells[c_id]).strip() if c_id is not None else ""
        passport = not id_raw and c_passport is not None
        if passport:
            assert c_passport is not None
            id_raw = str(cells[c_passport]).strip()
            id_col = c_passport
        if (
            id_raw == self.header_cells[id_col]
            and str(cells[c_name]).strip() == self.header_cells[c_name]
        ):
            # Pages of a printout or several exports pasted into one file repeat the header.
            self.report.repeated_headers += 1
            self.note(
                row_number,
                "REPEATED_HEADER",
                "標題列重複出現（例如多頁合併），已略過。",
                "the header row appears again (e.g. pages pasted together); skipped",
            )
            return
        # The common case, a clean valid ID, needs no IdCheck; anything else gets the reason.
        id_number = "" if passport else clean_valid_id(id_raw) or ""
        if id_number:
            pass
        elif not id_raw:
            problems.append(("ID_MISSING", "身分證字號是空白的。", "the ID number is empty"))
        else:
            check = check_id(id_raw, IdKind.PASSPORT if passport else None)
            if check.valid:
                id_number = check.normalized
            else:
                problems.append(
                    (
                        "INVALID_ID",
                        f"身分證字號 {check.masked} 無效：{check.message_zh}",
                        f"ID number {check.masked} is invalid: {check.message_en}",
                    )
                )
        name = clean_name(str(cells[c_name]))
        if not name:
            problems.append(("NAME_MISSING", "姓名是空白的。", "the name is empty"))
        birth = None
        if c_birth is not None:
            birth = self.date_cell(
                cells[c_birth], "BAD_BIRTH_DATE", "出生年月日", "birth date", problems
            )
        phone, plausible = clean_phone(cells[c_phone]) if c_phone is not None else (None, True)

        # Booking: a roster has a few thousand distinct (site, slot, product, dose) cells
        # in 100,000 rows, so their reading (and its problems) is looked up once each.
        key = (
            cells[c_site] if c_site is not None else "",
            cells[c_slot] if c_slot is not None else None,
            cells[c_day] if c_day is not None else None,
            cells[c_product],
            cells[c_dose],
        )
        booking = self.booking_cells.get(key)
        if booking is None:
            booking = self.booking_cells[key] = self.read_booking_cells(*key)
        site, slot_start, slot_end, slot_day, product, dose, dose_label, booking_problems = booking
        if booking_problems:
            problems.extend(booking_problems)

        history_text = str(cells[c_hist]).strip() if c_hist is not None else ""
        history: tuple[DoseRecord, ...] = ()
        if history_text:
            history, bad = self.history.parse(history_text)
            for p in bad:
                problems.append(("BAD_HISTORY", p.reason_zh, p.reason_en))
        infection = onset = other = None
        if c_inf is not None and cells[c_inf]:
            infection = self.date_cell(
                cells[c_inf], "BAD_INFECTION_DATE", "確診日期", "infection date", problems
            )
        if c_onset is not None and cells[c_onset]:
            onset = self.date_cell(
                cells[c_onset], "BAD_INFECTION_DATE", "發病日期", "onset date", problems
            )
        if c_other is not None and cells[c_other]:
            other = self.date_cell(
                cells[c_other], "BAD_OTHER_VACCINE_DATE", "其他疫苗接種日", "other vaccine date",
                problems,
            )  # fmt: skip
        if birth is not None and slot_day is not None and birth > slot_day:
            problems.append(
                (
                    "BIRTH_AFTER_SLOT",
                    f"出生日期 {birth.isoformat()} 在接種日之後。",
                    f"birth date {birth.isoformat()} is after the slot day",
                )
            )
        if problems:
            self.reject(row_number, cells, problems)
            return
        assert slot_start is not None and slot_day is not None
        assert product is not None and dose is not None

        rows = self.report.rows
        index = len(rows)
        known = self.people.get(id_number)
        if known is None:
            person = Person(id_number, name, birth, phone)
            self.people[id_number] = (row_number, person, index)
        else:
            first_row, person, _ = known
            if name_key(person.name) != name_key(name) or (
                person.birth_date is not None and birth is not None and person.birth_date != birth
            ):
                problems.append(
                    (
                        "PERSON_CONFLICT",
                        f"身分證字號與第 {first_row} 列相同，但姓名或出生日期不同；"
                        "可能打錯證號，請核對。",
                        f"same ID number as row {first_row} but a different name or birth "
                        "date; the ID number may be mistyped",
                    )
                )
                self.reject(row_number, cells, problems)
                return
            if person.birth_date is None:
                person = Person(id_number, name, birth, phone)

        identity = (id_number, site, slot_day, product.code)
        seen = self.bookings.get(identity)
        if seen is not None:
            kept = rows[seen].booking
            kept_row = kept.row_number
            if (kept.slot_start, kept.slot_end, kept.dose) == (slot_start, slot_end, dose):
                self.report.duplicate_rows += 1
                self.note(
                    row_number,
                    "DUPLICATE_ROW",
                    f"與第 {kept_row} 列是同一筆預約（重複列），只保留一筆。",
                    f"same booking as row {kept_row} (a repeated row); kept once",
                )
                return
            problems.append(
                (
                    "BOOKING_CONFLICT",
                    f"與第 {kept_row} 列是同一人、同一天、同地點、同疫苗的預約，"
                    f"但時段或劑別不同（{kept.slot_start:%H:%M} 第{kept.dose}劑／"
                    f"{slot_start:%H:%M} 第{dose}劑）；"
                    f"已保留第 {kept_row} 列，請確認哪一筆正確。",
                    f"same person, day, site and vaccine as row {kept_row} but another "
                    f"slot or dose ({kept.slot_start:%H:%M} dose {kept.dose} / "
                    f"{slot_start:%H:%M} dose {dose}); row {kept_row} was kept, check "
                    "which one is right",
                )
            )
            self.reject(row_number, cells, problems)
            return

        if not plausible and phone:
            self.note(
                row_number,
                "PHONE_UNUSUAL",
                f"電話「{phone}」看起來不是台灣的電話號碼（已照原樣保留）。",
                f"phone {phone!r} does not look like a Taiwan number (kept as written)",
            )
        if len(cells) > width and any(cell_text(v) for v in cells[width:]):
            self.note(
                row_number,
                "EXTRA_CELLS",
                "這一列在標題以外的欄位還有資料，未匯入。",
                "this row has data beyond the header's columns; it was not imported",
            )
        self.bookings[identity] = index
        if known is not None:
            self.rows_of_person.setdefault(id_number, [known[2]]).append(index)
        rows.append(
            RosterEntry(
                person,
                Booking(
                    id_number,
                    site,
                    slot_start,
                    product.code,
                    dose,
                    slot_end,
                    dose_label,
                    row_number,
                ),
                history,
                history_text,
                (),
                infection,
                other,
                onset,
            )
        )

    def read_booking_cells(
        self,
        site_value: Cell,
        slot_value: Cell | None,
        day_value: Cell | None,
        product_value: Cell,
        dose_value: Cell,
    ) -> _BookingCells:
        """Site, slot, product and dose of a row, and their problems in report order."""
        problems: list[_Problem] = []
        site = self.site_cell(site_value)
        if not site:
            problems.append(("SITE_MISSING", "接種地點是空白的。", "the site is empty"))
        slot_start: datetime | None = None
        slot_end: datetime | None = None
        try:
            if slot_value is not None:
                slot_start, slot_end = self.slots.read(slot_value, day_value)
            elif day_value is not None:
                slot_start, slot_end = self.slots.read(day_value)
        except CellError as exc:
            problems.append(("BAD_SLOT", exc.reason_zh, exc.reason_en))
        product_text = str(product_value).strip()
        product = self.product_cell(product_text, problems)
        dose_text = str(dose_value).strip()
        dose = self.dose_cell(dose_text, problems)
        label = self.dose_labels.get(dose_text)
        slot_day = None if slot_start is None else slot_start.date()
        return _BookingCells(
            site, slot_start, slot_end, slot_day, product, dose, label, tuple(problems)
        )

    def bad_row(self, cells: list[Cell]) -> _Problem:
        count = sum(v.count(REPLACEMENT) for v in cells if isinstance(v, str))
        taken, self.bad_bytes = self.bad_bytes[:count], self.bad_bytes[count:]
        where = [b.describe() for b in taken] or [("位置不明", "position unknown")]
        return (
            "BAD_BYTES",
            "有無法解讀的位元組（UTF-8 與 Big5 都不符）：" + "、".join(zh for zh, _ in where),
            "bytes valid neither in UTF-8 nor in Big5: " + ", ".join(en for _, en in where),
        )

    def date_cell(
        self, value: Cell, code: str, zh: str, en: str, problems: list[_Problem]
    ) -> date | None:
        try:
            return self.dates.read(value)
        except CellError as exc:
            problems.append((code, f"{zh}{exc.reason_zh}", f"{en}: {exc.reason_en}"))
            return None

    def site_cell(self, value: Cell) -> str:
        text = str(value).strip()
        if not text:
            return self.default_site or ""
        site = self.sites.get(text)
        if site is None:
            site = clean_text(text)
            self.sites[text] = site
        return site

    def product_cell(self, text: str, problems: list[_Problem]) -> Product | None:
        if not text:
            problems.append(("PRODUCT_MISSING", "接種疫苗是空白的。", "the vaccine is empty"))
            return None
        if text in self.products:
            product = self.products[text]
        else:
            product = self.rules.resolve_product(text)
            self.products[text] = product
        if product is None:
            problems.append(
                ("UNKNOWN_PRODUCT", f"不認識的疫苗「{text}」。", f"unknown vaccine {text!r}")
            )
        return product

    def dose_cell(self, text: str, problems: list[_Problem]) -> int | None:
        if not text:
            problems.append(("DOSE_MISSING", "接種期別（劑別）是空白的。", "the dose is empty"))
            return None
        if text in self.doses:
            dose = self.doses[text]
        else:
            try:
                dose = parse_dose_label(text)
            except ValueError:
                dose = None
            self.doses[text] = dose
            self.dose_labels[text] = clean_text(text)
        if dose is None:
            problems.append(
                (
                    "BAD_DOSE",
                    f"看不懂的劑別「{text}」（例：1、第2劑、追加劑）。",
                    f"unreadable dose label {text!r} (e.g. 1, 第2劑, 追加劑)",
                )
            )
        return dose

    def finish(self) -> None:
        """Mark people with several bookings (DUPLICATE_BOOKING) on every one of them."""
        rows = self.report.rows
        for indexes in self.rows_of_person.values():
            if len(indexes) < 2:
                continue
            numbers = [rows[i].booking.row_number for i in indexes]
            for i in indexes:
                entry = rows[i]
                others = [str(n) for n in numbers if n != entry.booking.row_number]
                rows[i] = replace(entry, flags=(*entry.flags, DUPLICATE_BOOKING))
                self.note(
                    entry.booking.row_number or 0,
                    DUPLICATE_BOOKING,
                    f"此人另有預約（第 {'、'.join(others)} 列）。",
                    f"this person has other booking(s) (row {', '.join(others)})",
                )
        self.report.notes.sort(key=lambda n: n.row_number)


def validate_walk_in(
    *,
    person: Person,
    product: str,
    dose: int,
    history_text: str,
    site: str,
    slot_start: datetime,
    rules: RuleSetRegistry,
    id_kind: IdKind | None = None,
) -> RosterEntry:
    """Check a person added on the spot (增加人員) like an imported row; RowError if not valid.

    `id_kind` is the form's document type: `IdKind.PASSPORT` for a passport number (the
    only way one is accepted), None for a national ID or resident certificate.
    """
    check = check_id(person.id_number, id_kind)
    if not check.valid:
        label_zh, label_en = (
            ("護照號碼", "Passport number")
            if id_kind is IdKind.PASSPORT
            else ("身分證字號", "ID number")
        )
        raise RowError(
            "INVALID_ID",
            f"{label_zh} {check.masked} 無效：{check.message_zh}",
            f"{label_en} {check.masked} is invalid: {check.message_en}",
        )
    name = clean_name(person.name)
    if not name:
        raise RowError("NAME_MISSING", "請輸入姓名。", "Enter the name.")
    resolved = rules.resolve_product(product)
    if resolved is None:
        raise RowError(
            "UNKNOWN_PRODUCT", f"不認識的疫苗「{product}」。", f"Unknown vaccine {product!r}."
        )
    if dose < 1:
        raise RowError(
            "BAD_DOSE", f"劑別必須是 1 以上（{dose}）。", f"The dose must be 1 or more ({dose})."
        )
    if person.birth_date is not None and person.birth_date > slot_start.date():
        raise RowError(
            "BIRTH_AFTER_SLOT", "出生日期在今天之後。", "The birth date is in the future."
        )
    history, problems = DoseHistoryParser(rules).parse(history_text)
    if problems:
        raise RowError(
            "BAD_HISTORY",
            _join([p.reason_zh for p in problems], "。", "；"),
            _join([p.reason_en for p in problems], ".", "; "),
        )
    phone, _ = clean_phone(person.phone)
    return RosterEntry(
        person=Person(
            id_number=check.normalized, name=name, birth_date=person.birth_date, phone=phone
        ),
        booking=Booking(
            id_number=check.normalized,
            site=clean_text(site),
            slot_start=slot_start,
            product=resolved.code,
            dose=dose,
            dose_label=f"第{dose}劑",
            walk_in=True,
        ),
        history=history,
        history_text=format_dose_history(history) if history else "",
    )


__all__ = [
    "BadBytes",
    "ImportReport",
    "RejectedRow",
    "RosterEntry",
    "RowError",
    "RowNote",
    "booking_identity",
    "import_sheet",
    "read_roster",
    "validate_walk_in",
]
