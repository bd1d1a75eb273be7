"""Products and rule sets: versioned data files in `resources/rules/`, loaded and checked here.

A rule set file (JSON) describes one disease's vaccines: the products (codes, aliases,
ages, vial sizes, NIIS codes), the minimum intervals between doses, the general rules
(recent dose, infection, other vaccines, slot tolerance) and optional severity
overrides of flag codes. Several versions of one rule set may sit side by side; the
version effective on the desk date wins. A new file needs no code change.

A broken file raises `RuleSetError` naming the file and the field, e.g.
`covid19.json: products[2].min_age: ...`.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from vaccination.models import Severity

DEFAULT_RULES_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "resources" / "rules"

WILDCARD: Final[str] = "*"


class RuleSetError(ValueError):
    """A rule set file that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        self.path = Path(path)
        self.field = field
        self.detail = message
        where = f"{self.path.name}: {field}" if field else self.path.name
        super().__init__(f"{where}: {message}")


class RuleSetLookupError(LookupError):
    """No rule set covers a product or disease on a given date."""


def parse_age(value: object) -> int:
    """Read an age as months: `"12y"`, `"6m"`, `"1y6m"`, or an int of years."""
    if isinstance(value, bool):
        raise ValueError("an age must be like '12y', '6m' or '1y6m'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("an age cannot be negative")
        return value * 12
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(?:(\d+)\s*y)?\s*(?:(\d+)\s*m)?\s*", value.lower())
        if m and (m.group(1) or m.group(2)):
            return int(m.group(1) or 0) * 12 + int(m.group(2) or 0)
    raise ValueError(f"an age must be like '12y', '6m' or '1y6m', got {value!r}")


def format_age(months: int) -> str:
    """Render months as the file form: 144 -> `12y`, 6 -> `6m`, 18 -> `1y6m`."""
    years, rest = divmod(months, 12)
    if years and rest:
        return f"{years}y{rest}m"
    return f"{years}y" if years else f"{rest}m"


AgeMonths = Annotated[int, BeforeValidator(parse_age)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Product(_Frozen):
    """One vaccine product of a rule set (ages are in months; `max_age` means 'under')."""

    code: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    brand: str = Field(min_length=1)  # products of one brand do not count as a brand change
    aliases: tuple[str, ...] = ()
    min_age_months: AgeMonths = Field(alias="min_age")
    max_age_months: AgeMonths | None = Field(default=None, alias="max_age")  # exclusive
    doses_per_vial: int = Field(ge=1)  # the default; a lot may say otherwise (vial_sizes)
    # Doses per vial a lot of this product may come in (AZ: 8 or 10); null: only the default.
    vial_sizes: tuple[int, ...] | None = None
    hours_after_opening: float | None = Field(default=None, gt=0)
    niis_code: str = Field(min_length=1)
    primary_doses: int = Field(ge=1)
    doses: tuple[int, ...] | None = None  # dose numbers this product may be given as
    source: str = Field(min_length=1)  # the document and section the product's data is from
    disease: str = ""  # filled in from the rule set

    def allows_dose(self, dose: int) -> bool:
        """True when this product may be given as dose number `dose`."""
        return self.doses is None or dose in self.doses

    def age_ok(self, age_months: int) -> bool:
        """True when a person of `age_months` may receive this product."""
        if age_months < self.min_age_months:
            return False
        return self.max_age_months is None or age_months < self.max_age_months

    def allows_vial_size(self, doses_per_vial: int) -> bool:
        """True when a lot of this product may hold `doses_per_vial` doses per vial."""
        sizes = self.vial_sizes if self.vial_sizes is not None else (self.doses_per_vial,)
        return doses_per_vial in sizes

    def lot_doses_per_vial(self, declared: int | None) -> int:
        """The doses per vial of a lot: what the lot says (when received or first opened),
        else the product's default. VialSizeError when the product has no such vials."""
        if declared is None:
            return self.doses_per_vial
        if not self.allows_vial_size(declared):
            sizes = self.vial_sizes or (self.doses_per_vial,)
            raise VialSizeError(self, declared, sizes)
        return declared


class VialSizeError(ValueError):
    """A lot declared with doses per vial its product does not come in; zh/en for the user."""

    def __init__(self, product: Product, declared: int, sizes: tuple[int, ...]) -> None:
        listed = "、".join(str(n) for n in sizes)
        self.message_zh = f"「{product.name_zh}」每瓶 {listed} 劑，沒有 {declared} 劑的包裝。"
        self.message_en = (
            f"{product.name_en} comes in vials of {' or '.join(str(n) for n in sizes)} "
            f"doses, not {declared}."
        )
        super().__init__(f"{self.message_zh} / {self.message_en}")


class DoseKind(StrEnum):
    """What a dose is in a person's series, as the rules tell doses apart."""

    PRIMARY = "primary"  # 基礎劑: dose 1 .. the product's primary_doses
    ADDITIONAL = "additional"  # 基礎加強劑: an extra primary dose (immunocompromised), no booster
    BOOSTER = "booster"  # 追加劑: any dose after the primary series


@dataclass(frozen=True, slots=True)
class DoseSlot:
    """A dose as the rules see it: its number, its kind and, for a booster, which one."""

    number: int
    kind: DoseKind
    booster: int | None = None  # 1 for the first booster (追加劑), 2 for 追加劑第二劑 ...


def dose_slot(product: Product, dose: int, kind: DoseKind | None = None) -> DoseSlot:
    """Which dose `dose` of `product` is; `kind` is what the booking's label says, if it does.

    Only 基礎加強劑 needs the label: by number it is dose 3, like the first booster.
    """
    if kind is DoseKind.ADDITIONAL:
        return DoseSlot(dose, DoseKind.ADDITIONAL)
    if dose <= product.primary_doses:
        return DoseSlot(dose, DoseKind.PRIMARY)
    return DoseSlot(dose, DoseKind.BOOSTER, dose - product.primary_doses)


def dose_kind_of_label(label: str | None) -> DoseKind | None:
    """The kind a roster's dose label names when its number cannot: 基礎加強劑 -> ADDITIONAL."""
    if label is None:
        return None
    value = "".join(unicodedata.normalize("NFKC", label).split()).casefold()
    if "基礎加強" in value or value in ("additional", "additionalprimary", "additionaldose"):
        return DoseKind.ADDITIONAL
    return None


class _DoseSelector(_Frozen):
    """Which doses a rule is about: a number, `"booster"` (optionally the n-th),
    `"additional"` (基礎加強劑) or `"*"`, and the product given (a code or `"*"`)."""

    dose: int | Literal["booster", "additional", "*"]
    booster: int | None = Field(default=None, ge=1)  # with dose "booster": only the n-th
    product: str = WILDCARD

    def selects(self, product: Product, slot: DoseSlot) -> bool:
        """True when this rule is about giving `product` as the dose `slot`."""
        if self.product not in (WILDCARD, product.code):
            return False
        if self.dose == WILDCARD:
            return True
        if self.dose == "additional":
            return slot.kind is DoseKind.ADDITIONAL
        if self.dose == "booster":
            return slot.kind is DoseKind.BOOSTER and self.booster in (None, slot.booster)
        return slot.kind is not DoseKind.ADDITIONAL and self.dose == slot.number

    @property
    def dose_specificity(self) -> int:
        """How narrowly the dose is named: a number or the n-th booster beats "booster"."""
        if isinstance(self.dose, int) or self.booster is not None or self.dose == "additional":
            return 2
        return 0


def _age_fits(age_months: int, low: int | None, high: int | None) -> bool:
    if low is not None and age_months < low:
        return False
    return high is None or age_months < high


class IntervalRule(_DoseSelector):
    """Minimum days before a dose of `product` after the previous dose of the disease.

    `dose` is a number, `"booster"` (beyond the product's primary series; `booster: n`
    only the n-th), `"additional"` (基礎加強劑) or `"*"`. `product` / `previous` are
    product codes or `"*"`; ages are of the person on the day of the dose. The most
    specific matching rule wins; among equally specific ones, the longest interval.
    """

    previous: str = WILDCARD
    min_days: int = Field(ge=0)
    min_age_months: AgeMonths | None = Field(default=None, alias="min_age")
    max_age_months: AgeMonths | None = Field(default=None, alias="max_age")
    source: str = Field(min_length=1)  # the document and section the rule is from

    def matches(
        self, product: Product, previous: str, slot: DoseSlot, age_months: int | None
    ) -> bool:
        """True when this rule applies to giving `product` as `slot` after `previous`."""
        if not self.selects(product, slot):
            return False
        if self.previous not in (WILDCARD, previous):
            return False
        if self.min_age_months is not None or self.max_age_months is not None:
            if age_months is None:
                return False
            return _age_fits(age_months, self.min_age_months, self.max_age_months)
        return True

    @property
    def specificity(self) -> int:
        """How narrowly the rule is stated; a narrower rule beats a general one."""
        score = self.dose_specificity
        if self.product != WILDCARD:
            score += 8
        if self.previous != WILDCARD:
            score += 4
        if self.min_age_months is not None or self.max_age_months is not None:
            score += 1
        return score


class GroupName(_Frozen):
    """A group of people the desk cannot see in the roster (原住民, 免疫不全 ...)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Allowance(_Frozen):
    """One way of being eligible for a dose: every condition given must hold."""

    min_age_months: AgeMonths | None = Field(default=None, alias="min_age")
    max_age_months: AgeMonths | None = Field(default=None, alias="max_age")  # exclusive
    products: tuple[str, ...] | None = None  # only these products
    previous: tuple[str, ...] | None = None  # only after a last dose of these products
    # A group the person must belong to; the desk cannot see it, so staff confirm it.
    group: GroupName | None = None
    # Only in the person's first season of the vaccine (no dose before the season began).
    first_time: bool = False


def age_text(months: int) -> tuple[str, str]:
    """An age for people to read, zh and en: 18 -> ("18 個月", ...), 144 -> ("12 歲", ...)."""
    if months < 24:
        return f"{months} 個月", f"{months} months"
    return f"{months // 12} 歲", f"{months // 12} years"


def describe_allowance(allowance: Allowance) -> tuple[str, str]:
    """Who an allowance admits, in words: ("55 歲以上，原住民", "55 years and older, ...")."""
    zh: list[str] = []
    en: list[str] = []
    low, high = allowance.min_age_months, allowance.max_age_months
    if low is not None or high is not None:
        lo_zh, lo_en = age_text(low) if low is not None else ("", "")
        hi_zh, hi_en = age_text(high) if high is not None else ("", "")
        if low is not None and high is not None:
            zh.append(f"{lo_zh}至未滿 {hi_zh}")
            en.append(f"{lo_en} to under {hi_en}")
        elif low is not None:
            zh.append(f"{lo_zh}以上")
            en.append(f"{lo_en} and older")
        else:
            zh.append(f"未滿 {hi_zh}")
            en.append(f"under {hi_en}")
    if allowance.first_time:
        zh.append("第一次接種此疫苗（本季之前沒有接種紀錄）")
        en.append("first season of this vaccine (no dose before this season)")
    if allowance.group is not None:
        zh.append(allowance.group.zh)
        en.append(allowance.group.en)
    if allowance.previous is not None:
        zh.append("上一劑為 " + "、".join(allowance.previous))
        en.append("last dose " + " or ".join(allowance.previous))
    if allowance.products is not None:
        zh.append("限 " + "、".join(allowance.products))
        en.append("only " + " or ".join(allowance.products))
    return "，".join(zh) or "所有人", ", ".join(en) or "everyone"


class EligibilityRule(_DoseSelector):
    """Who may receive the doses the selector names: one of `allow` must hold."""

    allow: tuple[Allowance, ...] = Field(min_length=1)
    source: str = Field(min_length=1)


class SlotRules(_Frozen):
    """How far from the booked slot a person may arrive before OUTSIDE_SLOT shows."""

    early_minutes: int = Field(default=30, ge=0)
    early_severity: Severity = Severity.WARN
    late_minutes: int = Field(default=0, ge=0)
    late_severity: Severity = Severity.INFO
    default_length_minutes: int = Field(default=60, ge=1)  # when the roster gives no end


class GeneralRules(_Frozen):
    """Rules that hold for every product of the rule set; null switches a check off."""

    recent_dose_hours: int | None = Field(default=48, ge=0)
    infection_wait_days: int | None = Field(default=None, ge=0)
    other_vaccine_days: int | None = Field(default=None, ge=0)
    brand_change: bool = True  # whether a change of brand is flagged at all
    # "MM-DD": a yearly season (flu) starts that day; earlier doses are not counted.
    season_start: str | None = Field(
        default=None, pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
    )
    slot: SlotRules = SlotRules()

    def season_begin(self, on: date) -> date | None:
        """The first day of the season that contains `on`, or None without seasons."""
        if self.season_start is None:
            return None
        month, day = (int(x) for x in self.season_start.split("-"))
        day = min(day, 28) if month == 2 else day
        begin = date(on.year, month, day)
        return begin if begin <= on else date(on.year - 1, month, day)


class RuleSet(_Frozen):
    """One version of the rules of one disease, as read from one file."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9_\-]+$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    version: str = Field(min_length=1)
    effective_from: date
    disease: str = Field(min_length=1)
    products: tuple[Product, ...] = Field(min_length=1)
    intervals: tuple[IntervalRule, ...] = ()
    eligibility: tuple[EligibilityRule, ...] = ()
    general: GeneralRules = GeneralRules()
    severity: dict[str, Severity] = Field(default_factory=dict)  # flag code -> severity
    # Where each general rule and severity override comes from: keys are the names of
    # `general` (recent_dose_hours, infection_wait_days, other_vaccine_days, brand_change,
    # season_start) and `severity.CODE`; every rule in force needs one.
    sources: dict[str, str] = Field(default_factory=dict)
    source: str = ""  # where the rules come from, for people reading the file

    def product(self, code: str) -> Product:
        """The product with this exact code; KeyError when the rule set has none."""
        for p in self.products:
            if p.code == code:
                return p
        raise KeyError(code)

    def has_product(self, code: str) -> bool:
        """True when the rule set lists a product with this code."""
        return any(p.code == code for p in self.products)

    def min_interval(
        self,
        product: Product,
        previous: str,
        dose: int,
        age_months: int | None,
        kind: DoseKind | None = None,
    ) -> IntervalRule | None:
        """The interval rule for giving `product` as `dose` after a dose of `previous`.

        `kind` is what the booking's label says (`dose_kind_of_label`): only 基礎加強劑
        needs it, the number tells every other dose.
        """
        slot = dose_slot(product, dose, kind)
        best: IntervalRule | None = None
        for rule in self.intervals:
            if not rule.matches(product, previous, slot, age_months):
                continue
            if (
                best is None
                or rule.specificity > best.specificity
                or (rule.specificity == best.specificity and rule.min_days > best.min_days)
            ):
                best = rule
        return best

    def eligibility_for(self, product: Product, slot: DoseSlot) -> list[EligibilityRule]:
        """The eligibility rules about giving `product` as the dose `slot` (all must hold)."""
        return [r for r in self.eligibility if r.selects(product, slot)]

    def severity_for(self, code: str) -> Severity | None:
        """The severity this rule set gives a flag code, or None for the catalogue default."""
        return self.severity.get(code)


def _loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def rule_set_from_data(data: Any, path: Path | str = "<data>") -> RuleSet:
    """Validate parsed JSON as a rule set; RuleSetError names the file and field."""
    if not isinstance(data, dict):
        raise RuleSetError(path, "", "the file must hold one JSON object")
    try:
        rs = RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _loc(first["loc"])
        message = first["msg"]
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem(s))"
        raise RuleSetError(path, field, message) from None
    _check_consistency(rs, path)
    products = tuple(p.model_copy(update={"disease": rs.disease}) for p in rs.products)
    return rs.model_copy(update={"products": products})


def _check_consistency(rs: RuleSet, path: Path | str) -> None:
    """Cross-field checks pydantic cannot express: codes, aliases, interval references."""
    seen: dict[str, str] = {}
    codes = set()
    for i, p in enumerate(rs.products):
        if p.code in codes:
            raise RuleSetError(path, f"products[{i}].code", f"duplicate product code {p.code!r}")
        codes.add(p.code)
        if p.max_age_months is not None and p.max_age_months <= p.min_age_months:
            raise RuleSetError(path, f"products[{i}].max_age", "must be above min_age")
        if p.doses is not None and any(d < 1 for d in p.doses):
            raise RuleSetError(path, f"products[{i}].doses", "dose numbers start at 1")
        for j, name in enumerate((p.code, p.niis_code, *p.aliases)):
            key = alias_key(name)
            owner = seen.get(key)
            if owner is not None and owner != p.code:
                field = f"products[{i}]." + (
                    f"aliases[{j - 2}]" if j >= 2 else ("niis_code" if j else "code")
                )
                raise RuleSetError(
                    path, field, f"name {name!r} already belongs to product {owner!r}"
                )
            seen[key] = p.code
        if p.vial_sizes is not None and p.doses_per_vial not in p.vial_sizes:
            raise RuleSetError(
                path, f"products[{i}].vial_sizes", "must include the default doses_per_vial"
            )

    def known(field: str, code: str) -> None:
        if code != WILDCARD and code not in codes:
            raise RuleSetError(
                path, field, f"unknown product {code!r} (not in this file's products)"
            )

    selectors: list[tuple[str, _DoseSelector]] = [
        *((f"intervals[{i}]", r) for i, r in enumerate(rs.intervals)),
        *((f"eligibility[{i}]", r) for i, r in enumerate(rs.eligibility)),
    ]
    for where, rule in selectors:
        known(f"{where}.product", rule.product)
        if isinstance(rule, IntervalRule):
            known(f"{where}.previous", rule.previous)
        if isinstance(rule.dose, int) and rule.dose < 1:
            raise RuleSetError(path, f"{where}.dose", "dose numbers start at 1")
        if rule.booster is not None and rule.dose != "booster":
            raise RuleSetError(path, f"{where}.booster", 'only with "dose": "booster"')
    for i, elig in enumerate(rs.eligibility):
        for j, allowance in enumerate(elig.allow):
            for attr in ("products", "previous"):
                for code in getattr(allowance, attr) or ():
                    known(f"eligibility[{i}].allow[{j}].{attr}", code)
    for code in rs.severity:
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", code):
            raise RuleSetError(path, f"severity.{code}", "flag codes are UPPER_SNAKE_CASE")
    for key in rs.sources:
        if key not in _SOURCED_GENERAL and key.removeprefix("severity.") not in rs.severity:
            raise RuleSetError(path, f"sources.{key}", "names no general rule or severity override")
    for key in _rules_in_force(rs):
        if not rs.sources.get(key):
            raise RuleSetError(path, f"sources.{key}", "every rule in force needs its source")


# The general rules whose source the file must give when they are switched on.
_SOURCED_GENERAL: Final[tuple[str, ...]] = (
    "recent_dose_hours", "infection_wait_days", "other_vaccine_days", "brand_change",
    "season_start",
)  # fmt: skip


def _rules_in_force(rs: RuleSet) -> list[str]:
    """The `sources` keys of the general rules switched on and the severity overrides."""
    on = [k for k in _SOURCED_GENERAL if getattr(rs.general, k) not in (None, False)]
    return on + [f"severity.{code}" for code in rs.severity]


def load_rule_set(path: Path | str) -> RuleSet:
    """Read and validate one rule set file."""
    p = Path(path)
    try:
        return rule_set_from_bytes(p.read_bytes(), p)
    except OSError as exc:
        raise RuleSetError(p, "", f"cannot read the file: {exc.strerror or exc}") from None


def rule_set_from_bytes(data: bytes, path: Path | str = "<data>") -> RuleSet:
    """Validate a rule set file's bytes (UTF-8 JSON, as published or downloaded)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleSetError(path, "", f"not UTF-8 text (byte {exc.start})") from None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleSetError(path, f"line {exc.lineno} column {exc.colno}", exc.msg) from None
    return rule_set_from_data(parsed, path)


def alias_key(text: str) -> str:
    """The form names are compared in: NFKC, no spaces, case-folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass(frozen=True)
class _Entry:
    rule_set: RuleSet
    path: str


class RuleSetRegistry:
    """All loaded rule sets, with lookups by product, alias, disease and date."""

    def __init__(self, rule_sets: Iterable[RuleSet], paths: Iterable[str] | None = None) -> None:
        sets = list(rule_sets)
        names = list(paths) if paths is not None else [f"{rs.id}@{rs.version}" for rs in sets]
        entries = [_Entry(rs, name) for rs, name in zip(sets, names, strict=True)]
        # Newest first, so the first hit of a date search is the version in force.
        entries.sort(key=lambda e: (e.rule_set.effective_from, e.rule_set.version), reverse=True)
        self._entries = tuple(entries)
        seen_versions: dict[tuple[str, str], str] = {}
        seen_dates: dict[tuple[str, date], str] = {}
        for e in entries:
            rs = e.rule_set
            other = seen_versions.get((rs.id, rs.version))
            if other is not None:
                raise RuleSetError(
                    e.path, "version", f"{rs.id} version {rs.version} also in {other}"
                )
            seen_versions[(rs.id, rs.version)] = e.path
            other = seen_dates.get((rs.id, rs.effective_from))
            if other is not None:
                raise RuleSetError(
                    e.path,
                    "effective_from",
                    f"{rs.id} has another version effective the same day in {other}",
                )
            seen_dates[(rs.id, rs.effective_from)] = e.path
        self._products: dict[str, Product] = {}
        self._aliases: dict[str, str] = {}
        alias_source: dict[str, str] = {}
        for e in entries:  # newest first: the newest description of a product wins
            for p in e.rule_set.products:
                self._products.setdefault(p.code, p)
                for name in (p.code, p.niis_code, *p.aliases):
                    key = alias_key(name)
                    owner = self._aliases.get(key)
                    if owner is not None and owner != p.code:
                        raise RuleSetError(
                            e.path,
                            "aliases",
                            f"name {name!r} means {p.code} here but {owner} in {alias_source[key]}",
                        )
                    self._aliases[key] = p.code
                    alias_source[key] = e.path
        self._by_product_cache: dict[tuple[str, date], RuleSet] = {}

    @property
    def rule_sets(self) -> tuple[RuleSet, ...]:
        """Every loaded rule set version, newest effective date first."""
        return tuple(e.rule_set for e in self._entries)

    def named(self) -> tuple[tuple[RuleSet, str], ...]:
        """Every version with the name it was loaded under (its file), newest first."""
        return tuple((e.rule_set, e.path) for e in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def products(self) -> list[Product]:
        """Every known product (newest description of each), sorted by code."""
        return sorted(self._products.values(), key=lambda p: p.code)

    def product(self, code: str) -> Product:
        """The product with this exact code (from the newest rule set listing it)."""
        try:
            return self._products[code]
        except KeyError:
            raise RuleSetLookupError(f"unknown product code {code!r}") from None

    def has_product(self, code: str) -> bool:
        """True when some rule set lists a product with this exact code."""
        return code in self._products

    def resolve_product(self, text: str) -> Product | None:
        """The product named by a code, NIIS code or alias ("AZ", "莫德納", "CoV_Pfizer/BNT")."""
        code = self._aliases.get(alias_key(text))
        return self._products[code] if code is not None else None

    def disease_of(self, code: str) -> str | None:
        """The disease a product code protects against, or None for an unknown code."""
        p = self._products.get(code)
        return p.disease if p is not None else None

    def for_product(self, code: str, on: date) -> RuleSet:
        """The rule set version in force on `on` that lists product `code`."""
        key = (code, on)
        cached = self._by_product_cache.get(key)
        if cached is not None:
            return cached
        for e in self._entries:
            rs = e.rule_set
            if rs.effective_from <= on and rs.has_product(code):
                self._by_product_cache[key] = rs
                return rs
        if code in self._products:
            raise RuleSetLookupError(f"no rule set for {code!r} is in force on {on.isoformat()}")
        raise RuleSetLookupError(f"unknown product code {code!r}")

    def for_disease(self, disease: str, on: date) -> RuleSet:
        """The rule set version in force on `on` for `disease`."""
        for e in self._entries:
            if e.rule_set.disease == disease and e.rule_set.effective_from <= on:
                return e.rule_set
        raise RuleSetLookupError(f"no rule set for {disease!r} is in force on {on.isoformat()}")

    def history_days(self) -> int:
        """The longest look-back of any rule, in days: what a desk must know of earlier doses.

        The minimum intervals between doses, the wait after another vaccine and the hours
        after a recent dose (rounded up to days), over every loaded version. A dose given
        elsewhere earlier than this changes no assessment's interval or wait.
        """
        days = [0]
        for e in self._entries:
            rs, general = e.rule_set, e.rule_set.general
            days += [r.min_days for r in rs.intervals]
            days.append(general.other_vaccine_days or 0)
            days.append(math.ceil((general.recent_dose_hours or 0) / 24))
        return max(days)

    def versions(self, rule_set_id: str) -> list[RuleSet]:
        """All versions of one rule set, newest first."""
        return [e.rule_set for e in self._entries if e.rule_set.id == rule_set_id]


def merge_rule_sets(
    bundled: RuleSetRegistry, published: Iterable[tuple[RuleSet, str]]
) -> RuleSetRegistry:
    """The bundled rule sets with the bureau's published ones (each with its name).

    A published version replaces a bundled one of the same id and version or of the same
    id and effective date (the bureau's word wins); RuleSetError when the sets together
    contradict each other (a name meaning two products, two versions of one day).
    """
    extra = list(published)
    taken = {(rs.id, rs.version) for rs, _ in extra} | {
        (rs.id, rs.effective_from) for rs, _ in extra
    }
    kept = [
        (rs, name)
        for rs, name in bundled.named()
        if (rs.id, rs.version) not in taken and (rs.id, rs.effective_from) not in taken
    ]
    sets = [*kept, *extra]
    return RuleSetRegistry([rs for rs, _ in sets], [name for _, name in sets])


def rule_sets_in_force(rules: RuleSetRegistry, on: date) -> list[RuleSet]:
    """The version of each rule set in force on `on`, by id (what a desk shows it uses)."""
    found: dict[str, RuleSet] = {}
    for rs in rules.rule_sets:  # newest first
        if rs.effective_from <= on:
            found.setdefault(rs.id, rs)
    return [found[k] for k in sorted(found)]


def load_rule_sets(directory: Path | str | None = None) -> RuleSetRegistry:
    """Load every `*.json` rule set in `directory` (default `resources/rules/`)."""
    folder = Path(directory) if directory is not None else DEFAULT_RULES_DIR
    if not folder.is_dir():
        raise RuleSetError(folder, "", "rule set folder not found")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise RuleSetError(folder, "", "no rule set files (*.json) in the folder")
    sets = [load_rule_set(f) for f in files]
    return RuleSetRegistry(sets, [f.name for f in files])


_CN_DIGITS: Final[dict[str, int]] = {
    "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "十": 10,
}  # fmt: skip

# Booster labels name the dose after a two-dose primary series, as rosters of 2022-2023 do:
# 追加劑 = 3rd dose, 追加劑第二劑 = 4th. 基礎加強劑 (additional primary dose) is the 3rd too.
_BOOSTER_FIRST: Final[int] = 3


def parse_dose_label(text: str) -> int:
    """Read a roster's dose label as a dose number.

    "第1劑", "1", "第一劑", "dose 2" -> the number; "基礎加強劑", "追加劑", "booster" -> 3;
    "追加劑第二劑", "第二次追加劑", "第4劑 (追加劑第 2 劑)" -> 4. ValueError otherwise.
    """
    value = "".join(unicodedata.normalize("NFKC", text).split()).casefold()
    if not value:
        raise ValueError("empty dose label")
    m = re.match(r"^(?:第|dose)?(\d{1,2})(?:劑|st|nd|rd|th)?", value)
    if m and (value[m.end() :] == "" or value[m.end() :].startswith("(")):
        n = int(m.group(1))
        if n >= 1:
            return n
    m = re.fullmatch(r"第([一二兩三四五六七八九十])劑", value)
    if m:
        return _CN_DIGITS[m.group(1)]
    nth_digit = r"([一二兩三四五六七八九十\d])"
    m = re.fullmatch(rf"(?:追加劑第{nth_digit}劑|第{nth_digit}次追加劑)", value)
    if m:
        nth = m.group(1) or m.group(2)
        n = int(nth) if nth.isdigit() else _CN_DIGITS[nth]
        return _BOOSTER_FIRST + n - 1
    if value in ("追加劑", "追加", "booster", "基礎加強劑", "基礎加強", "加強劑"):
        return _BOOSTER_FIRST
    m = re.fullmatch(r"booster(\d)", value)
    if m:
        return _BOOSTER_FIRST + int(m.group(1)) - 1
    raise ValueError(f"unknown dose label {text!r}")
