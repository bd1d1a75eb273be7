"""The assessment a clerk sees after a scan: one table of desk scenarios for every flag code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import pytest

from vaccination.assessment import (
    AssessmentInput,
    age_in_months,
    assess,
    pick_booking,
    site_key,
)
from vaccination.flags import CATALOGUE
from vaccination.ids import check_id
from vaccination.models import (
    Booking,
    CheckinFact,
    DoctorRefusal,
    DoseRecord,
    IdKind,
    Person,
    Severity,
)
from vaccination.rules import RuleSetRegistry, load_rule_sets

B, W, INF = Severity.BLOCK, Severity.WARN, Severity.INFO
SITE = "台南都會公園"
OTHER_SITE = "新營體育場"
ID = "A123456789"
NOW = datetime(2026, 11, 22, 9, 10)


@pytest.fixture(scope="module")
def rules() -> RuleSetRegistry:
    return load_rule_sets()


def booking(
    product: str = "CoV_BNT",
    dose: int = 1,
    at: datetime = datetime(2026, 11, 22, 9, 0),
    site: str = SITE,
    end: datetime | None = datetime(2026, 11, 22, 10, 0),
) -> Booking:
    return Booking(ID, site, at, product, dose, slot_end=end)


def base(**changes: Any) -> AssessmentInput:
    inp = AssessmentInput(
        raw=ID,
        id_check=check_id(ID),
        person=Person(ID, "王小明", date(1980, 5, 1), "0912345678"),
        bookings=(booking(),),
        site=SITE,
        at=NOW,
    )
    return replace(inp, **changes)


def born(d: date) -> Person:
    return Person(ID, "王小明", d)


def dose(product: str, d: date) -> DoseRecord:
    return DoseRecord(product, d)


@dataclass(frozen=True)
class Scenario:
    name: str
    inp: Callable[[], AssessmentInput]
    flags: list[tuple[str, Severity]]
    data: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> expected subset


SCENARIOS = [
    Scenario("clean first dose", lambda: base(), []),
    Scenario(
        "mistyped ID",
        lambda: base(raw="A123456788", id_check=check_id("A123456788")),
        [("INVALID_ID", B)],
        {"INVALID_ID": {"error": "checksum_mismatch", "id_masked": "A12****788"}},
    ),
    Scenario(
        "passport of a foreign visitor",
        lambda: base(raw="TK1234567", id_check=check_id("TK1234567", IdKind.PASSPORT)),
        [("UNCHECKED_ID", INF)],
    ),
    Scenario(
        "nobody with this number",
        lambda: base(person=None, bookings=()),
        [("NOT_ON_ROSTER", B)],
        {"NOT_ON_ROSTER": {"reason": "no_person", "id_masked": "A12****789"}},
    ),
    Scenario(
        "person known but no booking",
        lambda: base(bookings=()),
        [("NOT_ON_ROSTER", B)],
        {"NOT_ON_ROSTER": {"reason": "no_booking"}},
    ),
    Scenario(
        "the only booking was cancelled",
        lambda: base(bookings=(), cancelled_bookings=(booking(),)),
        [("BOOKING_CANCELLED", B)],
        {"BOOKING_CANCELLED": {"booked_date": "2026-11-22", "id_masked": "A12****789"}},
    ),
    Scenario(
        "a cancelled booking does not hide the live one",
        lambda: base(cancelled_bookings=(booking(at=datetime(2026, 11, 22, 14, 0)),)),
        [],
    ),
    Scenario(
        "booked here tomorrow",
        lambda: base(bookings=(booking(at=datetime(2026, 11, 23, 9, 0), end=None),)),
        [("WRONG_DATE", B)],
        {"WRONG_DATE": {"booked_date": "2026-11-23", "booked_time": "09:00"}},
    ),
    Scenario(
        "booked today at another site",
        lambda: base(bookings=(booking(site=OTHER_SITE),)),
        [("WRONG_SITE", B)],
        {"WRONG_SITE": {"booked_site": OTHER_SITE, "site": SITE}},
    ),
    Scenario(
        "booked elsewhere on another day",
        lambda: base(bookings=(booking(site=OTHER_SITE, at=datetime(2026, 11, 20, 8, 0)),)),
        [("WRONG_SITE", B), ("WRONG_DATE", B)],
        {"WRONG_DATE": {"booked_date": "2026-11-20"}},
    ),
    Scenario(
        "an hour early",
        lambda: base(at=datetime(2026, 11, 22, 8, 0)),
        [("OUTSIDE_SLOT", W)],
        {"OUTSIDE_SLOT": {"direction": "early", "minutes": 60, "slot": "09:00-10:00"}},
    ),
    Scenario("thirty minutes early is fine", lambda: base(at=datetime(2026, 11, 22, 8, 30)), []),
    Scenario(
        "late the same day",
        lambda: base(at=datetime(2026, 11, 22, 14, 5)),
        [("OUTSIDE_SLOT", INF)],
        {"OUTSIDE_SLOT": {"direction": "late", "minutes": 245}},
    ),
    Scenario(
        "slot without an end lasts the rule set's default hour",
        lambda: base(bookings=(booking(end=None),), at=datetime(2026, 11, 22, 10, 1)),
        [("OUTSIDE_SLOT", INF)],
        {"OUTSIDE_SLOT": {"minutes": 1, "slot": "09:00-10:00"}},
    ),
    Scenario(
        "a walk-in added on the spot has no slot to miss",
        lambda: base(
            bookings=(replace(booking(), walk_in=True),), at=datetime(2026, 11, 22, 16, 0)
        ),
        [],
    ),
    Scenario(
        "ten-year-old booked for adult BNT",
        lambda: base(person=born(date(2016, 3, 1))),
        [("AGE_INELIGIBLE", B)],
        {"AGE_INELIGIBLE": {"age_months": 128, "min_age_months": 144, "product": "CoV_BNT"}},
    ),
    Scenario(
        "AZ one day before the 18th birthday",
        lambda: base(person=born(date(2008, 11, 23)), bookings=(booking("CoV_AZ"),)),
        [("AGE_INELIGIBLE", B)],
        {"AGE_INELIGIBLE": {"age_months": 215}},
    ),
    Scenario(
        "AZ on the 18th birthday",
        lambda: base(person=born(date(2008, 11, 22)), bookings=(booking("CoV_AZ"),)),
        [],
    ),
    Scenario(
        "child BNT on the 12th birthday is too old",
        lambda: base(person=born(date(2014, 11, 22)), bookings=(booking("CoV_BNT_Child"),)),
        [("AGE_INELIGIBLE", B)],
        {"AGE_INELIGIBLE": {"age_months": 144, "max_age_months": 144}},
    ),
    Scenario(
        "infant Moderna at five months",
        lambda: base(person=born(date(2026, 6, 10)), bookings=(booking("CoV_Moderna_Infant"),)),
        [("AGE_INELIGIBLE", B)],
        {"AGE_INELIGIBLE": {"age_months": 5, "min_age_months": 6}},
    ),
    Scenario(
        "no birth date on the roster",
        lambda: base(person=Person(ID, "王小明", None)),
        [("AGE_UNKNOWN", W)],
    ),
    Scenario(
        "dose 1 booked but a dose is on record",
        lambda: base(history=(dose("CoV_BNT", date(2026, 6, 1)),)),
        [("DOSE_SEQUENCE", B)],
        {"DOSE_SEQUENCE": {"dose": 1, "doses_had": 1, "disease": "covid19"}},
    ),
    Scenario(
        "booster booked with no doses on record",
        lambda: base(bookings=(booking(dose=3),)),
        [("DOSE_HISTORY_GAP", W)],
        {"DOSE_HISTORY_GAP": {"dose": 3, "doses_had": 0}},
    ),
    Scenario(
        "booster-only vaccine booked as first dose",
        lambda: base(bookings=(booking("CoV_Moderna_BA45", dose=1),)),
        [("DOSE_NOT_OFFERED", B)],
        {"DOSE_NOT_OFFERED": {"allowed": "3, 4, 5, 6"}},
    ),
    Scenario(
        "BNT second dose after 21 days",
        lambda: base(bookings=(booking(dose=2),), history=(dose("CoV_BNT", date(2026, 11, 1)),)),
        [("INTERVAL_TOO_SHORT", B)],
        {
            "INTERVAL_TOO_SHORT": {
                "earliest": "2026-11-29",
                "last_dose": "2026-11-01",
                "min_days": 28,
            }
        },
    ),
    Scenario(
        "BNT second dose on day 28",
        lambda: base(bookings=(booking(dose=2),), history=(dose("CoV_BNT", date(2026, 10, 25)),)),
        [],
    ),
    Scenario(
        "AZ second dose after 30 days",
        lambda: base(
            bookings=(booking("CoV_AZ", dose=2),), history=(dose("CoV_AZ", date(2026, 10, 23)),)
        ),
        [("INTERVAL_TOO_SHORT", B)],
        {"INTERVAL_TOO_SHORT": {"earliest": "2026-12-18", "min_days": 56}},
    ),
    Scenario(
        "teenager's BNT second dose: 12 weeks as in the Tainan example (04-05 -> 06-28)",
        lambda: base(
            person=born(date(2012, 1, 1)),
            bookings=(booking(dose=2, at=datetime(2026, 6, 27, 9, 0), end=None),),
            history=(dose("CoV_BNT", date(2026, 4, 5)),),
            at=datetime(2026, 6, 27, 9, 10),
        ),
        [("INTERVAL_TOO_SHORT", B)],
        {"INTERVAL_TOO_SHORT": {"earliest": "2026-06-28", "min_days": 84}},
    ),
    Scenario(
        "dose on record yesterday, dose 1 booked again",
        lambda: base(history=(dose("CoV_BNT", date(2026, 11, 21)),)),
        [("DOSE_SEQUENCE", B), ("RECENT_DOSE", B)],
        {"RECENT_DOSE": {"last_dose": "2026-11-21", "earliest": "2026-11-23", "hours": 48}},
    ),
    Scenario(
        "confirmed infection 52 days ago",
        lambda: base(infection_date=date(2026, 10, 1)),
        [("RECENT_INFECTION", B)],
        {"RECENT_INFECTION": {"earliest": "2026-12-24", "days": 84}},
    ),
    Scenario(
        "confirmed infection exactly 84 days ago",
        lambda: base(infection_date=date(2026, 8, 30)),
        [],
    ),
    Scenario(
        "2021 plan: another vaccine a week ago (rule-set severity override)",
        lambda: base(
            bookings=(booking(at=datetime(2021, 8, 10, 9, 0), end=None),),
            other_vaccine_date=date(2021, 8, 3),
            at=datetime(2021, 8, 10, 9, 10),
        ),
        [("OTHER_VACCINE_RECENT", B)],
        {"OTHER_VACCINE_RECENT": {"other_date": "2021-08-03", "earliest": "2021-08-17"}},
    ),
    Scenario(
        "2023 rules: another vaccine a week ago does not matter",
        lambda: base(other_vaccine_date=date(2026, 11, 15)),
        [],
    ),
    Scenario(
        "2023 rules: a flu vaccine from the history two days ago does not matter",
        lambda: base(history=(dose("Flu", date(2026, 11, 20)),)),
        [],
    ),
    Scenario(
        "基礎加強劑: only for the immunocompromised, staff confirm the proof",
        lambda: base(
            bookings=(replace(booking(dose=3), dose_label="基礎加強劑"),),
            history=(dose("CoV_BNT", date(2026, 6, 1)), dose("CoV_BNT", date(2026, 10, 1))),
        ),
        [("ELIGIBILITY_UNCONFIRMED", W)],
        {"ELIGIBILITY_UNCONFIRMED": {"dose_kind": "additional", "dose": 3}},
    ),
    Scenario(
        "infant BA.4/5 booster after three infant BNT doses at age 3",
        lambda: base(
            person=born(date(2023, 5, 1)),
            bookings=(booking("CoV_Moderna_BA45_Infant", dose=4),),
            history=tuple(
                dose("CoV_BNT_Infant", d)
                for d in (date(2024, 1, 1), date(2024, 2, 1), date(2024, 4, 1))
            ),
        ),
        [("DOSE_NOT_ELIGIBLE", B), ("BRAND_CHANGE", W)],
        {"DOSE_NOT_ELIGIBLE": {"product": "CoV_Moderna_BA45_Infant", "dose": 4}},
    ),
    Scenario(
        "Moderna booster after two BNT",
        lambda: base(
            bookings=(booking("CoV_Moderna", dose=3),),
            history=(dose("CoV_BNT", date(2026, 1, 5)), dose("CoV_BNT", date(2026, 2, 10))),
        ),
        [("BRAND_CHANGE", W)],
        {"BRAND_CHANGE": {"previous_product": "CoV_BNT", "product": "CoV_Moderna"}},
    ),
    Scenario(
        "child BNT after infant BNT is the same brand",
        lambda: base(
            person=born(date(2021, 1, 1)),
            bookings=(booking("CoV_BNT_Child", dose=4),),
            history=tuple(
                dose("CoV_BNT_Infant", d)
                for d in (date(2023, 1, 1), date(2023, 2, 1), date(2023, 4, 1))
            ),
        ),
        [],
    ),
    Scenario(
        "2021 plan: mixing brands is refused (rule-set severity override)",
        lambda: base(
            bookings=(booking("CoV_Moderna", dose=2, at=datetime(2021, 8, 10, 9, 0), end=None),),
            history=(dose("CoV_AZ", date(2021, 6, 1)),),
            at=datetime(2021, 8, 10, 9, 10),
        ),
        [("BRAND_CHANGE", B)],
    ),
    Scenario(
        "booked twice (LINE and phone)",
        lambda: base(
            bookings=(booking(), booking(at=datetime(2026, 12, 1, 14, 0), site=OTHER_SITE))
        ),
        [("DUPLICATE_BOOKING", INF)],
        {"DUPLICATE_BOOKING": {"count": 1, "dates": ["2026-12-01"]}},
    ),
    Scenario(
        "a past booking is no duplicate",
        lambda: base(bookings=(booking(), booking(at=datetime(2026, 10, 1, 9, 0)))),
        [],
    ),
    Scenario(
        "already checked in at desk B",
        lambda: base(checkins=(CheckinFact(SITE, "B", "B012", datetime(2026, 11, 22, 8, 55)),)),
        [("ALREADY_CHECKED_IN", B)],
        {"ALREADY_CHECKED_IN": {"queue_number": "B012", "desk": "B", "time": "08:55"}},
    ),
    Scenario(
        "an undone check-in and yesterday's do not count",
        lambda: base(
            checkins=(
                CheckinFact(SITE, "B", "B012", datetime(2026, 11, 22, 8, 55), undone=True),
                CheckinFact(SITE, "A", "A003", datetime(2026, 11, 21, 8, 55)),
            )
        ),
        [],
    ),
    Scenario(
        "vaccinated today already",
        lambda: base(vaccinated_today=True),
        [("ALREADY_VACCINATED", B)],
        {"ALREADY_VACCINATED": {"today": "2026-11-22"}},
    ),
    Scenario(
        "vaccinated today and no booking left",
        lambda: base(bookings=(), vaccinated_today=True),
        [("ALREADY_VACCINATED", B), ("NOT_ON_ROSTER", B)],
    ),
    Scenario(
        "vaccinated today, also in the history: said once",
        lambda: base(vaccinated_today=True, history=(dose("CoV_BNT", date(2026, 11, 22)),)),
        [("ALREADY_VACCINATED", B)],
    ),
    Scenario(
        "today's dose in the history hides nothing else and repeats nothing",
        lambda: base(history=(dose("CoV_BNT", date(2026, 11, 22)),)),
        [("ALREADY_VACCINATED", B)],
    ),
    Scenario(
        "doctor said no this morning",
        lambda: base(refusals=(DoctorRefusal(SITE, datetime(2026, 11, 22, 8, 40), "發燒"),)),
        [("DOCTOR_NOT_APPROVED", B)],
        {"DOCTOR_NOT_APPROVED": {"reason": "發燒", "time": "08:40"}},
    ),
    Scenario(
        "booked product no rule set knows",
        lambda: base(bookings=(booking("CoV_Sinovac"),)),
        [("UNKNOWN_PRODUCT", B)],
        {"UNKNOWN_PRODUCT": {"product": "CoV_Sinovac"}},
    ),
    Scenario(
        "mpox second dose after three weeks",
        lambda: base(
            bookings=(booking("Mpox_JYNNEOS", dose=2),),
            history=(dose("Mpox_JYNNEOS", date(2026, 11, 1)),),
        ),
        [("INTERVAL_TOO_SHORT", B)],
        {"INTERVAL_TOO_SHORT": {"earliest": "2026-11-29", "min_days": 28}},
    ),
    Scenario(
        "flu: last season's dose does not count",
        lambda: base(bookings=(booking("Flu"),), history=(dose("Flu", date(2026, 9, 20)),)),
        [],
    ),
    Scenario(
        "flu: this season's dose counts",
        lambda: base(bookings=(booking("Flu"),), history=(dose("Flu", date(2026, 10, 2)),)),
        [("DOSE_SEQUENCE", B)],
    ),
    Scenario(
        "many findings at once, worst first",
        lambda: base(
            person=born(date(2016, 3, 1)),
            at=datetime(2026, 11, 22, 7, 0),
            history=(dose("CoV_BNT", date(2026, 11, 21)),),
            checkins=(CheckinFact(SITE, "A", "A001", datetime(2026, 11, 22, 6, 59)),),
        ),
        [
            ("ALREADY_CHECKED_IN", B),
            ("AGE_INELIGIBLE", B),
            ("DOSE_SEQUENCE", B),
            ("RECENT_DOSE", B),
            ("OUTSIDE_SLOT", W),
        ],
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_desk_scenarios(scenario: Scenario, rules: RuleSetRegistry) -> None:
    result = assess(scenario.inp(), rules)
    assert [(f.code, f.severity) for f in result.flags] == scenario.flags
    by_code = {f.code: f for f in result.flags}
    for code, expected in scenario.data.items():
        actual = by_code[code].data
        assert {k: actual.get(k) for k in expected} == expected
    for f in result.flags:
        # Every message is filled in and bilingual.
        assert not re.search(r"\{\w+\}", f.message_zh + f.message_en), f
        assert any("\u4e00" <= c <= "\u9fff" for c in f.message_zh)
        # Data is stored in events: plain JSON values only, never a full ID number.
        assert ID not in repr(f.data)


def test_every_catalogue_code_has_a_scenario() -> None:
    covered = {code for s in SCENARIOS for code, _ in s.flags}
    assert covered == set(CATALOGUE)


def test_messages_carry_the_facts(rules: RuleSetRegistry) -> None:
    inp = base(bookings=(booking(dose=2),), history=(dose("CoV_BNT", date(2026, 11, 1)),))
    (flag,) = assess(inp, rules).flags
    assert flag.message_zh == "距上一劑（2026-11-01）未滿 28 天，最早 2026-11-29 才能接種。"
    inp = base(person=born(date(2016, 3, 1)))
    (flag,) = assess(inp, rules).flags
    assert flag.message_zh == "年齡 10 歲 不符合「BNT（成人）」的接種年齡（12 歲以上）。"
    assert flag.message_en == "Age 10 years is outside the ages for Pfizer-BioNTech (adult) " + (
        "(12 years and older)."
    )


def test_assessment_records_rule_set_booking_and_time(rules: RuleSetRegistry) -> None:
    result = assess(base(), rules)
    assert (result.rule_set_id, result.rule_set_version) == ("covid19", "2023.05.2")
    assert result.booking == booking()
    assert result.assessed_at == NOW
    assert result.worst is None and not result.blocked
    old = assess(
        base(
            bookings=(booking(at=datetime(2021, 8, 1, 8, 0), end=None),),
            at=datetime(2021, 8, 1, 8, 5),
        ),
        rules,
    )
    assert old.rule_set_version == "2021.08"


def test_invalid_id_stops_before_any_lookup(rules: RuleSetRegistry) -> None:
    result = assess(base(raw="", id_check=check_id("")), rules)
    assert result.codes() == ["INVALID_ID"]
    assert result.blocked
    assert result.rule_set_id == "" and result.booking is None
    assert "未讀到證號" in result.flags[0].message_zh


def test_warn_only_needs_confirmation(rules: RuleSetRegistry) -> None:
    result = assess(base(person=Person(ID, "王小明", None)), rules)
    assert result.needs_confirmation and not result.blocked


def test_same_input_same_answer(rules: RuleSetRegistry) -> None:
    inp = SCENARIOS[-1].inp()
    assert assess(inp, rules) == assess(inp, rules)


def test_pick_booking_prefers_this_site_today_nearest_slot() -> None:
    morning = booking(at=datetime(2026, 11, 22, 8, 0))
    afternoon = booking(at=datetime(2026, 11, 22, 14, 0))
    elsewhere_now = booking(site=OTHER_SITE, at=datetime(2026, 11, 22, 9, 0))
    here_tomorrow = booking(at=datetime(2026, 11, 23, 9, 0))
    all_ = (elsewhere_now, here_tomorrow, afternoon, morning)
    assert pick_booking(all_, SITE, NOW) is morning
    assert pick_booking(all_, SITE, datetime(2026, 11, 22, 13, 0)) is afternoon
    assert pick_booking((elsewhere_now, here_tomorrow), SITE, NOW) is here_tomorrow
    assert pick_booking((elsewhere_now,), " 台南都會公園 ", NOW) is elsewhere_now
    assert pick_booking((elsewhere_now,), OTHER_SITE.replace("體", "体"), NOW) is elsewhere_now
    assert pick_booking((), SITE, NOW) is None


def test_site_names_match_whichever_way_tai_is_written() -> None:
    """台 and 臺 name one place: a desk at 臺南都會公園 is at a booking's 台南都會公園."""
    assert site_key("臺南都會公園") == site_key(" 台南 都會公園") == site_key(SITE)
    here_today = booking(site="臺南都會公園", at=datetime(2026, 11, 22, 9, 0))
    elsewhere_now = booking(site=OTHER_SITE, at=datetime(2026, 11, 22, 9, 10))
    assert pick_booking((elsewhere_now, here_today), SITE, NOW) is here_today


@pytest.mark.parametrize(
    ("birth", "on", "months"),
    [
        (date(1980, 5, 1), date(2026, 11, 22), 558),
        (date(2008, 11, 22), date(2026, 11, 22), 216),
        (date(2008, 11, 23), date(2026, 11, 22), 215),
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # end of a shorter month completes it
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
    ],
)
def test_age_in_months(birth: date, on: date, months: int) -> None:
    assert age_in_months(birth, on) == months
