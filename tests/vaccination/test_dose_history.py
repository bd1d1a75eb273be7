"""Dose histories as rosters write them: every spelling reads the same, nothing is guessed."""

from __future__ import annotations

from datetime import date

import pytest

from vaccination.dose_history import (
    DoseHistoryParser,
    format_dose_history,
    parse_dose_history,
)
from vaccination.models import DoseRecord
from vaccination.rules import RuleSetRegistry, load_rule_sets


@pytest.fixture(scope="module")
def rules() -> RuleSetRegistry:
    return load_rule_sets()


@pytest.mark.parametrize(
    ("text", "product", "given_on"),
    [
        ("CoV_AZ 2022-04-15", "CoV_AZ", date(2022, 4, 15)),
        ("AZ 111/04/15", "CoV_AZ", date(2022, 4, 15)),
        ("莫德納 2022/4/15", "CoV_Moderna", date(2022, 4, 15)),
        ("BNT 0110/09/01", "CoV_BNT", date(2021, 9, 1)),
        ("CoV_Pfizer/BNT 2021-10-01", "CoV_BNT", date(2021, 10, 1)),
        ("AZ111/04/15", "CoV_AZ", date(2022, 4, 15)),
        ("2021-06-15 AZ", "CoV_AZ", date(2021, 6, 15)),
        ("高端：民國110年8月23日", "CoV_Medigen", date(2021, 8, 23)),
        ("第1劑 AZ 2021-06-15", "CoV_AZ", date(2021, 6, 15)),
        ("ＡＺ　１１１／０４／１５", "CoV_AZ", date(2022, 4, 15)),
        ("莫德納次世代BA.4/5 2023-01-02", "CoV_Moderna_BA45", date(2023, 1, 2)),
        ("流感 1141015", "Flu", date(2025, 10, 15)),
        ("Moderna 01100901", "CoV_Moderna", date(2021, 9, 1)),
    ],
)
def test_one_entry_in_every_spelling(
    rules: RuleSetRegistry, text: str, product: str, given_on: date
) -> None:
    records, errors = parse_dose_history(text, rules)
    assert errors == []
    assert records == (DoseRecord(product=product, given_on=given_on),)


@pytest.mark.parametrize("separator", [";", "；", "、", ",", "，", "\n", "\r\n", " ; "])
def test_separators(rules: RuleSetRegistry, separator: str) -> None:
    records, errors = parse_dose_history(
        f"CoV_AZ 2021-06-15{separator}AZ 110/09/01{separator}莫德納 2022/1/20", rules
    )
    assert errors == []
    assert [(d.product, d.given_on) for d in records] == [
        ("CoV_AZ", date(2021, 6, 15)),
        ("CoV_AZ", date(2021, 9, 1)),
        ("CoV_Moderna", date(2022, 1, 20)),
    ]


def test_doses_come_out_oldest_first(rules: RuleSetRegistry) -> None:
    records, _ = parse_dose_history("BNT 2022-03-01；AZ 2021-06-15", rules)
    assert [d.given_on for d in records] == [date(2021, 6, 15), date(2022, 3, 1)]


@pytest.mark.parametrize("text", ["", "  ", "無", "none", "-", "未接種", "0"])
def test_no_history(rules: RuleSetRegistry, text: str) -> None:
    assert parse_dose_history(text, rules) == ((), [])


@pytest.mark.parametrize(
    ("text", "in_zh", "in_en"),
    [
        ("XYZ 2021-06-15", "不認識", "unknown vaccine 'XYZ'"),
        ("AZ 2021-13-01", "沒有 13 月", "no month 13"),
        ("AZ 110/02/30", "2 月沒有 30 日", "day 30"),
        ("AZ", "沒有日期", "has no date"),
        ("AZ 2021-06-15 2021-09-01", "2 個日期", "2 dates"),
        ("2021-06-15", "沒有寫疫苗名稱", "names no vaccine"),
    ],
)
def test_unreadable_entries_are_errors_naming_the_entry(
    rules: RuleSetRegistry, text: str, in_zh: str, in_en: str
) -> None:
    records, errors = parse_dose_history(f"CoV_AZ 2021-03-01；{text}", rules)
    # The readable entry is still read, the bad one is reported and never guessed.
    assert records == (DoseRecord("CoV_AZ", date(2021, 3, 1)),)
    assert len(errors) == 1
    zh, en = errors[0].split(" / ", 1)
    assert text.split()[0] in zh and in_zh in zh
    assert in_en in en


def test_parser_caches_entries_but_returns_the_same_answer(rules: RuleSetRegistry) -> None:
    parser = DoseHistoryParser(rules)
    first = parser.parse("AZ 2021-06-15、XX 2021-01-01")
    second = parser.parse("AZ 2021-06-15、XX 2021-01-01")
    assert first == second
    assert len(first[0]) == 1 and len(first[1]) == 1


def test_entries_sharing_a_date_or_a_vaccine_are_each_read_and_named(
    rules: RuleSetRegistry,
) -> None:
    # The parser remembers dates and vaccine spellings across entries and texts; each
    # entry still gets its own answer and an error names the entry as written.
    parser = DoseHistoryParser(rules)
    records, problems = parser.parse("AZ 2021-13-01；BNT 2021-13-01")
    assert records == ()
    assert [p.entry for p in problems] == ["AZ 2021-13-01", "BNT 2021-13-01"]
    assert all("沒有 13 月" in p.reason_zh and p.entry in p.reason_zh for p in problems)
    records, problems = parser.parse("XYZ 2021-06-15；莫德納 2021-06-15、AZ 2021/6/15")
    assert [p.entry for p in problems] == ["XYZ 2021-06-15"]
    assert records == (
        DoseRecord("CoV_Moderna", date(2021, 6, 15)),
        DoseRecord("CoV_AZ", date(2021, 6, 15)),
    )
    records, problems = parser.parse("XYZ 2021-07-01；CoV_AZ 2021-06-15")
    assert [p.entry for p in problems] == ["XYZ 2021-07-01"]
    assert records == (DoseRecord("CoV_AZ", date(2021, 6, 15)),)


def test_format_round_trips(rules: RuleSetRegistry) -> None:
    records, _ = parse_dose_history("AZ 110/06/15、BNT 2022/1/3", rules)
    text = format_dose_history(records)
    assert text == "CoV_AZ 2021-06-15；CoV_BNT 2022-01-03"
    assert parse_dose_history(text, rules) == (records, [])
