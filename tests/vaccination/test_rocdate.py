"""ROC and Gregorian dates in every form rosters and forms use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaccination.rocdate import (
    DateParseError,
    format_roc,
    format_roc_dotted,
    format_roc_long,
    format_roc_slash,
    parse_date,
    roc_year,
)

FIRST = date(1912, 1, 1)
LAST = date(2100, 12, 31)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


FORMS: dict[str, Callable[[date], str]] = {
    "roc7": format_roc,
    "roc_slash": format_roc_slash,
    "roc_dotted": format_roc_dotted,
    "roc_long": format_roc_long,
    "roc_cjk_no_prefix": lambda d: f"{roc_year(d)}年{d.month}月{d.day}日",
    "roc_dash": lambda d: f"{roc_year(d)}-{d.month}-{d.day}",
    "iso": lambda d: d.isoformat(),
    "gregorian_slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "gregorian8": lambda d: d.strftime("%Y%m%d"),
    "gregorian_cjk": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "full_width_roc7": lambda d: _full_width(format_roc(d)),
    "full_width_slash": lambda d: _full_width(format_roc_slash(d)),
    "excel_datetime": lambda d: f"{d.isoformat()} 00:00:00",
}


@pytest.mark.slow
@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_date_1912_2100_round_trips(form: str) -> None:
    fmt = FORMS[form]
    d = FIRST
    one = timedelta(days=1)
    while d <= LAST:
        assert parse_date(fmt(d)) == d, fmt(d)
        d += one


def test_six_digit_roc_round_trips_for_years_below_100() -> None:
    d = FIRST
    while d.year - 1911 < 100:
        assert parse_date(format_roc(d)[1:]) == d
        d += timedelta(days=1)


@given(st.dates(min_value=FIRST, max_value=LAST), st.sampled_from(sorted(FORMS)))
def test_format_then_parse_is_identity(d: date, form: str) -> None:
    assert parse_date(FORMS[form](d)) == d


@pytest.mark.parametrize(
    "text",
    [
        "0350411",
        "350411",
        "35/04/11",
        "035.04.11",
        "民國35年4月11日",
        "民國 35 年 04 月 11 日",
        "35年4月11日",
        "1946-04-11",
        "1946/4/11",
        "19460411",
        "０３５０４１１",
        "３５／０４／１１",
        " 35/4/11 ",
        "1946-04-11 00:00:00",
        "1946-04-11T00:00",
    ],
)
def test_the_documented_example_in_every_form(text: str) -> None:
    assert parse_date(text) == date(1946, 4, 11)


def test_formats() -> None:
    d = date(1946, 4, 11)
    assert format_roc(d) == "0350411"
    assert format_roc_slash(d) == "35/04/11"
    assert format_roc_dotted(d) == "035.04.11"
    assert format_roc_long(d) == "民國35年4月11日"
    assert format_roc(date(2021, 8, 1)) == "1100801"
    assert format_roc_slash(date(2021, 8, 1)) == "110/08/01"


def test_seven_digits_after_roc_100() -> None:
    assert parse_date("1100801") == date(2021, 8, 1)
    assert parse_date("110/8/1") == date(2021, 8, 1)


def test_dates_before_the_roc_calendar_cannot_be_written_in_roc() -> None:
    with pytest.raises(ValueError, match="before the ROC calendar"):
        format_roc(date(1911, 12, 31))


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("1351311", "沒有 13 月", "no month 13"),
        ("35/13/01", "沒有 13 月", "no month 13"),
        ("0350230", "2 月沒有 30 日", "day 30 does not exist in month 2"),
        ("1946-02-30", "2 月沒有 30 日", "day 30"),
        ("0350000", "沒有 0 月", "no month 0"),
        ("0000411", "民國年不能是 0", "year 0"),
        ("0/4/11", "民國年不能是 0", "year 0"),
        ("民國0年4月11日", "民國年不能是 0", "year 0"),
        ("1120229", "2 月沒有 29 日", "day 29"),  # ROC 112 = 2023, not a leap year
        ("", "空白", "empty"),
        ("12345", "5 位數字", "5 digits"),
        ("123456789", "9 位數字", "9 digits"),
        ("abc", "不是看得懂的日期格式", "not a date format"),
        ("35/04", "不是看得懂的日期格式", "not a date format"),
        ("民國1946年4月11日", "民國年不會有 4 位數", "at most 3 digits"),
        ("0035-04-11", "西元年 35 不合理", "out of range"),
    ],
)
def test_impossible_dates_are_errors_not_guesses(text: str, zh: str, en: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_date(text)
    err = info.value
    assert zh in err.reason_zh
    assert en in err.reason_en
    assert err.text == text
    assert isinstance(err, ValueError)


def test_leap_day_of_a_leap_roc_year_is_accepted() -> None:
    assert parse_date("1130229") == date(2024, 2, 29)


@given(st.text(max_size=24))
def test_any_text_is_a_date_or_a_clear_error(text: str) -> None:
    try:
        result = parse_date(text)
    except DateParseError as err:
        assert err.reason_zh and err.reason_en
    else:
        assert FIRST.replace(year=1800) <= result


@given(st.text(alphabet="0123456789/.-年月日民國 ０１２３４５６７８９", max_size=14))
def test_date_like_text_is_a_date_or_a_clear_error(text: str) -> None:
    try:
        parse_date(text)
    except DateParseError as err:
        assert err.reason_zh and err.reason_en


@pytest.mark.parametrize("text", ["٣٥٠٤١١", "①②③④⑤⑥⑦"])
def test_other_scripts_digits_are_refused_not_crashed(text: str) -> None:
    with pytest.raises(DateParseError):
        parse_date(text)
