"""The assessment after a scan: which booking, which rule set, and every flag, as a pure function.

`assess` reads only its input and the rule sets: no clock, no database, no I/O, so a
desk, the server and the tests all get the same answer for the same facts. It is on
the scan-to-screen path and is kept to plain comparisons and dictionary look-ups.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from vaccination.flags import make_flag
from vaccination.models import (
    Assessment,
    Booking,
    CheckinFact,
    DoctorRefusal,
    DoseRecord,
    Flag,
    IdCheck,
    Person,
    Severity,
)
from vaccination.rules import (
    Allowance,
    DoseKind,
    DoseSlot,
    EligibilityRule,
    IntervalRule,
    Product,
    RuleSet,
    RuleSetLookupError,
    RuleSetRegistry,
    age_text,
    describe_allowance,
    dose_kind_of_label,
    dose_slot,
)

_DISEASE_NAMES: dict[str, tuple[str, str]] = {
    "covid19": ("COVID-19 ", "COVID-19"),
    "influenza": ("流感", "influenza"),
    "mpox": ("猴痘", "mpox"),
}


_RANK = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class AssessmentInput:
    """Everything known about one scanned person at one desk, at desk time `at`."""

    raw: str
    id_check: IdCheck
    person: Person | None
    bookings: tuple[Booking, ...] = ()  # all of the person's bookings, any site or day
    cancelled_bookings: tuple[Booking, ...] = ()  # bookings the bureau cancelled
    history: tuple[DoseRecord, ...] = ()  # doses already received, any disease
    infection_date: date | None = None  # confirmed infection (確診日)
    infection_onset_date: date | None = None  # onset of the infection (發病日), when known
    other_vaccine_date: date | None = None  # latest vaccine outside the rule sets
    checkins: tuple[CheckinFact, ...] = ()
    refusals: tuple[DoctorRefusal, ...] = ()  # today's doctor refusals
    vaccinated_today: bool = False
    # Required, by keyword: an assessment without its site or desk time would be wrong.
    site: str = field(kw_only=True)
    at: datetime = field(kw_only=True)  # desk time (naive local time of the site)


@lru_cache(maxsize=4096)
def site_key(name: str) -> str:
    """The form site names are compared in (NFKC, 台 as 臺, no spaces, case-folded).

    台 and 臺 are one character in place names (臺南市 is written 台南市 as often).
    """
    return "".join(unicodedata.normalize("NFKC", name).split()).replace("台", "臺").casefold()


def age_in_months(birth: date, on: date) -> int:
    """Completed months of age on a day (a birthday counts on the day itself)."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if on.day < birth.day:
        # Born on the 31st: the month is complete on the last day of a shorter month.
        next_month = on.replace(day=28) + timedelta(days=4)
        last_day = (next_month - timedelta(days=next_month.day)).day
        if not (on.day == last_day and birth.day > last_day):
            months -= 1
    return months


def pick_booking(bookings: tuple[Booking, ...], site: str, at: datetime) -> Booking | None:
    """The booking to use: this site today (the slot nearest `at`), else the nearest one.

    The nearest other booking explains WRONG_DATE / WRONG_SITE. Bookings at this site come
    before bookings elsewhere, so a person booked here tomorrow sees WRONG_DATE first.
    """
    if not bookings:
        return None
    here = site_key(site)
    today = at.date()

    def distance(b: Booking) -> float:
        return abs((b.slot_start - at).total_seconds())

    same_site = [b for b in bookings if site_key(b.site) == here]
    todays = [b for b in same_site if b.slot_start.date() == today]
    if todays:
        return min(todays, key=distance)
    if same_site:
        return min(same_site, key=distance)
    return min(bookings, key=distance)


@dataclass(frozen=True)
class IntervalViolation:
    """A dose given (or to be given) before its minimum interval since the previous dose."""

    rule: IntervalRule  # the rule broken: min_days, its source
    previous: DoseRecord  # the dose the interval is counted from
    earliest: date  # the first day the dose would have been allowed

    @property
    def min_days(self) -> int:
        """The minimum number of days the rule asks for."""
        return self.rule.min_days


def prior_doses(
    rs: RuleSet, rules: RuleSetRegistry, history: Sequence[DoseRecord], on: date
) -> list[DoseRecord]:
    """The doses of `rs`'s disease before day `on` that count, oldest first.

    A dose on `on` itself does not count (it is the same day's vaccination), nor one before
    the season's start where the rule set has seasons (flu).
    """
    season = rs.general.season_begin(on)
    disease_of = rules.disease_of
    same = [
        d
        for d in history
        if d.given_on < on
        and disease_of(d.product) == rs.disease
        and (season is None or d.given_on >= season)
    ]
    same.sort(key=lambda d: d.given_on)
    return same


def _violation(
    rs: RuleSet, product: Product, slot: DoseSlot, age: int | None, prior: list[DoseRecord],
    on: date,
) -> IntervalViolation | None:  # fmt: skip
    if not prior:
        return None
    last = prior[-1]
    rule = rs.min_interval(product, last.product, slot.number, age, slot.kind)
    if rule is None:
        return None
    earliest = last.given_on + timedelta(days=rule.min_days)
    return IntervalViolation(rule, last, earliest) if on < earliest else None


def interval_violation(
    product: str,
    dose: int,
    given_on: date,
    birth_date: date | None,
    history: Sequence[DoseRecord],
    rules: RuleSetRegistry,
    *,
    kind: DoseKind | None = None,
) -> IntervalViolation | None:
    """The minimum-interval rule that dose `dose` of `product` on `given_on` breaks, or None.

    The same rule as the assessment's INTERVAL_TOO_SHORT: the rule set in force for the
    product on `given_on`, the last earlier dose of its disease in `history` (any order;
    doses on `given_on` itself and, for flu, before the season do not count), the age on
    that day (`birth_date` None: age-bound rules do not apply). `kind` is what the
    booking's label says (`vaccination.rules.dose_kind_of_label`, e.g. 基礎加強劑).
    None too when no rule set in force knows the product.
    """
    try:
        rs = rules.for_product(product, given_on)
    except RuleSetLookupError:
        return None
    p = rs.product(product)
    age = age_in_months(birth_date, given_on) if birth_date is not None else None
    prior = prior_doses(rs, rules, history, given_on)
    return _violation(rs, p, dose_slot(p, dose, kind), age, prior, given_on)


def assess(inp: AssessmentInput, rules: RuleSetRegistry) -> Assessment:
    """Assess one scan: pick the booking, find the rule set in force, and raise every flag."""
    return _Assessor(inp, rules).run()


def _hhmm(t: datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _age_range(p: Product) -> tuple[str, str]:
    lo_zh, lo_en = age_text(p.min_age_months)
    if p.max_age_months is None:
        return f"{lo_zh}以上", f"{lo_en} and older"
    hi_zh, hi_en = age_text(p.max_age_months)
    return f"{lo_zh}至未滿 {hi_zh}", f"{lo_en} to under {hi_en}"


class _Assessor:
    """One run of `assess`; a class only to share the input between the checks."""

    def __init__(self, inp: AssessmentInput, rules: RuleSetRegistry) -> None:
        self.inp = inp
        self.rules = rules
        self.today = inp.at.date()
        self.flags: list[Flag] = []
        self.rule_set: RuleSet | None = None

    def add(self, code: str, /, severity: Severity | None = None, **data: Any) -> None:
        if severity is None and self.rule_set is not None:
            severity = self.rule_set.severity_for(code)
        self.flags.append(make_flag(code, severity, **data))

    def done(self, booking: Booking | None) -> Assessment:
        flags = sorted(self.flags, key=lambda f: _RANK[f.severity])  # stable: worst first
        rs = self.rule_set
        return Assessment(
            id_check=self.inp.id_check,
            person=self.inp.person,
            booking=booking,
            flags=tuple(flags),
            rule_set_id=rs.id if rs is not None else "",
            rule_set_version=rs.version if rs is not None else "",
            assessed_at=self.inp.at,
        )

    def run(self) -> Assessment:
        inp = self.inp
        check = inp.id_check
        if not check.valid:
            self.add(
                "INVALID_ID",
                error=check.error,
                id_masked=check.masked,
                reason_zh=check.message_zh or "",
                reason_en=check.message_en or "",
            )
            return self.done(None)
        booking = pick_booking(inp.bookings, inp.site, inp.at)
        if booking is not None:
            try:
                self.rule_set = self.rules.for_product(booking.product, self.today)
            except RuleSetLookupError:
                self.rule_set = None
        if check.unchecked:
            self.add("UNCHECKED_ID", id_masked=check.masked)
        self.check_day_events()
        if booking is None:
            self.refuse_without_booking(check.masked)
            return self.done(None)
        self.check_place_and_time(booking)
        rs = self.rule_set
        if rs is None:
            self.add("UNKNOWN_PRODUCT", product=booking.product, today=self.today.isoformat())
            return self.done(booking)
        product = rs.product(booking.product)
        age = self.check_age(product)
        self.check_doses(rs, product, booking, age)
        self.check_infection_and_other_vaccines(rs)
        self.check_duplicates(rs, booking)
        return self.done(booking)

    def refuse_without_booking(self, id_masked: str) -> None:
        """No booking: the one the bureau cancelled, if any, else not on the roster."""
        cancelled = pick_booking(self.inp.cancelled_bookings, self.inp.site, self.inp.at)
        if cancelled is not None:
            self.add(
                "BOOKING_CANCELLED",
                id_masked=id_masked,
                booked_site=cancelled.site,
                booked_date=cancelled.slot_start.date().isoformat(),
                booked_time=_hhmm(cancelled.slot_start),
            )
            return
        self.add(
            "NOT_ON_ROSTER",
            id_masked=id_masked,
            reason="no_person" if self.inp.person is None else "no_booking",
        )

    def check_day_events(self) -> None:
        today = self.today
        for c in self.inp.checkins:
            if not c.undone and c.at.date() == today:
                self.add(
                    "ALREADY_CHECKED_IN",
                    queue_number=c.queue_number,
                    desk=c.desk,
                    checkin_site=c.site,
                    time=_hhmm(c.at),
                )
                break
        for r in self.inp.refusals:
            if r.at.date() == today:
                self.add("DOCTOR_NOT_APPROVED", time=_hhmm(r.at), reason=r.reason)
                break
        if self.inp.vaccinated_today:
            self.add("ALREADY_VACCINATED", today=today.isoformat())

    def check_place_and_time(self, booking: Booking) -> None:
        inp = self.inp
        start = booking.slot_start
        wrong_site = site_key(booking.site) != site_key(inp.site)
        wrong_date = start.date() != self.today
        if wrong_site or wrong_date:
            booked: dict[str, Any] = {
                "booked_date": start.date().isoformat(),
                "booked_time": _hhmm(start),
            }
            if wrong_site:
                self.add("WRONG_SITE", booked_site=booking.site, site=inp.site, **booked)
            if wrong_date:
                self.add("WRONG_DATE", today=self.today.isoformat(), **booked)
            return
        if self.rule_set is None or booking.walk_in:
            return  # no tolerance known (UNKNOWN_PRODUCT says why), or added on the spot
        slot_rules = self.rule_set.general.slot
        if booking.slot_end is not None:
            end = booking.slot_end
        else:
            end = start + timedelta(minutes=slot_rules.default_length_minutes)
        early = (start - inp.at).total_seconds() / 60
        late = (inp.at - end).total_seconds() / 60
        if early > slot_rules.early_minutes:
            severity, direction, minutes, zh = slot_rules.early_severity, "early", early, "提早"
        elif late > slot_rules.late_minutes:
            severity, direction, minutes, zh = slot_rules.late_severity, "late", late, "晚到"
        else:
            return
        self.add(
            "OUTSIDE_SLOT",
            severity,
            slot=f"{_hhmm(start)}-{_hhmm(end)}",
            now=_hhmm(inp.at),
            direction=direction,
            minutes=int(minutes),
            direction_zh=zh,
            direction_en=direction,
        )

    def check_age(self, product: Product) -> int | None:
        person = self.inp.person
        months = None
        if person is not None and person.birth_date is not None:
            months = age_in_months(person.birth_date, self.today)
            if product.age_ok(months):
                return months
        range_zh, range_en = _age_range(product)
        names: dict[str, Any] = {
            "product": product.code,
            "product_zh": product.name_zh,
            "product_en": product.name_en,
            "age_range_zh": range_zh,
            "age_range_en": range_en,
        }
        if months is None:
            self.add("AGE_UNKNOWN", **names)
            return None
        age_zh, age_en = age_text(months)
        self.add(
            "AGE_INELIGIBLE",
            age_months=months,
            min_age_months=product.min_age_months,
            max_age_months=product.max_age_months,
            age_zh=age_zh,
            age_en=age_en,
            **names,
        )
        return months

    def check_doses(self, rs: RuleSet, product: Product, booking: Booking, age: int | None) -> None:
        disease = rs.disease
        season = rs.general.season_begin(self.today)
        if not self.inp.vaccinated_today and any(  # else check_day_events said so already
            d.given_on == self.today and self.rules.disease_of(d.product) == disease
            for d in self.inp.history
        ):
            self.add("ALREADY_VACCINATED", today=self.today.isoformat())
        # Today's dose explains itself; counting it would repeat the finding as
        # DOSE_SEQUENCE, RECENT_DOSE and INTERVAL_TOO_SHORT.
        same = prior_doses(rs, self.rules, self.inp.history, self.today)
        had = len(same)
        dz, de = _DISEASE_NAMES.get(disease, (rs.name_zh, rs.name_en))
        dose = booking.dose
        slot = dose_slot(product, dose, dose_kind_of_label(booking.dose_label))
        if dose <= had:
            self.add(
                "DOSE_SEQUENCE", dose=dose, doses_had=had, disease=disease, disease_zh=dz,
                disease_en=de,
            )  # fmt: skip
        elif dose > had + 1:
            self.add("DOSE_HISTORY_GAP", dose=dose, doses_had=had, disease=disease)
        if not product.allows_dose(dose):
            allowed = ", ".join(str(n) for n in product.doses or ())
            self.add(
                "DOSE_NOT_OFFERED",
                dose=dose,
                product=product.code,
                allowed=allowed,
                product_zh=product.name_zh,
                product_en=product.name_en,
            )
        first_time = not any(
            d.given_on < (season or self.today) and self.rules.disease_of(d.product) == disease
            for d in self.inp.history
        )
        for elig in rs.eligibility_for(product, slot):
            self.check_eligibility(elig, product, slot, age, same, first_time)
        if not same:
            return
        last = same[-1]
        broken = _violation(rs, product, slot, age, same, self.today)
        if broken is not None:
            self.add(
                "INTERVAL_TOO_SHORT",
                earliest=broken.earliest.isoformat(),
                last_dose=last.given_on.isoformat(),
                min_days=broken.min_days,
                previous_product=last.product,
                source=broken.rule.source,
            )
        hours = rs.general.recent_dose_hours
        if hours is not None:
            # A booking rule (seed 000), shown whatever the interval rules say. Doses are
            # recorded by date only: 48 hours count as two calendar days.
            earliest = last.given_on + timedelta(days=math.ceil(hours / 24))
            if self.today < earliest:
                self.add(
                    "RECENT_DOSE",
                    last_dose=last.given_on.isoformat(),
                    hours=hours,
                    earliest=earliest.isoformat(),
                )
        if rs.general.brand_change and self.rules.has_product(last.product):
            previous = self.rules.product(last.product)
            if previous.brand != product.brand:
                self.add(
                    "BRAND_CHANGE",
                    previous_product=previous.code,
                    product=product.code,
                    previous_brand=previous.brand,
                    brand=product.brand,
                    previous_zh=previous.name_zh,
                    previous_en=previous.name_en,
                    product_zh=product.name_zh,
                    product_en=product.name_en,
                )

    def check_eligibility(
        self,
        elig: EligibilityRule,
        product: Product,
        slot: DoseSlot,
        age: int | None,
        prior: list[DoseRecord],
        first_time: bool,
    ) -> None:
        """One eligibility rule: met, met if staff confirm a group (warn), or not met (block)."""
        last = prior[-1].product if prior else None
        unconfirmed: list[Allowance] = []
        for allowance in elig.allow:
            verdict = _allowance_verdict(allowance, product, age, last, first_time)
            if verdict is True:
                return
            if verdict is None:
                unconfirmed.append(allowance)
        who = [describe_allowance(a) for a in elig.allow]
        dose_zh, dose_en = _slot_text(slot)
        names: dict[str, Any] = {
            "dose": slot.number,
            "dose_kind": slot.kind.value,
            "product": product.code,
            "source": elig.source,
            "dose_zh": dose_zh,
            "dose_en": dose_en,
            "who_zh": "；或".join(zh for zh, _ in who),
            "who_en": "; or ".join(en for _, en in who),
        }
        if unconfirmed:
            self.add("ELIGIBILITY_UNCONFIRMED", **names)
        else:
            self.add("DOSE_NOT_ELIGIBLE", **names)

    def check_infection_and_other_vaccines(self, rs: RuleSet) -> None:
        general = rs.general
        inp = self.inp
        known = [d for d in (inp.infection_date, inp.infection_onset_date) if d is not None]
        if general.infection_wait_days is not None and known:
            # Seed 001: "自發病日或確診日起3個月後": the earlier of the two days counts.
            infected = min(known)
            earliest = infected + timedelta(days=general.infection_wait_days)
            if self.today < earliest:
                onset = infected == inp.infection_onset_date and infected != inp.infection_date
                self.add(
                    "RECENT_INFECTION",
                    infection_date=infected.isoformat(),
                    counted_from="onset" if onset else "confirmation",
                    days=general.infection_wait_days,
                    earliest=earliest.isoformat(),
                    what_zh="發病" if onset else "確診",
                    what_en="Infection onset" if onset else "Confirmed infection",
                )
        self.check_other_vaccines(rs)

    def check_other_vaccines(self, rs: RuleSet) -> None:
        """Another vaccine too close: by this rule set's spacing, and by the spacing the rule
        set of the other dose asks for (the 2021 plan's 14 days hold both ways)."""
        inp = self.inp
        today = self.today
        disease_of = self.rules.disease_of
        own = rs.general.other_vaccine_days
        worst: tuple[date, date, int, Severity | None] | None = None  # earliest, given, days, sev.
        candidates: list[tuple[date, int | None, Severity | None]] = []
        if inp.other_vaccine_date is not None and inp.other_vaccine_date <= today:
            candidates.append((inp.other_vaccine_date, None, None))
        for d in inp.history:
            if d.given_on > today or disease_of(d.product) in (rs.disease, None):
                continue
            try:
                theirs = self.rules.for_product(d.product, d.given_on)
            except RuleSetLookupError:
                theirs = None
            days = theirs.general.other_vaccine_days if theirs is not None else None
            severity = theirs.severity_for("OTHER_VACCINE_RECENT") if theirs is not None else None
            candidates.append((d.given_on, days, severity))
        for given, theirs_days, theirs_severity in candidates:
            spans = [(own, rs.severity_for("OTHER_VACCINE_RECENT")), (theirs_days, theirs_severity)]
            for days, severity in spans:
                if days is None:
                    continue
                earliest = given + timedelta(days=days)
                if today < earliest and (worst is None or earliest > worst[0]):
                    worst = (earliest, given, days, severity)
        if worst is None:
            return
        earliest, given, days, severity = worst
        self.add(
            "OTHER_VACCINE_RECENT",
            severity,
            other_date=given.isoformat(),
            days=days,
            earliest=earliest.isoformat(),
        )

    def check_duplicates(self, rs: RuleSet, chosen: Booking) -> None:
        disease_of = self.rules.disease_of
        others = [
            b
            for b in self.inp.bookings
            if b is not chosen
            and b.slot_start.date() >= self.today
            and disease_of(b.product) in (rs.disease, None)
        ]
        if not others:
            return
        others.sort(key=lambda b: b.slot_start)
        listed = "; ".join(f"{b.slot_start:%Y-%m-%d %H:%M} {b.site}" for b in others)
        self.add(
            "DUPLICATE_BOOKING",
            count=len(others),
            others=listed,
            dates=[b.slot_start.date().isoformat() for b in others],
        )


def _allowance_verdict(
    allowance: Allowance, product: Product, age: int | None, last: str | None, first_time: bool
) -> bool | None:
    """True: the person is eligible this way; False: not; None: only staff can tell
    (a group the roster does not show, or an age bound without a birth date)."""
    if allowance.products is not None and product.code not in allowance.products:
        return False
    if allowance.previous is not None and last not in allowance.previous:
        return False
    if allowance.first_time and not first_time:
        return False
    bounded = allowance.min_age_months is not None or allowance.max_age_months is not None
    if bounded and age is not None:
        low, high = allowance.min_age_months, allowance.max_age_months
        if (low is not None and age < low) or (high is not None and age >= high):
            return False
    if allowance.group is not None or (bounded and age is None):
        return None
    return True


def _slot_text(slot: DoseSlot) -> tuple[str, str]:
    if slot.kind is DoseKind.ADDITIONAL:
        return "基礎加強劑", "the additional primary dose"
    if slot.kind is DoseKind.BOOSTER:
        nth = slot.booster or 1
        zh = "追加劑" if nth == 1 else f"追加劑第 {nth} 劑"
        return f"第 {slot.number} 劑（{zh}）", f"dose {slot.number} (booster {nth})"
    return f"第 {slot.number} 劑", f"dose {slot.number}"


__all__ = [
    "AssessmentInput",
    "IntervalViolation",
    "age_in_months",
    "assess",
    "interval_violation",
    "pick_booking",
    "prior_doses",
    "site_key",
]
