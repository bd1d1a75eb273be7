"""The flag catalogue: required codes, sensible severities, bilingual templates."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from vaccination.flags import CATALOGUE, flag_spec, make_flag
from vaccination.models import Severity

REQUIRED = {
    "INVALID_ID": Severity.BLOCK,
    "NOT_ON_ROSTER": Severity.BLOCK,
    "WRONG_DATE": Severity.BLOCK,
    "WRONG_SITE": Severity.BLOCK,
    "OUTSIDE_SLOT": Severity.WARN,
    "AGE_INELIGIBLE": Severity.BLOCK,
    "DOSE_SEQUENCE": Severity.BLOCK,
    "INTERVAL_TOO_SHORT": Severity.BLOCK,
    "BRAND_CHANGE": Severity.WARN,
    "RECENT_DOSE": Severity.BLOCK,
    "RECENT_INFECTION": Severity.BLOCK,
    "OTHER_VACCINE_RECENT": Severity.WARN,
    "DUPLICATE_BOOKING": Severity.INFO,
    "ALREADY_CHECKED_IN": Severity.BLOCK,
    "ALREADY_VACCINATED": Severity.BLOCK,
    "DOCTOR_NOT_APPROVED": Severity.BLOCK,
    "UNCHECKED_ID": Severity.INFO,
}


@pytest.mark.parametrize(("code", "severity"), sorted(REQUIRED.items()))
def test_required_codes_and_default_severities(code: str, severity: Severity) -> None:
    assert flag_spec(code).severity is severity


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_entry_has_both_languages_and_the_same_placeholders(code: str) -> None:
    spec = CATALOGUE[code]
    assert spec.code == code
    assert any("\u4e00" <= c <= "\u9fff" for c in spec.message_zh)
    assert spec.message_en.isascii()
    assert spec.when

    def fields(template: str) -> set[str]:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        # Language-specific values pair up: x_zh in Chinese, x_en in English.
        return {n.removesuffix("_zh").removesuffix("_en") for n in names}

    assert fields(spec.message_zh) == fields(spec.message_en)


def test_make_flag_fills_the_templates_and_keeps_the_data() -> None:
    flag = make_flag(
        "INTERVAL_TOO_SHORT", earliest="2026-12-01", last_dose="2026-11-03", min_days=28
    )
    assert flag.severity is Severity.BLOCK
    assert flag.message_zh == "距上一劑（2026-11-03）未滿 28 天，最早 2026-12-01 才能接種。"
    assert "earliest date 2026-12-01" in flag.message_en
    assert flag.data == {"earliest": "2026-12-01", "last_dose": "2026-11-03", "min_days": 28}


def test_make_flag_severity_override_and_text_only_values() -> None:
    flag = make_flag(
        "BRAND_CHANGE",
        Severity.BLOCK,
        previous_zh="AZ",
        previous_en="AstraZeneca",
        product_zh="莫德納",
        product_en="Moderna",
        product="CoV_Moderna",
    )
    assert flag.severity is Severity.BLOCK
    assert "「AZ」" in flag.message_zh and "AstraZeneca" in flag.message_en
    # Texts for one language serve the messages only; data keeps machine values.
    assert flag.data == {"product": "CoV_Moderna"}


def test_missing_data_leaves_the_placeholder_visible_instead_of_crashing() -> None:
    flag = make_flag("ALREADY_VACCINATED")
    assert "{today}" in flag.message_zh


def test_unknown_code_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        make_flag("NOT_A_FLAG")


def test_readme_table_documents_every_code_with_its_severity() -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip()
        for line in readme.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `") and line.split("|")[1].strip().strip("`") in CATALOGUE
    }
    assert set(rows) == set(CATALOGUE)
    for code, severity in rows.items():
        assert severity.startswith(CATALOGUE[code].severity.value), code
