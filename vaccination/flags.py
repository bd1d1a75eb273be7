"""The catalogue of assessment flags: stable codes, default severities, zh/en messages.

Codes never change meaning: the desk, the server's reconciliation and the event log
store them. A rule set may override a code's severity (`"severity"` in its file);
the message templates are filled from the flag's data.

Severity choices (see the README for the full table):

* block: the person must not be vaccinated at this desk now (wrong person or record,
  unsafe interval, already done, doctor refused). WRONG_DATE and WRONG_SITE block too:
  doses are planned per site and day ("依人數、單瓶疫苗可抽取劑量，計算最大接種量") and a
  missed booking counts as forfeited (seed 001); the site manager can still add the
  person on the spot (增加人員), which is a deliberate, recorded act.
* warn: check-in possible with a recorded reason (brand change, other vaccine within
  14 days, history shorter than the booked dose, arriving well before the slot).
* info: shown only (passport numbers cannot be checked, a second booking exists,
  arriving after the slot on the right day).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from vaccination.models import Flag, Severity


@dataclass(frozen=True)
class FlagSpec:
    """One catalogue entry: what a code means and how it is worded."""

    code: str
    severity: Severity
    message_zh: str  # str.format template filled from the flag's data
    message_en: str
    when: str  # for people reading the catalogue and the README table


def _spec(code: str, severity: Severity, zh: str, en: str, when: str) -> FlagSpec:
    return FlagSpec(code, severity, zh, en, when)


B, W, INF = Severity.BLOCK, Severity.WARN, Severity.INFO

CATALOGUE: Final[dict[str, FlagSpec]] = {
    s.code: s
    for s in (
        _spec(
            "INVALID_ID",
            B,
            "證號無效：{reason_zh}",
            "Invalid ID number: {reason_en}",
            "The scanned or typed value is not a valid ID, resident or passport number.",
        ),
        _spec(
            "UNCHECKED_ID",
            INF,
            "護照號碼沒有檢查碼，請核對護照與姓名。",
            "Passport numbers have no checksum; check the passport and name.",
            "The value was accepted as a passport number (no checksum to confirm it).",
        ),
        _spec(
            "NOT_ON_ROSTER",
            B,
            "{id_masked} 不在名冊上，沒有預約。",
            "{id_masked} is not on the roster: no booking.",
            "No person or no booking with this ID number in the roster.",
        ),
        _spec(
            "BOOKING_CANCELLED",
            B,
            "{id_masked} 的預約（{booked_site} {booked_date} {booked_time}）已取消。",
            "The booking of {id_masked} ({booked_site} {booked_date} {booked_time}) was cancelled.",
            "The person's only booking was cancelled (by the bureau or at the person's request).",
        ),
        _spec(
            "WRONG_DATE",
            B,
            "預約日期是 {booked_date} {booked_time}，不是今天（{today}）。",
            "Booked for {booked_date} {booked_time}, not today ({today}).",
            "The person's booking at this site is for another day.",
        ),
        _spec(
            "WRONG_SITE",
            B,
            "預約地點是「{booked_site}」（{booked_date} {booked_time}），不是本站「{site}」。",
            "Booked at '{booked_site}' ({booked_date} {booked_time}), not at this site '{site}'.",
            "The person's booking is at another site.",
        ),
        _spec(
            "OUTSIDE_SLOT",
            W,
            "預約時段 {slot}，現在 {now}：{direction_zh} {minutes} 分鐘。",
            "Booked slot {slot}, now {now}: {minutes} minutes {direction_en}.",
            "Arrival before the slot (beyond the rule set's early tolerance, warn) or after "
            "it on the right day (info); both severities are rule-set data.",
        ),
        _spec(
            "AGE_INELIGIBLE",
            B,
            "年齡 {age_zh} 不符合「{product_zh}」的接種年齡（{age_range_zh}）。",
            "Age {age_en} is outside the ages for {product_en} ({age_range_en}).",
            "Age on the desk date is below the product's minimum or at/above its maximum.",
        ),
        _spec(
            "AGE_UNKNOWN",
            W,
            "名冊沒有出生日期，請依證件核對年齡（{product_zh}：{age_range_zh}）。",
            "No birth date on the roster; check the age on the ID document "
            "({product_en}: {age_range_en}).",
            "The roster has no birth date, so age eligibility could not be checked.",
        ),
        _spec(
            "DOSE_SEQUENCE",
            B,
            "預約第 {dose} 劑，但紀錄已有 {doses_had} 劑{disease_zh}疫苗：此劑已接種過。",
            "Booked dose {dose}, but the record already shows {doses_had} {disease_en} "
            "dose(s): this dose was given already.",
            "The booked dose number was already reached in the dose history (duplicate "
            "vaccination).",
        ),
        _spec(
            "DOSE_HISTORY_GAP",
            W,
            "預約第 {dose} 劑，但紀錄只有 {doses_had} 劑；請核對接種紀錄卡（小黃卡）。",
            "Booked dose {dose}, but the record shows only {doses_had} dose(s); check the "
            "vaccination record card.",
            "The history has fewer doses than the booked dose needs (doses given elsewhere "
            "may be missing).",
        ),
        _spec(
            "DOSE_NOT_OFFERED",
            B,
            "「{product_zh}」不能作為第 {dose} 劑（可接種劑次：{allowed}）。",
            "{product_en} is not given as dose {dose} (allowed: {allowed}).",
            "The product may not be given as the booked dose number (e.g. a booster-only "
            "vaccine booked as dose 1).",
        ),
        _spec(
            "DOSE_NOT_ELIGIBLE",
            B,
            "{dose_zh}只給{who_zh}。",
            "{dose_en} is only for {who_en}.",
            "The person is not among those the rule set gives this dose to (e.g. a 4th dose "
            "under 55, a teenager's booster other than BNT, a second flu dose of the season "
            "for an adult).",
        ),
        _spec(
            "ELIGIBILITY_UNCONFIRMED",
            W,
            "{dose_zh}只給{who_zh}：請核對身分或證明文件。",
            "{dose_en} is only for {who_en}: check the person's status or proof.",
            "The dose is only for a group the roster does not show (原住民, 免疫不全 ...) or "
            "for an age the missing birth date cannot confirm; staff confirm it with a reason.",
        ),
        _spec(
            "INTERVAL_TOO_SHORT",
            B,
            "距上一劑（{last_dose}）未滿 {min_days} 天，最早 {earliest} 才能接種。",
            "Less than {min_days} days since the last dose ({last_dose}); earliest date "
            "{earliest}.",
            "The minimum interval of the rule set since the previous dose has not passed.",
        ),
        _spec(
            "BRAND_CHANGE",
            W,
            "上一劑是「{previous_zh}」，這次是「{product_zh}」：不同廠牌，請確認。",
            "Last dose was {previous_en}, this one is {product_en}: a brand change; confirm it.",
            "The booked product's brand differs from the last dose's brand (mixing).",
        ),
        _spec(
            "RECENT_DOSE",
            B,
            "{last_dose} 剛接種過，{hours} 小時內不能再接種；最早 {earliest}。",
            "A dose was given on {last_dose}; no vaccination within {hours} hours; "
            "earliest {earliest}.",
            "A dose (any vaccine of the rule set's disease) was given within the last "
            "48 hours (counted in calendar days), shown whatever the interval rules say.",
        ),
        _spec(
            "RECENT_INFECTION",
            B,
            "{infection_date} {what_zh}，需間隔 {days} 天，{earliest} 起才能接種。",
            "{what_en} on {infection_date}: wait {days} days, earliest {earliest}.",
            "An infection within the rule set's waiting period (84 days for COVID-19), counted "
            "from the onset or the confirmation, whichever is earlier.",
        ),
        _spec(
            "OTHER_VACCINE_RECENT",
            W,
            "{other_date} 接種過其他疫苗，間隔未滿 {days} 天（{earliest} 起）。",
            "Another vaccine was given on {other_date}: less than {days} days ago "
            "(earliest {earliest}).",
            "Another vaccine was given within the spacing this rule set, or the other "
            "vaccine's, asks for (14 days in the 2021 plan, both ways).",
        ),
        _spec(
            "DUPLICATE_BOOKING",
            INF,
            "此人另有 {count} 筆預約：{others}。",
            "This person has {count} other booking(s): {others}.",
            "More than one booking of the same disease from today on (e.g. LINE and phone).",
        ),
        _spec(
            "ALREADY_CHECKED_IN",
            B,
            "今天已報到：{time} 於 {checkin_site} {desk} 櫃台，號碼 {queue_number}。",
            "Already checked in today: {time} at {checkin_site} desk {desk}, number "
            "{queue_number}.",
            "A check-in of the person today that was not undone (any desk of any site).",
        ),
        _spec(
            "ALREADY_VACCINATED",
            B,
            "今天（{today}）已接種過，不可重複接種。",
            "Already vaccinated today ({today}); no second dose.",
            "A vaccination of the person is recorded for today.",
        ),
        _spec(
            "DOCTOR_NOT_APPROVED",
            B,
            "醫師今天評估不同意接種（{time}，{reason}）。",
            "The doctor did not approve vaccination today ({time}, {reason}).",
            "A doctor's refusal (醫生不同意) recorded today.",
        ),
        _spec(
            "UNKNOWN_PRODUCT",
            B,
            "預約的疫苗「{product}」在 {today} 沒有適用的接種規則。",
            "The booked vaccine '{product}' has no rule set in force on {today}.",
            "The booking names a product no loaded rule set knows (or none in force).",
        ),
    )
}

del B, W, INF


class _Lenient(dict[str, Any]):
    """Leaves an unknown placeholder visible instead of raising while formatting."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def flag_spec(code: str) -> FlagSpec:
    """The catalogue entry of a code; KeyError for an unknown code."""
    return CATALOGUE[code]


def make_flag(code: str, /, severity: Severity | None = None, **data: Any) -> Flag:
    """Build a flag from the catalogue, filling the zh/en templates from `data`.

    `severity` replaces the catalogue default (a rule set's override). Keys whose names
    end in `_zh` or `_en` only serve the messages and are not stored in the flag's data.
    """
    spec = CATALOGUE[code]
    values = _Lenient(data)
    stored = {k: v for k, v in data.items() if not k.endswith(("_zh", "_en"))}
    return Flag(
        code=code,
        severity=severity if severity is not None else spec.severity,
        message_zh=spec.message_zh.format_map(values),
        message_en=spec.message_en.format_map(values),
        data=stored,
    )
