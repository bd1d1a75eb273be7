"""The rules as the source documents state them (issue 16): one table test per case.

Each test quotes the passage of `/work/shared/reference/seeds/` it checks. Seed 000 is the
Tainan booking platform's document of 111-06-08 (2022-06-08); its eligibility page gives
cut-off dates for that day, so "完成第 1 劑 by 2022-04-13" means 56 days.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from vaccination.assessment import AssessmentInput, assess, interval_violation
from vaccination.ids import check_id
from vaccination.models import Booking, DoseRecord, Person, Severity
from vaccination.rules import (
    DEFAULT_RULES_DIR,
    DoseKind,
    RuleSetRegistry,
    load_rule_sets,
)

B, W, INF = Severity.BLOCK, Severity.WARN, Severity.INFO
ID = "A123456789"
SITE = "臺南市立體育館"
PAGE_DAY = date(2022, 6, 8)  # the day of seed 000's eligibility page


@pytest.fixture(scope="module")
def rules() -> RuleSetRegistry:
    return load_rule_sets()


@dataclass(frozen=True)
class Case:
    """One row of a table: a booking on `day` and the flags the desk must show."""

    name: str
    product: str
    dose: int
    history: tuple[tuple[str, date], ...]
    age: int | None  # years on `day`; None: no birth date on the roster
    flags: list[tuple[str, Severity]]
    day: date = PAGE_DAY
    label: str | None = None
    infection: date | None = None
    onset: date | None = None
    other_vaccine: date | None = None


def born(age: int, on: date) -> date:
    return on.replace(year=on.year - age) - timedelta(days=30)


def run(case: Case, rules: RuleSetRegistry) -> list[tuple[str, Severity]]:
    at = datetime.combine(case.day, datetime.min.time()).replace(hour=9, minute=10)
    birth = born(case.age, case.day) if case.age is not None else None
    booking = Booking(
        ID, SITE, at.replace(minute=0), case.product, case.dose, dose_label=case.label
    )
    inp = AssessmentInput(
        raw=ID,
        id_check=check_id(ID),
        person=Person(ID, "王小明", birth),
        bookings=(booking,),
        history=tuple(DoseRecord(p, d) for p, d in case.history),
        infection_date=case.infection,
        infection_onset_date=case.onset,
        other_vaccine_date=case.other_vaccine,
        site=SITE,
        at=at,
    )
    return [(f.code, f.severity) for f in assess(inp, rules).flags]


def days_before(n: int, day: date = PAGE_DAY) -> date:
    return day - timedelta(days=n)


def table(cases: list[Case]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", cases, ids=[c.name for c in cases])


# -- There is no 2022 rule set --------------------------------------------------------------

MID_2022 = date(2022, 7, 7)


@table(
    [
        Case("child BNT, age 8, dose 1", "CoV_BNT_Child", 1, (), 8, [], day=MID_2022),
        Case("child Moderna, age 7, dose 1", "CoV_Moderna_Child", 1, (), 7, [], day=MID_2022),
        Case(
            "child BNT dose 2 after 28 days", "CoV_BNT_Child", 2,
            (("CoV_BNT_Child", days_before(28, MID_2022)),), 8, [], day=MID_2022,
        ),
        Case(
            "Moderna booster after two AZ: mixing is allowed, shown only", "CoV_Moderna", 3,
            (("CoV_AZ", date(2021, 8, 1)), ("CoV_AZ", date(2021, 11, 1))), 40,
            [("BRAND_CHANGE", INF)], day=MID_2022,
        ),
        Case(
            "Medigen booster after two BNT", "CoV_Medigen", 3,
            (("CoV_BNT", date(2021, 10, 1)), ("CoV_BNT", date(2021, 11, 1))), 40,
            [("BRAND_CHANGE", INF)], day=MID_2022,
        ),
    ]
)  # fmt: skip
def test_a_2022_rule_set_covers_mid_2022(case: Case, rules: RuleSetRegistry) -> None:
    """Seed 000, 接種資格: "6-11 歲尚未接種者，得預約接種莫德納、兒童 BNT"; "預約追加劑 (第3劑)
    ... 得預約接種 BNT、莫德納或高端" (Medigen from 20). Seed 001 附件1: "2022年第1期 ...
    本期預定接種日期 2022-07-04至2022-07-10 ... 本期開放疫苗種類 BNT-兒童(5-11歲)
    莫德納-兒童(6-11歲)". Before, covid19_2021 was in force until 2023-05-01: the child's BNT
    was UNKNOWN_PRODUCT and the booster a BRAND_CHANGE block."""
    assert run(case, rules) == case.flags
    rs = rules.for_product(case.product, case.day)
    assert (rs.version, rs.effective_from) == ("2022.06", date(2022, 6, 8))


# -- Intervals by dose kind and age ---------------------------------------------------------

TWO_BNT_BY_MAY_11 = (("CoV_BNT", date(2022, 3, 1)), ("CoV_BNT", date(2022, 5, 11)))
TWO_BNT_BY_MARCH_16 = (("CoV_BNT", date(2021, 12, 1)), ("CoV_BNT", date(2022, 3, 16)))
TWO_BNT_BY_JAN_9 = (("CoV_BNT", date(2021, 10, 1)), ("CoV_BNT", date(2022, 1, 9)))
THREE_BY_JAN_9 = (
    ("CoV_AZ", date(2021, 6, 1)), ("CoV_AZ", date(2021, 8, 15)), ("CoV_Moderna", date(2022, 1, 9))
)  # fmt: skip


def one_day_later(history: tuple[tuple[str, date], ...]) -> tuple[tuple[str, date], ...]:
    *head, (product, last) = history
    return (*head, (product, last + timedelta(days=1)))


INTERVAL_CASES = [
    Case("AZ dose 1 on 04-13, dose 2 (56 days)", "CoV_Moderna", 2,
         (("CoV_AZ", date(2022, 4, 13)),), 40, [("BRAND_CHANGE", INF)]),
    Case("AZ dose 1 on 04-14, dose 2 (55 days)", "CoV_AZ", 2,
         (("CoV_AZ", date(2022, 4, 14)),), 40, [("INTERVAL_TOO_SHORT", B)]),
    Case("adult BNT dose 2 after 28 days", "CoV_BNT", 2,
         (("CoV_BNT", date(2022, 5, 11)),), 30, []),
    Case("adult Moderna dose 2 after 27 days", "CoV_Moderna", 2,
         (("CoV_Moderna", date(2022, 5, 12)),), 30, [("INTERVAL_TOO_SHORT", B)]),
    Case("teenager's Moderna dose 2 after 84 days", "CoV_Moderna", 2,
         (("CoV_Moderna", date(2022, 3, 16)),), 15, []),
    Case("teenager's BNT dose 2 after 83 days", "CoV_BNT", 2,
         (("CoV_BNT", date(2022, 3, 17)),), 15, [("INTERVAL_TOO_SHORT", B)]),
    Case("基礎加強劑 28 days after dose 2 (no booster's 84)", "CoV_Moderna", 3,
         TWO_BNT_BY_MAY_11, 40, [("ELIGIBILITY_UNCONFIRMED", W), ("BRAND_CHANGE", INF)],
         label="基礎加強劑"),
    Case("基礎加強劑 27 days after dose 2", "CoV_BNT", 3, one_day_later(TWO_BNT_BY_MAY_11), 40,
         [("INTERVAL_TOO_SHORT", B), ("ELIGIBILITY_UNCONFIRMED", W)], label="基礎加強劑"),
    Case("基礎加強劑 at 11", "CoV_BNT_Child", 3, TWO_BNT_BY_MAY_11, 11,
         [("DOSE_NOT_OFFERED", B), ("DOSE_NOT_ELIGIBLE", B)], label="基礎加強劑"),
    Case("the same dose 3 as a booster at 28 days", "CoV_BNT", 3, TWO_BNT_BY_MAY_11, 40,
         [("INTERVAL_TOO_SHORT", B)], label="追加劑"),
    Case("adult booster after 84 days", "CoV_BNT", 3, TWO_BNT_BY_MARCH_16, 40, []),
    Case("adult booster after 83 days", "CoV_BNT", 3, one_day_later(TWO_BNT_BY_MARCH_16), 40,
         [("INTERVAL_TOO_SHORT", B)]),
    Case("teenager's BNT booster after 150 days", "CoV_BNT", 3, TWO_BNT_BY_JAN_9, 16, []),
    Case("teenager's BNT booster after 129 days", "CoV_BNT", 3,
         (("CoV_BNT", date(2021, 10, 1)), ("CoV_BNT", date(2022, 1, 30))), 16,
         [("INTERVAL_TOO_SHORT", B)]),
    Case("teenager's Moderna booster", "CoV_Moderna", 3, TWO_BNT_BY_JAN_9, 16,
         [("DOSE_NOT_ELIGIBLE", B), ("BRAND_CHANGE", INF)]),
    Case("4th dose at 70 after 150 days", "CoV_Moderna", 4, THREE_BY_JAN_9, 70, []),
    Case("4th dose at 70 after 149 days", "CoV_Moderna", 4, one_day_later(THREE_BY_JAN_9), 70,
         [("INTERVAL_TOO_SHORT", B)]),
    Case("4th dose at 62: only if indigenous, staff confirm", "CoV_Moderna", 4, THREE_BY_JAN_9,
         62, [("ELIGIBILITY_UNCONFIRMED", W)]),
    Case("4th dose at 54", "CoV_Moderna", 4, THREE_BY_JAN_9, 54, [("DOSE_NOT_ELIGIBLE", B)]),
    Case("4th dose of AZ at 70", "CoV_AZ", 4, THREE_BY_JAN_9, 70,
         [("DOSE_NOT_ELIGIBLE", B), ("BRAND_CHANGE", INF)]),
    Case("2023: teenager's Moderna dose 2 after 35 days", "CoV_Moderna", 2,
         (("CoV_Moderna", date(2023, 5, 1)),), 15, [("INTERVAL_TOO_SHORT", B)],
         day=date(2023, 6, 5)),
    Case("2023: teenager's Moderna dose 2 after 84 days", "CoV_Moderna", 2,
         (("CoV_Moderna", date(2023, 3, 13)),), 15, [], day=date(2023, 6, 5)),
]  # fmt: skip


@table(INTERVAL_CASES)
def test_intervals_by_dose_kind_and_age(case: Case, rules: RuleSetRegistry) -> None:
    """Seed 000, 接種資格 (page of 2022-06-08): "接種第 2 劑 ... 於 2022年04月13日 (含) 前完成
    AZ 接種第 1 劑 ... 於 2022年05月11日 (含) 前接種莫德納第 1 劑 ... 12-17 歲，且於
    2022年03月16日 (含) 前完成 BNT 或莫德納接種第 1 劑者"; "預約基礎加強劑：於 2022年05月11日
    (含) 前接種完成 2 劑 ... 滿 12 歲之免疫不全、免疫力低下病人者 (請自備身份證明文件)";
    "預約追加劑 (第3劑)：於 2022年03月16日 (含) 前完成 2 劑 ... 滿 18 歲者 ... 12-17 歲，於
    2022年01月09日 (含) 前完成 2 劑 COVID-19 疫苗接種，得預約接種 BNT"; "預約追加劑第二劑
    (第4劑)：於 2022年01月09日 (含) 前完成 COVID-19 疫苗追加劑接種，且滿 65 歲長輩或年滿 55
    歲之原住民者，得預約接種 BNT、莫德納或高端". 附件9: BNT on 2022-04-05, a teenager's dose 2
    "可預約日期：2022/6/28 (含)以後" (84 days)."""
    assert run(case, rules) == case.flags


# -- Products of 2023 -------------------------------------------------------------------------

JUNE_2023 = date(2023, 6, 5)
TWO_INFANT_MODERNA = (
    ("CoV_Moderna_Infant", date(2022, 10, 1)), ("CoV_Moderna_Infant", date(2022, 11, 1))
)  # fmt: skip


@table(
    [
        Case("infant BA.4/5 booster at 3 after two infant Moderna", "CoV_Moderna_BA45_Infant", 3,
             TWO_INFANT_MODERNA, 3, [], day=JUNE_2023),
        Case("infant BA.4/5 booster at 5 after three infant BNT", "CoV_Moderna_BA45_Infant", 4,
             (("CoV_BNT_Infant", date(2022, 9, 1)), ("CoV_BNT_Infant", date(2022, 9, 22)),
              ("CoV_BNT_Infant", date(2022, 11, 20))), 5,
             [("BRAND_CHANGE", W)], day=JUNE_2023),
        Case("infant BA.4/5 booster at 4 after three infant BNT", "CoV_Moderna_BA45_Infant", 4,
             (("CoV_BNT_Infant", date(2022, 9, 1)), ("CoV_BNT_Infant", date(2022, 9, 22)),
              ("CoV_BNT_Infant", date(2022, 11, 20))), 4,
             [("DOSE_NOT_ELIGIBLE", B), ("BRAND_CHANGE", W)], day=JUNE_2023),
        Case("the 6-and-older BA.4/5 at 3", "CoV_Moderna_BA45", 3, TWO_INFANT_MODERNA, 3,
             [("AGE_INELIGIBLE", B)], day=JUNE_2023),
        Case("infant BNT dose 3", "CoV_BNT_Infant", 3,
             (("CoV_BNT_Infant", date(2023, 1, 1)), ("CoV_BNT_Infant", date(2023, 2, 1))), 2,
             [], day=JUNE_2023),
        Case("infant BNT dose 4", "CoV_BNT_Infant", 4,
             (("CoV_BNT_Infant", date(2022, 9, 1)), ("CoV_BNT_Infant", date(2022, 9, 22)),
              ("CoV_BNT_Infant", date(2022, 11, 20))), 3,
             [("DOSE_NOT_OFFERED", B)], day=JUNE_2023),
        Case("child Moderna dose 3", "CoV_Moderna_Child", 3,
             (("CoV_Moderna_Child", date(2022, 9, 1)), ("CoV_Moderna_Child", date(2022, 10, 1))),
             8, [("DOSE_NOT_OFFERED", B)], day=JUNE_2023),
    ]
)  # fmt: skip
def test_products_of_2023(case: Case, rules: RuleSetRegistry) -> None:
    """Seed 001 附件14: "5/16起提供滿6個月至未滿6歲幼兒Moderna 雙價疫苗(原BA.4/5)追加劑接種，
    本疫苗不適用於滿6個月至未滿5歲已完成3劑幼兒BNT基礎劑接種之幼兒"; "幼兒追加劑型
    莫德納次世代-BA.4/5 追加劑 6個月至未滿6歲完成2劑幼兒莫德納 5歲至未滿6歲完成兒童/幼兒BNT
    基礎劑者"; "兒童莫德納 基礎劑(2劑) 6歲至未滿12歲"; "幼兒BNT 基礎劑(3劑)"; 附件13:
    "幼兒BNT 6個月至未滿5歲(第1.2.3劑)"."""
    assert run(case, rules) == case.flags


def test_a_dose_the_product_does_not_have_says_which_it_has(rules: RuleSetRegistry) -> None:
    """Seed 001 附件13: "幼兒BNT 6個月至未滿5歲(第1.2.3劑)"."""
    case = Case(
        "infant BNT dose 4", "CoV_BNT_Infant", 4,
        tuple(("CoV_BNT_Infant", date(2022, m, 1)) for m in (1, 2, 4)), 3, [], day=JUNE_2023,
    )  # fmt: skip
    at = datetime(2023, 6, 5, 9, 10)
    booking = Booking(ID, SITE, at, case.product, case.dose)
    inp = AssessmentInput(
        raw=ID,
        id_check=check_id(ID),
        person=Person(ID, "王小明", born(3, JUNE_2023)),
        bookings=(booking,),
        history=tuple(DoseRecord(p, d) for p, d in case.history),
        site=SITE,
        at=at,
    )
    (flag,) = assess(inp, rules).flags
    assert flag.message_zh == "「BNT（幼兒）」不能作為第 4 劑（可接種劑次：1, 2, 3）。"


# -- Flu ----------------------------------------------------------------------------------------

FLU_DAY = date(2025, 11, 20)


@table(
    [
        Case("age 40, second dose of the season", "Flu", 2,
             (("Flu", date(2025, 10, 15)),), 40, [("DOSE_NOT_ELIGIBLE", B)], day=FLU_DAY),
        Case("age 5, first season, dose 2 after 4 weeks", "Flu", 2,
             (("Flu", date(2025, 10, 20)),), 5, [], day=FLU_DAY),
        Case("age 5, first season, dose 2 after 3 weeks", "Flu", 2,
             (("Flu", date(2025, 10, 31)),), 5, [("INTERVAL_TOO_SHORT", B)], day=FLU_DAY),
        Case("age 5, vaccinated last season too", "Flu", 2,
             (("Flu", date(2024, 10, 20)), ("Flu", date(2025, 10, 20))), 5,
             [("DOSE_NOT_ELIGIBLE", B)], day=FLU_DAY),
        Case("age 9, first season", "Flu", 2, (("Flu", date(2025, 10, 20)),), 9,
             [("DOSE_NOT_ELIGIBLE", B)], day=FLU_DAY),
        Case("age 1, first season, no birth date", "Flu_Child", 2,
             (("Flu_Child", date(2025, 10, 20)),), None,
             [("AGE_UNKNOWN", W), ("ELIGIBILITY_UNCONFIRMED", W)], day=FLU_DAY),
        Case("age 40, one dose this season", "Flu", 1, (("Flu", date(2024, 10, 15)),), 40, [],
             day=FLU_DAY),
    ]
)  # fmt: skip
def test_two_flu_doses_in_a_season_only_for_young_children_the_first_time(
    case: Case, rules: RuleSetRegistry
) -> None:
    """flu_2025.json's own note: "children under 9 getting their first flu vaccine: 2 doses
    4 weeks apart" (the seed documents list the flu vaccines, seed 003 "17. 流感疫苗 - 3歲以下
    幼兒流感疫苗 - 3歲以上幼兒流感疫苗 成人流感疫苗", but not their schedule)."""
    assert run(case, rules) == case.flags


# -- Vials --------------------------------------------------------------------------------------


def test_az_lots_come_in_8_and_10_dose_vials(rules: RuleSetRegistry) -> None:
    """Seed 002 第二章第二節 AstraZeneca: "每瓶為 8 劑型或 10 劑型"; "最小包裝為多劑型(8 或 10
    劑/瓶)". The product keeps a default (10); a lot says what it holds."""
    for on in (date(2021, 8, 1), date(2022, 7, 1), date(2023, 6, 1)):
        az = rules.for_product("CoV_AZ", on).product("CoV_AZ")
        assert az.doses_per_vial == 10
        assert [n for n in range(1, 12) if az.allows_vial_size(n)] == [8, 10]
    bnt = rules.product("CoV_BNT")
    assert [n for n in range(1, 12) if bnt.allows_vial_size(n)] == [6]


# -- Infection ----------------------------------------------------------------------------------


@table(
    [
        Case("confirmed 80 days ago", "CoV_BNT", 3, TWO_BNT_BY_MARCH_16, 40,
             [("RECENT_INFECTION", B)], infection=days_before(80)),
        Case("onset 90, confirmed 80 days ago: onset counts", "CoV_BNT", 3, TWO_BNT_BY_MARCH_16,
             40, [], infection=days_before(80), onset=days_before(90)),
        Case("only an onset date, 60 days ago", "CoV_BNT", 3, TWO_BNT_BY_MARCH_16, 40,
             [("RECENT_INFECTION", B)], onset=days_before(60)),
        Case("onset 84 days ago", "CoV_BNT", 3, TWO_BNT_BY_MARCH_16, 40, [],
             onset=days_before(84)),
    ]
)  # fmt: skip
def test_infection_counts_from_the_onset_or_the_confirmation(
    case: Case, rules: RuleSetRegistry
) -> None:
    """Seed 001 附件12: "曾確診為新冠病毒感染者,可自發病日或確診日起3個月後,再接種完成新冠疫苗
    接種"; 附件14: "曾確診者疫苗接種與確診日期需間隔3個月(84天)以上"."""
    assert run(case, rules) == case.flags


def test_the_infection_message_says_which_day_counted(rules: RuleSetRegistry) -> None:
    at = datetime(2022, 6, 8, 9, 10)
    inp = AssessmentInput(
        raw=ID,
        id_check=check_id(ID),
        person=Person(ID, "王小明", date(1980, 1, 1)),
        bookings=(Booking(ID, SITE, at, "CoV_BNT", 1),),
        infection_date=date(2022, 5, 20),
        infection_onset_date=date(2022, 5, 15),
        site=SITE,
        at=at,
    )
    (flag,) = assess(inp, rules).flags
    assert flag.message_zh == "2022-05-15 發病，需間隔 84 天，2022-08-07 起才能接種。"
    assert flag.data["counted_from"] == "onset"


# -- The 48-hour rule ---------------------------------------------------------------------------


@table(
    [
        Case("dose 2 the day after dose 1", "CoV_BNT", 2, (("CoV_BNT", days_before(1)),), 40,
             [("INTERVAL_TOO_SHORT", B), ("RECENT_DOSE", B)]),
        Case("mpox dose 2 the day after dose 1", "Mpox_JYNNEOS", 2,
             (("Mpox_JYNNEOS", date(2023, 6, 4)),), 30,
             [("INTERVAL_TOO_SHORT", B), ("RECENT_DOSE", B)], day=date(2023, 6, 5)),
        Case("dose 1 booked, a dose yesterday", "CoV_BNT", 1, (("CoV_BNT", days_before(1)),), 40,
             [("DOSE_SEQUENCE", B), ("RECENT_DOSE", B)]),
        Case("dose 2 two days after dose 1", "CoV_BNT", 2, (("CoV_BNT", days_before(2)),), 40,
             [("INTERVAL_TOO_SHORT", B)]),
    ]
)  # fmt: skip
def test_recent_dose_shows_whatever_the_interval_says(case: Case, rules: RuleSetRegistry) -> None:
    """Seed 000 注意事項: "您在 COVID-19 疫苗接種完畢的 48 小時內，都無法再次使用本次進行下次
    疫苗預約": a booking rule; at check-in the interval rules apply, and RECENT_DOSE is kept
    for a dose within 48 hours beside them."""
    assert run(case, rules) == case.flags


# -- Co-administration --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules_with_flu_in_2021(tmp_path_factory: pytest.TempPathFactory) -> RuleSetRegistry:
    """The shipped rule sets and a flu season of 2021 (only so that both can meet)."""
    folder = tmp_path_factory.mktemp("rules")
    for f in DEFAULT_RULES_DIR.glob("*.json"):
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    flu = json.loads((DEFAULT_RULES_DIR / "flu_2025.json").read_text(encoding="utf-8"))
    flu.update(version="2021-22", effective_from="2021-10-01")
    (folder / "flu_2021.json").write_text(json.dumps(flu, ensure_ascii=False), encoding="utf-8")
    return load_rule_sets(folder)


@table(
    [
        Case("2021: COVID-19 a week after a flu dose", "CoV_AZ", 2,
             (("CoV_AZ", date(2021, 8, 1)), ("Flu", date(2021, 10, 13))), 40,
             [("OTHER_VACCINE_RECENT", B)], day=date(2021, 10, 20)),
        Case("2021: flu a week after a COVID-19 dose", "Flu", 1,
             (("CoV_AZ", date(2021, 10, 13)),), 40, [("OTHER_VACCINE_RECENT", B)],
             day=date(2021, 10, 20)),
        Case("2021: flu 14 days after a COVID-19 dose", "Flu", 1,
             (("CoV_AZ", date(2021, 10, 6)),), 40, [], day=date(2021, 10, 20)),
        Case("2021: another vaccine (outside the rule sets) 5 days ago", "CoV_AZ", 2,
             (("CoV_AZ", date(2021, 8, 1)),), 40, [("OTHER_VACCINE_RECENT", B)],
             day=date(2021, 10, 20), other_vaccine=date(2021, 10, 15)),
        Case("2022: COVID-19 a week after a flu dose", "CoV_BNT", 3,
             (("CoV_BNT", date(2021, 12, 1)), ("CoV_BNT", date(2022, 3, 1)),
              ("Flu", date(2022, 10, 13))), 40, [], day=date(2022, 10, 20)),
        Case("2025: flu a week after a COVID-19 dose", "Flu", 1,
             (("CoV_BNT", date(2025, 11, 13)),), 40, [], day=date(2025, 11, 20)),
    ]
)  # fmt: skip
def test_co_administration_per_rule_set_both_ways(
    case: Case, rules_with_flu_in_2021: RuleSetRegistry
) -> None:
    """Seed 002 第二章 (each vaccine, 柒 接種注意事項): "本疫苗不得與其他疫苗同時接種，並與
    其他疫苗間隔至少 14 天". Seed 000 (2022) and seed 001 (2022-2023) name no spacing to
    other vaccines, so covid19_2022 and covid19_2023 have none; the 2021 plan's 14 days
    count both ways."""
    assert run(case, rules_with_flu_in_2021) == case.flags


def test_each_rule_set_states_whether_other_vaccines_matter(rules: RuleSetRegistry) -> None:
    spacing = {
        rs.version: (rs.general.other_vaccine_days, rs.sources.get("other_vaccine_days"))
        for rs in rules.versions("covid19")
    }
    assert spacing["2021.08"][0] == 14 and "14 天" in (spacing["2021.08"][1] or "")
    assert spacing["2022.06"][0] is None and "seed 000" in (spacing["2022.06"][1] or "")
    assert spacing["2023.05.2"][0] is None and "seed 001" in (spacing["2023.05.2"][1] or "")


# -- Sources ------------------------------------------------------------------------------------


def test_every_rule_carries_its_source(rules: RuleSetRegistry) -> None:
    """Issue 16: "Every rule carries its source (file, section) in the rule set"."""
    for rs in rules.rule_sets:
        rules_ = [*rs.products, *rs.intervals, *rs.eligibility]
        assert all(r.source.strip() for r in rules_), rs.version
        for key in ("recent_dose_hours", "infection_wait_days", "other_vaccine_days"):
            if getattr(rs.general, key) is not None:
                assert rs.sources.get(key), (rs.version, key)


# -- interval_violation: the same rule for the projection ---------------------------------------


@table([c for c in INTERVAL_CASES if c.age is not None])
def test_interval_violation_agrees_with_the_assessment(case: Case, rules: RuleSetRegistry) -> None:
    history = [DoseRecord(p, d) for p, d in reversed(case.history)]  # any order
    from vaccination.rules import dose_kind_of_label

    found = interval_violation(
        case.product,
        case.dose,
        case.day,
        born(case.age or 0, case.day),
        history,
        rules,
        kind=dose_kind_of_label(case.label),
    )
    assert (found is not None) == (("INTERVAL_TOO_SHORT", B) in case.flags)
    if found is not None:
        assert found.previous == max(history, key=lambda d: d.given_on)
        assert found.earliest == found.previous.given_on + timedelta(days=found.min_days)
        assert found.earliest > case.day


def test_interval_violation_details(rules: RuleSetRegistry) -> None:
    first = DoseRecord("CoV_BNT", date(2022, 5, 20), lot="FA1234")
    found = interval_violation("CoV_BNT", 2, PAGE_DAY, date(1990, 1, 1), [first], rules)
    assert found is not None
    assert (found.min_days, found.previous, found.earliest) == (28, first, date(2022, 6, 17))
    assert "seed 000" in found.rule.source
    # A dose of the same day, of another disease or before the season does not count.
    same_day = [DoseRecord("CoV_BNT", PAGE_DAY), DoseRecord("Flu", date(2022, 6, 1))]
    assert interval_violation("CoV_BNT", 2, PAGE_DAY, None, same_day, rules) is None
    flu_last_season = [DoseRecord("Flu", date(2025, 9, 30))]
    assert interval_violation("Flu", 2, date(2025, 10, 10), None, flu_last_season, rules) is None
    # Unknown products and days before any rule set: nothing to say.
    assert interval_violation("CoV_Sinovac", 2, PAGE_DAY, None, [first], rules) is None
    # 基礎加強劑 is told by its label only.
    two = [DoseRecord("CoV_BNT", date(2022, 3, 1)), DoseRecord("CoV_BNT", date(2022, 5, 11))]
    assert interval_violation("CoV_BNT", 3, PAGE_DAY, None, two, rules) is not None
    assert (
        interval_violation("CoV_BNT", 3, PAGE_DAY, None, two, rules, kind=DoseKind.ADDITIONAL)
        is None
    )


def test_the_readme_rule_table_is_generated_from_the_rule_sets(rules: RuleSetRegistry) -> None:
    """Issue 16: "the README's rule table is generated from the rule sets";
    `python scripts/rule_table.py` rewrites it."""
    from vaccination.rule_table import README_BEGIN, README_END, rule_table_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index(README_BEGIN) + len(README_BEGIN)
    end = readme.index(README_END)
    assert readme[start:end].strip() == rule_table_markdown(rules).strip()
