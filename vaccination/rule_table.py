"""The README's rule table, written from the loaded rule sets (never by hand).

`rule_table_markdown(registry)` gives one Markdown table per rule set version: products,
minimum intervals, eligibility, the general rules and severity overrides, each with the
source the file names. `scripts/rule_table.py` puts it into README.md between
`README_BEGIN` and `README_END`; a test checks the two agree.
"""

from __future__ import annotations

from typing import Final

from vaccination.rules import (
    WILDCARD,
    EligibilityRule,
    IntervalRule,
    Product,
    RuleSet,
    RuleSetRegistry,
    age_text,
    describe_allowance,
)

README_BEGIN: Final[str] = "<!-- rule-table:begin (scripts/rule_table.py writes this part) -->"
README_END: Final[str] = "<!-- rule-table:end -->"

_GENERAL: Final[dict[str, str]] = {
    "recent_dose_hours": "recent dose (RECENT_DOSE)",
    "infection_wait_days": "after an infection (RECENT_INFECTION)",
    "other_vaccine_days": "other vaccines (OTHER_VACCINE_RECENT)",
    "brand_change": "brand change (BRAND_CHANGE)",
    "season_start": "season",
}


def rule_table_markdown(registry: RuleSetRegistry) -> str:
    """Every rule set version, oldest first per id, as Markdown tables."""
    sets = sorted(registry.rule_sets, key=lambda rs: (rs.id, rs.effective_from))
    return "\n\n".join(_one(rs) for rs in sets) + "\n"


def _one(rs: RuleSet) -> str:
    rows = [
        *(_product_row(p) for p in rs.products),
        *(_interval_row(r) for r in rs.intervals),
        *(_eligibility_row(rs, r) for r in rs.eligibility),
        *_general_rows(rs),
    ]
    head = (
        f"**`{rs.id}` {rs.version}**, in force from {rs.effective_from.isoformat()}: "
        f"{rs.name_zh} / {rs.name_en}\n\n"
        "| rule | value | source |\n| --- | --- | --- |"
    )
    return head + "\n" + "\n".join(f"| {a} | {b} | {_cell(c)} |" for a, b, c in rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _ages(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{age_text(low)[1]} to under {age_text(high)[1]}"
    if low is not None:
        return f"{age_text(low)[1]} and older"
    if high is not None:
        return f"under {age_text(high)[1]}"
    return "any age"


def _product_row(p: Product) -> tuple[str, str, str]:
    doses = ", ".join(str(n) for n in p.doses) if p.doses else "any"
    sizes = p.vial_sizes or (p.doses_per_vial,)
    vials = " or ".join(str(n) for n in sizes) + " doses per vial"
    if len(sizes) > 1:
        vials += f" (default {p.doses_per_vial})"
    value = (
        f"{_ages(p.min_age_months, p.max_age_months)}; primary series {p.primary_doses}; "
        f"doses {doses}; {vials}"
    )
    return f"product `{p.code}` {p.name_zh}", value, p.source


def _selector(dose: int | str, booster: int | None, product: str) -> str:
    if dose == "booster":
        what = f"booster {booster}" if booster is not None else "any booster"
    elif dose == "additional":
        what = "基礎加強劑 (additional primary dose)"
    elif dose == WILDCARD:
        what = "any dose"
    else:
        what = f"dose {dose}"
    return what if product == WILDCARD else f"{what} of `{product}`"


def _interval_row(r: IntervalRule) -> tuple[str, str, str]:
    rule = "interval: " + _selector(r.dose, r.booster, r.product)
    if r.previous != WILDCARD:
        rule += f" after `{r.previous}`"
    if r.min_age_months is not None or r.max_age_months is not None:
        rule += f", {_ages(r.min_age_months, r.max_age_months)}"
    return rule, f"at least {r.min_days} days", r.source


def _eligibility_row(rs: RuleSet, r: EligibilityRule) -> tuple[str, str, str]:
    who = " **or** ".join(describe_allowance(a)[1] for a in r.allow)
    return "who: " + _selector(r.dose, r.booster, r.product), who, r.source


def _general_rows(rs: RuleSet) -> list[tuple[str, str, str]]:
    g = rs.general
    values = {
        "recent_dose_hours": (
            f"no dose within {g.recent_dose_hours} hours" if g.recent_dose_hours else None
        ),
        "infection_wait_days": (
            f"{g.infection_wait_days} days after the onset or the confirmation"
            if g.infection_wait_days is not None
            else None
        ),
        "other_vaccine_days": (
            f"{g.other_vaccine_days} days, both ways" if g.other_vaccine_days is not None else None
        ),
        "brand_change": "shown" if g.brand_change else None,
        "season_start": f"from {g.season_start} each year" if g.season_start else None,
    }
    rows = []
    for key, label in _GENERAL.items():
        value = values[key]
        source = rs.sources.get(key, "")
        if value is None and not source:
            continue
        rows.append((label, value or "none", source))
    for code, severity in sorted(rs.severity.items()):
        rows.append(
            (f"severity of `{code}`", severity.value, rs.sources.get(f"severity.{code}", ""))
        )
    return rows
