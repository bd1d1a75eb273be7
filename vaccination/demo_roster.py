"""A synthetic mass-site roster for demos, benchmarks and tests, with a scenario for every flag.

`write_demo_roster` writes a CSV with the Tainan back-office headers (plus the optional
確診日期, 其他疫苗接種日 and 護照號碼 columns): one day at a mass site (08:00-12:00 and
13:30-17:30), a main site with most people and a few other sites, valid national IDs and some
resident certificates, Chinese names, 09xxxxxxxx phones, several products, dose
histories in the different spellings rosters use. Ordinary people are consistent (their
booked dose follows their history at safe intervals), so a scan during their slot at
their site shows no flag. Mixed in are the people of `DEMO_SCENARIOS`, each chosen to
raise one flag code of the assessment when scanned at `MAIN_SITE` on the roster day,
and three rows the import rejects or merges (unknown vaccine, unreadable birth date,
an exact duplicate row). The same seed writes the same file.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final

from vaccination.ids import make_national_id, make_resident_old_id
from vaccination.rocdate import format_roc, format_roc_slash

MAIN_SITE: Final[str] = "臺南市立體育館"
OTHER_SITES: Final[tuple[str, ...]] = ("永康國民運動中心", "新營體育館", "台南都會公園")
SLOT_STARTS: Final[tuple[time, ...]] = tuple(
    time(h, m)
    for h, m in ((8, 0), (9, 0), (10, 0), (11, 0), (13, 30), (14, 30), (15, 30), (16, 30))
)
HEADERS: Final[tuple[str, ...]] = (
    "序號", "姓名", "身分證字號", "出生年月日", "電話", "接種期別", "已接種疫苗", "接種地點",
    "接種時間", "接種疫苗", "已報到", "報到時間", "報到號碼", "醫生不同意", "確診日期",
    "其他疫苗接種日", "護照號碼",
)  # fmt: skip
ENCODINGS: Final[dict[str, str]] = {
    "utf-8-sig": "utf-8-sig",
    "utf-8": "utf-8",
    "big5": "cp950",  # what Excel on Traditional Chinese Windows writes as "Big5"
    "cp950": "cp950",
}
# The demo uses the products of the 2023 COVID-19 rule set (in force from this day).
EARLIEST_DAY: Final[date] = date(2023, 5, 1)


@dataclass(frozen=True)
class DemoScenario:
    """One person (or scan) of the demo roster and what scanning it at the main site shows."""

    key: str
    raw: str  # what to scan or type
    flags: tuple[str, ...]  # flag codes the assessment raises (worst first is not implied)
    title_zh: str
    title_en: str
    scan_at: time = time(9, 10)  # when to scan on the roster day for exactly these flags
    setup: str | None = None  # "checkin": check in once first; "refusal": doctor refuses first
    on_roster: bool = True


def _id(letter: str, sex: int, n: int) -> str:
    return make_national_id(letter, sex, 9_100_000 + n)


# Scenario people: ID numbers fixed so the GUI and the CLI can list them without a file.
DEMO_SCENARIOS: Final[list[DemoScenario]] = [
    DemoScenario("ok", _id("D", 1, 1), (), "一切正常：莫德納第 2 劑", "All clear: Moderna dose 2"),
    DemoScenario(
        "resident", _id("E", 8, 2), (), "新式居留證，一切正常",
        "New-form resident certificate, all clear",
    ),
    DemoScenario(
        "resident_old", make_resident_old_id("F", "C", 9_100_003), (),
        "舊式居留證，一切正常", "Old-form resident certificate, all clear",
    ),
    DemoScenario(
        "invalid_id", _id("D", 1, 4)[:-1] + str((int(_id("D", 1, 4)[-1]) + 1) % 10),
        ("INVALID_ID",), "檢查碼錯誤的證號", "ID number with a wrong check digit", on_roster=False,
    ),
    DemoScenario(
        "passport", "X98765432", ("UNCHECKED_ID",), "護照號碼（無檢查碼）",
        "Passport number (no checksum)",
    ),
    DemoScenario(
        "not_on_roster", _id("D", 2, 5), ("NOT_ON_ROSTER",), "不在名冊上",
        "Not on the roster", on_roster=False,
    ),
    DemoScenario(
        "wrong_date", _id("D", 2, 6), ("WRONG_DATE",), "預約明天", "Booked for tomorrow"
    ),
    DemoScenario(
        "wrong_site", _id("D", 1, 7), ("WRONG_SITE",), "預約在其他接種站",
        "Booked at another site",
    ),
    DemoScenario(
        "outside_slot", _id("D", 2, 8), ("OUTSIDE_SLOT",), "預約 16:30，上午就來報到",
        "Booked 16:30, arrives in the morning",
    ),
    DemoScenario(
        "too_young", _id("D", 1, 9), ("AGE_INELIGIBLE",), "10 歲預約成人 BNT",
        "10-year-old booked for adult BNT",
    ),
    DemoScenario(
        "no_birth_date", _id("D", 2, 10), ("AGE_UNKNOWN",), "名冊沒有出生日期",
        "No birth date on the roster",
    ),
    DemoScenario(
        "dose_done", _id("D", 1, 11), ("DOSE_SEQUENCE",), "預約第 2 劑，但已打過 2 劑",
        "Booked dose 2 but already had 2 doses",
    ),
    DemoScenario(
        "history_gap", _id("D", 2, 12), ("DOSE_HISTORY_GAP",), "預約第 3 劑，紀錄只有 1 劑",
        "Booked dose 3, record shows only 1 dose",
    ),
    DemoScenario(
        "dose_not_offered", _id("D", 1, 13), ("DOSE_NOT_OFFERED",), "次世代疫苗預約為第 1 劑",
        "Bivalent booster booked as dose 1",
    ),
    DemoScenario(
        "interval_short", _id("D", 2, 14), ("INTERVAL_TOO_SHORT",), "第 2 劑距第 1 劑僅 20 天",
        "Dose 2 only 20 days after dose 1",
    ),
    DemoScenario(
        "booster_early", _id("D", 1, 15), ("INTERVAL_TOO_SHORT",), "追加劑距上一劑僅 60 天",
        "Booster only 60 days after the last dose",
    ),
    DemoScenario(
        "brand_change", _id("D", 2, 16), ("BRAND_CHANGE",), "前兩劑 AZ，這次 BNT",
        "Two AZ doses, now BNT",
    ),
    DemoScenario(
        "recent_dose", _id("D", 1, 17), ("DOSE_SEQUENCE", "RECENT_DOSE"),
        "昨天剛打過（名冊仍列第 1 劑）", "Vaccinated yesterday (roster still says dose 1)",
    ),
    DemoScenario(
        "recent_infection", _id("D", 2, 18), ("RECENT_INFECTION",), "30 天前確診",
        "Confirmed infection 30 days ago",
    ),
    DemoScenario(
        "additional_dose", _id("D", 1, 19), ("ELIGIBILITY_UNCONFIRMED",),
        "預約基礎加強劑：請核對免疫不全證明", "Additional primary dose: check the proof",
    ),
    DemoScenario(
        "not_eligible", _id("D", 2, 25), ("DOSE_NOT_ELIGIBLE", "BRAND_CHANGE"),
        "3 歲打完 3 劑幼兒 BNT，預約幼兒次世代追加劑", "Age 3 after 3 infant BNT doses, "
        "booked for the infant bivalent booster",
    ),
    DemoScenario(
        "duplicate_booking", _id("D", 2, 20), ("DUPLICATE_BOOKING",), "另有一筆 3 天後的預約",
        "A second booking 3 days later",
    ),
    DemoScenario(
        "already_checked_in", _id("D", 1, 21), ("ALREADY_CHECKED_IN",), "報到後再掃一次",
        "Scanned again after check-in", setup="checkin",
    ),
    DemoScenario(
        "already_vaccinated", _id("D", 2, 22), ("ALREADY_VACCINATED",), "今天已在別處接種",
        "Already vaccinated today elsewhere",
    ),
    DemoScenario(
        "doctor_refused", _id("D", 1, 23), ("ALREADY_CHECKED_IN", "DOCTOR_NOT_APPROVED"),
        "醫生不同意後再掃描", "Scanned again after the doctor refused", setup="refusal",
    ),
    DemoScenario(
        "unknown_vaccine", _id("D", 2, 24), ("NOT_ON_ROSTER",),
        "名冊列寫了不認識的疫苗，匯入時被拒絕（UNKNOWN_PRODUCT 只在規則集停用某疫苗時出現）",
        "Roster row names an unknown vaccine and is rejected at import (UNKNOWN_PRODUCT only "
        "appears when a rule set no longer covers a product)",
    ),
]  # fmt: skip

SCENARIOS_BY_KEY: Final[dict[str, DemoScenario]] = {s.key: s for s in DEMO_SCENARIOS}

_SURNAMES: Final[str] = (
    "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余趙盧梁"
    "顏柯翁魏孫戴范方宋鄧杜傅侯曹薛丁卓馬董唐藍蔣石古紀姚連馮歐程湯田康姜汪白鄒尤巫黎涂嚴韓袁"
)
_GIVEN: Final[str] = (
    "志明俊傑建宏家豪冠宇承恩宗翰信宏美玲淑芬雅婷怡君佳蓉靜宜惠雯麗華秀英玉蘭美惠淑惠嘉玲"
    "文雄國華明德金龍建國振興春嬌月娥秀琴素珍宜庭品妤詩涵宇軒柏翰子晴欣怡婉婷瑞芳"
)
_LETTERS: Final[str] = "ABCDEFGHJKLMNPQRSTUVXYWZIO"

# (code, brand spellings a roster may use for its history)
_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "CoV_Moderna": ("CoV_Moderna", "莫德納", "Moderna"),
    "CoV_BNT": ("CoV_BNT", "BNT", "CoV_Pfizer/BNT", "輝瑞"),
    "CoV_AZ": ("CoV_AZ", "AZ"),
    "CoV_Novavax": ("CoV_Novavax", "Novavax"),
    "CoV_Moderna_BA45": ("莫德納次世代BA.4/5", "CoV_Moderna_BA45"),
    "CoV_BNT_Infant": ("幼兒BNT", "CoV_BNT_Infant"),
    "Flu": ("流感", "Flu"),
}
_SEPARATORS: Final[tuple[str, ...]] = ("；", "、", ", ", "\n", ";")


@dataclass(frozen=True)
class _Row:
    id_number: str
    name: str
    birth: date | None
    phone: str
    dose: int
    history: tuple[tuple[str, date], ...]
    site: str
    slot: datetime
    product: str
    infection: date | None = None
    dose_text: str | None = None  # the dose as written, when not a number (基礎加強劑)
    product_text: str | None = None  # as written, when not the code
    birth_text: str | None = None  # as written, when not a valid date
    passport: bool = False  # the number goes in the passport column, not the ID column


class _Writer:
    """Turns rows into the Tainan CSV cells in varied but readable spellings."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def date_text(self, d: date) -> str:
        pick = self.rng.random()
        if pick < 0.4:
            return d.isoformat()
        if pick < 0.6:
            return format_roc_slash(d)
        if pick < 0.8:
            return f"{d.year}/{d.month}/{d.day}"
        if pick < 0.9:
            return f"0{format_roc_slash(d)}"  # zero-padded ROC year: 0110/09/01
        return format_roc(d)

    def history_text(self, history: tuple[tuple[str, date], ...]) -> str:
        if not history:
            return ""
        sep = self.rng.choice(_SEPARATORS)
        parts = [f"{self.rng.choice(_SPELLINGS[c])} {self.date_text(d)}" for c, d in history]
        return sep.join(parts)

    def cells(self, number: int, row: _Row) -> list[str]:
        if row.birth_text is not None:
            birth = row.birth_text
        elif row.birth is None:
            birth = ""
        else:
            birth = format_roc(row.birth) if self.rng.random() < 0.85 else row.birth.isoformat()
        return [
            str(number),
            row.name,
            "" if row.passport else row.id_number,
            birth,
            row.phone,
            row.dose_text or (str(row.dose) if self.rng.random() < 0.7 else f"第{row.dose}劑"),
            self.history_text(row.history),
            row.site,
            row.slot.strftime("%Y-%m-%d %H:%M"),
            row.product_text or row.product,
            "",
            "",
            "",
            "",
            row.infection.isoformat() if row.infection else "",
            "",  # 其他疫苗接種日: no rule set in force since 2022 spaces other vaccines
            row.id_number if row.passport else "",
        ]


def _years_before(day: date, years: int, extra_days: int = 0) -> date:
    try:
        d = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        d = day.replace(year=day.year - years, day=28)
    return d - timedelta(days=extra_days)


class _People:
    """Draws ordinary people: unique IDs and names, consistent history and booking."""

    def __init__(self, rng: random.Random, day: date) -> None:
        self.rng = rng
        self.day = day
        self.used: set[str] = {s.raw for s in DEMO_SCENARIOS}

    def new_id(self) -> str:
        rng = self.rng
        while True:
            pick = rng.random()
            serial = rng.randrange(9_000_000)
            letter = rng.choice(_LETTERS)
            if pick < 0.02:
                value = make_national_id(letter, rng.choice((8, 9)), serial)
            elif pick < 0.03:
                value = make_resident_old_id(letter, rng.choice("ABCD"), serial)
            else:
                value = make_national_id(letter, rng.choice((1, 2)), serial)
            if value not in self.used:
                self.used.add(value)
                return value

    def name(self) -> str:
        rng = self.rng
        given = (
            rng.choice(_GIVEN) + rng.choice(_GIVEN) if rng.random() < 0.92 else rng.choice(_GIVEN)
        )
        return rng.choice(_SURNAMES) + given

    def phone(self) -> str:
        return f"09{self.rng.randrange(100_000_000):08d}"

    def ordinary(self) -> _Row:
        rng, day = self.rng, self.day
        age = rng.choice((rng.randint(18, 64), rng.randint(65, 92)))
        birth = _years_before(day, age, rng.randrange(365))
        product = rng.choices(
            ("CoV_Moderna", "CoV_BNT", "CoV_Novavax", "CoV_Moderna_BA45"), (40, 30, 10, 20)
        )[0]
        dose = rng.randint(3, 5) if product == "CoV_Moderna_BA45" else rng.randint(1, 4)
        prior = "CoV_Moderna" if product == "CoV_Moderna_BA45" else product
        history: list[tuple[str, date]] = []
        when = day - timedelta(days=rng.randint(100, 400))
        for _ in range(dose - 1):
            history.append((prior, when))
            when -= timedelta(days=rng.randint(90, 200))
        history.reverse()
        pick = rng.random()
        if pick < 0.75:
            site, slot_day = MAIN_SITE, day
        elif pick < 0.95:
            site, slot_day = rng.choice(OTHER_SITES), day
        else:
            site, slot_day = MAIN_SITE, day + timedelta(days=rng.randint(1, 6))
        slot = datetime.combine(slot_day, rng.choice(SLOT_STARTS))
        return _Row(
            self.new_id(), self.name(), birth, self.phone(), dose, tuple(history), site, slot,
            product,
        )  # fmt: skip


def _scenario_rows(day: date, people: _People) -> list[_Row]:
    """The rows of the on-roster scenarios, plus the rows the import rejects or merges."""
    s = SCENARIOS_BY_KEY
    nine = datetime.combine(day, time(9, 0))
    adult = _years_before(day, 45, 30)

    def ago(days: int) -> date:
        return day - timedelta(days=days)

    def row(key: str, **changes: Any) -> _Row:
        base = _Row(
            id_number=s[key].raw,
            name=people.name(),
            birth=adult,
            phone=people.phone(),
            dose=1,
            history=(),
            site=MAIN_SITE,
            slot=nine,
            product="CoV_Moderna",
        )
        return replace(base, **changes)

    twice = row("duplicate_booking")
    rows = [
        row("ok", dose=2, history=(("CoV_Moderna", ago(200)),)),
        row("resident", product="CoV_BNT"),
        row("resident_old", product="CoV_Novavax"),
        row("passport", name="Anna Schmidt", passport=True),
        row("wrong_date", slot=nine + timedelta(days=1)),
        row("wrong_site", site=OTHER_SITES[0]),
        row("outside_slot", slot=datetime.combine(day, time(16, 30))),
        row("too_young", birth=_years_before(day, 10, 40), product="CoV_BNT"),
        row("no_birth_date", birth=None),
        row("dose_done", dose=2, history=(("CoV_Moderna", ago(300)), ("CoV_Moderna", ago(200)))),
        row("history_gap", dose=3, history=(("CoV_Moderna", ago(200)),)),
        row("dose_not_offered", product="CoV_Moderna_BA45"),
        row("interval_short", dose=2, history=(("CoV_Moderna", ago(20)),)),
        row(
            "booster_early", product="CoV_BNT", dose=3,
            history=(("CoV_BNT", ago(200)), ("CoV_BNT", ago(60))),
        ),
        row(
            "brand_change", product="CoV_BNT", dose=3,
            history=(("CoV_AZ", ago(400)), ("CoV_AZ", ago(300))),
        ),
        row("recent_dose", history=(("CoV_Moderna", ago(1)),)),
        row(
            "recent_infection", dose=3, infection=ago(30),
            history=(("CoV_Moderna", ago(400)), ("CoV_Moderna", ago(300))),
        ),
        row(
            "additional_dose", dose=3, dose_text="基礎加強劑",
            history=(("CoV_Moderna", ago(300)), ("CoV_Moderna", ago(200))),
        ),
        row(
            "not_eligible", birth=_years_before(day, 3, 30), product="CoV_Moderna_BA45_Infant",
            dose=4, history=tuple(("CoV_BNT_Infant", ago(n)) for n in (400, 370, 300)),
        ),
        twice,
        replace(
            twice, site=OTHER_SITES[1],
            slot=datetime.combine(day + timedelta(days=3), time(14, 30)),
        ),
        row("already_checked_in"),
        row(
            "already_vaccinated", dose=2,
            history=(("CoV_Moderna", ago(200)), ("CoV_Moderna", day)),
        ),
        row("doctor_refused"),
        row("unknown_vaccine", product_text="XBB新冠疫苗"),
    ]  # fmt: skip
    # Rows the import reports: an unreadable birth date (rejected) and, added by the
    # caller, an exact repeat of the first ordinary row (merged with a note).
    rows.append(
        _Row(
            people.new_id(),
            people.name(),
            None,
            people.phone(),
            1,
            (),
            MAIN_SITE,
            nine,
            "CoV_Moderna",
            birth_text="0351341",
        )
    )
    return rows


def write_demo_roster(
    path: Path | str,
    people: int,
    day: date,
    encoding: str = "utf-8-sig",
    seed: int = 0,
) -> list[DemoScenario]:
    """Write a demo roster CSV of about `people` rows for `day`; returns the scenarios.

    `encoding` is "utf-8-sig" (Excel's UTF-8 with BOM), "utf-8", "big5" or "cp950".
    The scenarios are `DEMO_SCENARIOS`; the file always holds them, even when `people`
    is smaller. Deterministic: the same arguments write the same bytes.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    if day < EARLIEST_DAY:
        raise ValueError(f"the demo uses the 2023 rule set: day must be {EARLIEST_DAY} or later")
    rng = random.Random(seed)
    crowd = _People(rng, day)
    special = _scenario_rows(day, crowd)
    # One row of `people` is the planted exact repeat of an ordinary row.
    ordinary = [crowd.ordinary() for _ in range(max(0, people - len(special) - 1))]
    if ordinary:
        ordinary.insert(rng.randrange(len(ordinary) + 1), ordinary[0])  # an exact repeat row
    rows = ordinary
    for r in special:
        rows.insert(rng.randrange(len(rows) + 1), r)
    if not ordinary:
        rows = special
    writer_rng = random.Random(seed + 1)
    cells = _Writer(writer_rng)
    # The repeated row must repeat its cells exactly, so cells are made once per row object.
    made: dict[int, list[str]] = {}
    out = Path(path)
    with out.open("w", encoding=ENCODINGS[encoding], newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(HEADERS)
        for number, r in enumerate(rows, start=1):
            key = id(r)
            if key not in made:
                made[key] = cells.cells(number, r)
            line = made[key]
            w.writerow([str(number), *line[1:]])
    return list(DEMO_SCENARIOS)


def demo_scenario_lines(scenarios: list[DemoScenario] | None = None) -> list[str]:
    """One line per scenario for the CLI: what to scan, when, expected flags, description.

    Demo ID numbers are synthetic, so they are shown in full: they are what to type.
    """
    out = []
    for s in scenarios if scenarios is not None else DEMO_SCENARIOS:
        flags = ", ".join(s.flags) or "—"
        extra = {"checkin": "（先報到一次 / check in once first）",
                 "refusal": "（先報到並由醫師不同意 / check in, doctor refuses first）"}.get(
            s.setup or "", ""
        )  # fmt: skip
        out.append(f"{s.raw:<12} {s.scan_at:%H:%M} {flags:<40} {s.title_zh} / {s.title_en}{extra}")
    return out
