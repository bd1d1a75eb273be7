"""Rule set files: the shipped ones, broken ones, new ones, and versions by date."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from vaccination.models import Severity
from vaccination.rules import (
    DEFAULT_RULES_DIR,
    RuleSetError,
    RuleSetLookupError,
    format_age,
    load_rule_set,
    load_rule_sets,
    parse_age,
    parse_dose_label,
)


@pytest.fixture(scope="module")
def shipped_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (DEFAULT_RULES_DIR / "covid19_2023.json").read_text(encoding="utf-8")
    )
    return data


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_shipped_rule_sets_load() -> None:
    reg = load_rule_sets()
    ids = {(rs.id, rs.version) for rs in reg.rule_sets}
    assert {("covid19", "2023.05.2"), ("covid19", "2022.06"), ("covid19", "2021.08")} <= ids
    assert ("flu", "2025-26.2") in ids
    assert ("mpox", "2023.05") in ids


@pytest.mark.parametrize(
    ("code", "min_months", "max_months", "doses_per_vial", "niis"),
    [
        ("CoV_BNT", 12 * 12, None, 6, "CoV_Pfizer/BNT"),
        ("CoV_AZ", 18 * 12, None, 10, "CoV_AZ"),
        ("CoV_Moderna", 12 * 12, None, 10, "CoV_Moderna"),
        ("CoV_Medigen", 20 * 12, None, 1, "CoV_Medigen"),
        ("CoV_BNT_Child", 5 * 12, 12 * 12, 10, "CoV_Pfizer/BNT_Child"),
        ("CoV_Moderna_Child", 6 * 12, 12 * 12, 10, "CoV_Moderna_Child"),
        ("CoV_BNT_Infant", 6, 5 * 12, 10, "CoV_Pfizer/BNT_Infant"),
        ("CoV_Moderna_Infant", 6, 6 * 12, 10, "CoV_Moderna_Infant"),
        ("Mpox_JYNNEOS", 12 * 12, None, 1, "Mpox_JYNNEOS"),
    ],
)
def test_products_follow_the_documents(
    code: str, min_months: int, max_months: int | None, doses_per_vial: int, niis: str
) -> None:
    p = load_rule_sets().product(code)
    assert (p.min_age_months, p.max_age_months) == (min_months, max_months)
    assert p.doses_per_vial == doses_per_vial
    assert p.niis_code == niis


@pytest.mark.parametrize(
    ("product", "dose", "previous", "age_years", "days"),
    [
        ("CoV_BNT", 2, "CoV_BNT", 30, 28),
        ("CoV_BNT", 2, "CoV_BNT", 15, 84),  # teenagers: 12 weeks (Tainan 2022)
        ("CoV_AZ", 2, "CoV_AZ", 30, 56),
        ("CoV_Moderna", 2, "CoV_AZ", 30, 56),  # after AZ, 8 weeks whatever comes next
        ("CoV_Moderna", 2, "CoV_Moderna", 30, 28),
        ("CoV_Medigen", 2, "CoV_Medigen", 30, 28),
        ("CoV_Novavax", 2, "CoV_Novavax", 30, 28),
        ("CoV_Moderna_BA45", 3, "CoV_BNT", 30, 84),  # booster
        ("CoV_BNT", 4, "CoV_BNT", 70, 84),
        ("CoV_BNT_Infant", 2, "CoV_BNT_Infant", 1, 21),
        ("CoV_BNT_Infant", 3, "CoV_BNT_Infant", 1, 56),
        ("CoV_BNT_Infant", 4, "CoV_BNT_Infant", 4, 84),  # booster after 3 primary doses
    ],
)
def test_minimum_intervals(
    product: str, dose: int, previous: str, age_years: int, days: int
) -> None:
    rs = load_rule_sets().for_product(product, date(2026, 11, 22))
    rule = rs.min_interval(rs.product(product), previous, dose, age_years * 12)
    assert rule is not None
    assert rule.min_days == days


def test_general_rules_of_covid() -> None:
    rs = load_rule_sets().for_disease("covid19", date(2026, 1, 1))
    g = rs.general
    # The 2022-2023 documents name no spacing to other vaccines (the 2021 plan's 14 days).
    assert (g.recent_dose_hours, g.infection_wait_days, g.other_vaccine_days) == (48, 84, None)
    assert g.brand_change
    assert g.slot.early_minutes == 30


def test_mpox_second_dose_four_weeks() -> None:
    rs = load_rule_sets().for_disease("mpox", date(2026, 1, 1))
    p = rs.product("Mpox_JYNNEOS")
    rule = rs.min_interval(p, "Mpox_JYNNEOS", 2, 30 * 12)
    assert rule is not None and rule.min_days == 28
    assert not p.allows_dose(3)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("AZ", "CoV_AZ"),
        ("az", "CoV_AZ"),
        ("ＡＺ", "CoV_AZ"),
        ("莫德納", "CoV_Moderna"),
        ("CoV_Pfizer/BNT", "CoV_BNT"),
        ("BNT-成人", "CoV_BNT"),
        ("成人BNT", "CoV_BNT"),
        ("兒童BNT", "CoV_BNT_Child"),
        ("莫德納-幼兒", "CoV_Moderna_Infant"),
        ("莫德納次世代BA.4/5", "CoV_Moderna_BA45"),
        ("高端", "CoV_Medigen"),
        (" CoV_Medigen ", "CoV_Medigen"),
        ("猴痘", "Mpox_JYNNEOS"),
        ("流感", "Flu"),
    ],
)
def test_resolve_product_by_code_or_alias(text: str, code: str) -> None:
    p = load_rule_sets().resolve_product(text)
    assert p is not None and p.code == code


def test_resolve_unknown_product_is_none() -> None:
    assert load_rule_sets().resolve_product("Sinovac") is None


def test_version_in_force_on_the_desk_date_wins() -> None:
    reg = load_rule_sets()
    assert reg.for_product("CoV_AZ", date(2021, 8, 1)).version == "2021.08"
    assert reg.for_product("CoV_AZ", date(2022, 6, 7)).version == "2021.08"
    assert reg.for_product("CoV_AZ", date(2022, 6, 8)).version == "2022.06"
    assert reg.for_product("CoV_AZ", date(2023, 4, 30)).version == "2022.06"
    assert reg.for_product("CoV_AZ", date(2023, 5, 1)).version == "2023.05.2"
    # The 2021 plan blocked mixing brands; the 2023 rules only warn.
    assert reg.for_product("CoV_AZ", date(2021, 8, 1)).severity_for("BRAND_CHANGE") is (
        Severity.BLOCK
    )
    assert reg.for_product("CoV_AZ", date(2024, 1, 1)).severity_for("BRAND_CHANGE") is None


def test_product_only_in_a_later_version_is_not_in_force_before_it() -> None:
    reg = load_rule_sets()
    with pytest.raises(RuleSetLookupError, match="no rule set"):
        reg.for_product("CoV_Novavax", date(2022, 1, 1))
    with pytest.raises(RuleSetLookupError, match="unknown product"):
        reg.for_product("Sinovac", date(2024, 1, 1))
    with pytest.raises(RuleSetLookupError):
        reg.for_product("CoV_BNT", date(2020, 1, 1))


def test_a_new_rule_set_file_needs_no_code_change(
    tmp_path: Path, shipped_json: dict[str, Any]
) -> None:
    for f in DEFAULT_RULES_DIR.glob("*.json"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    write(
        tmp_path,
        "hepb_2026.json",
        {
            "id": "hepb",
            "name_zh": "B型肝炎疫苗",
            "name_en": "Hepatitis B vaccine",
            "version": "2026.01",
            "effective_from": "2026-01-01",
            "disease": "hepatitis_b",
            "products": [
                {
                    "code": "HepB",
                    "name_zh": "B型肝炎疫苗",
                    "name_en": "Hepatitis B",
                    "brand": "HepB",
                    "aliases": ["B肝"],
                    "min_age": "0m",
                    "doses_per_vial": 1,
                    "niis_code": "HepB",
                    "primary_doses": 3,
                    "source": "package insert",
                }
            ],
            "intervals": [
                {"dose": 2, "min_days": 28, "source": "schedule, dose 2"},
                {"dose": 3, "min_days": 56, "source": "schedule, dose 3"},
            ],
            "sources": {"recent_dose_hours": "house rule", "brand_change": "house rule"},
        },
    )
    reg = load_rule_sets(tmp_path)
    rs = reg.for_product("HepB", date(2026, 6, 1))
    assert rs.id == "hepb"
    assert reg.resolve_product("B肝") is not None
    assert reg.disease_of("HepB") == "hepatitis_b"
    # Defaults of the general rules apply when a file leaves them out.
    assert rs.general.recent_dose_hours == 48
    assert rs.general.infection_wait_days is None


def test_a_newer_version_of_a_rule_set_takes_over_from_its_date(
    tmp_path: Path, shipped_json: dict[str, Any]
) -> None:
    newer = copy.deepcopy(shipped_json)
    newer["version"] = "2027.01"
    newer["effective_from"] = "2027-01-01"
    newer["general"]["infection_wait_days"] = 30
    write(tmp_path, "a.json", shipped_json)
    write(tmp_path, "b.json", newer)
    reg = load_rule_sets(tmp_path)
    assert reg.for_product("CoV_BNT", date(2026, 12, 31)).general.infection_wait_days == 84
    assert reg.for_product("CoV_BNT", date(2027, 1, 1)).general.infection_wait_days == 30
    assert [rs.version for rs in reg.versions("covid19")] == ["2027.01", "2023.05.2"]


def _broken(data: dict[str, Any], how: str) -> None:
    if how == "missing_version":
        del data["version"]
    elif how == "bad_date":
        data["effective_from"] = "2023-02-30"
    elif how == "unknown_interval_product":
        data["intervals"][1]["product"] = "CoV_Sinovac"
    elif how == "unknown_previous_product":
        data["intervals"][2]["previous"] = "AZ"  # an alias, not a code
    elif how == "bad_age":
        data["products"][3]["min_age"] = "twelve"
    elif how == "missing_product_field":
        del data["products"][1]["doses_per_vial"]
    elif how == "zero_vial":
        data["products"][0]["doses_per_vial"] = 0
    elif how == "duplicate_code":
        data["products"][1]["code"] = "CoV_BNT"
    elif how == "alias_clash":
        data["products"][8]["aliases"].append("莫德納")  # AZ's list gets Moderna's name
    elif how == "bad_dose":
        data["intervals"][0]["dose"] = "second"
    elif how == "bad_severity":
        data["severity"] = {"BRAND_CHANGE": "fatal"}
    elif how == "unknown_field":
        data["general"]["recent_dose_hour"] = 48
    elif how == "age_range":
        data["products"][1]["max_age"] = "4y"
    elif how == "interval_without_source":
        del data["intervals"][3]["source"]
    elif how == "general_rule_without_source":
        del data["sources"]["infection_wait_days"]
    elif how == "source_of_nothing":
        data["sources"]["severity.OTHER_VACCINE_RECENT"] = "seed 002"
    elif how == "vial_sizes_without_default":
        data["products"][8]["vial_sizes"] = [8]
    elif how == "booster_number_on_a_numbered_dose":
        data["intervals"][0]["booster"] = 2
    elif how == "unknown_eligible_product":
        data["eligibility"][1]["allow"][0]["previous"] = ["Moderna"]


@pytest.mark.parametrize(
    ("how", "field", "words"),
    [
        ("missing_version", "version", "Field required"),
        ("bad_date", "effective_from", "date"),
        ("unknown_interval_product", "intervals[1].product", "unknown product 'CoV_Sinovac'"),
        ("unknown_previous_product", "intervals[2].previous", "unknown product 'AZ'"),
        ("bad_age", "products[3].min_age", "'12y', '6m'"),
        ("missing_product_field", "products[1].doses_per_vial", "Field required"),
        ("zero_vial", "products[0].doses_per_vial", "greater than or equal to 1"),
        ("duplicate_code", "products[1].code", "duplicate product code 'CoV_BNT'"),
        ("alias_clash", "products[8].aliases[4]", "already belongs to product 'CoV_Moderna'"),
        ("bad_dose", "intervals[0].dose", ""),
        ("bad_severity", "severity.BRAND_CHANGE", "'block', 'warn' or 'info'"),
        ("unknown_field", "general.recent_dose_hour", "Extra inputs"),
        ("age_range", "products[1].max_age", "must be above min_age"),
        ("interval_without_source", "intervals[3].source", "Field required"),
        ("general_rule_without_source", "sources.infection_wait_days", "needs its source"),
        ("source_of_nothing", "sources.severity.OTHER_VACCINE_RECENT", "names no general"),
        ("vial_sizes_without_default", "products[8].vial_sizes", "default doses_per_vial"),
        ("booster_number_on_a_numbered_dose", "intervals[0].booster", '"dose": "booster"'),
        ("unknown_eligible_product", "eligibility[1].allow[0].previous", "unknown product"),
    ],
)
def test_broken_file_error_names_file_and_field(
    tmp_path: Path, shipped_json: dict[str, Any], how: str, field: str, words: str
) -> None:
    data = copy.deepcopy(shipped_json)
    _broken(data, how)
    path = write(tmp_path, "covid19_broken.json", data)
    with pytest.raises(RuleSetError) as info:
        load_rule_set(path)
    err = info.value
    assert err.field.startswith(field), err
    assert str(err).startswith(f"covid19_broken.json: {field}")
    assert words in str(err)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "id": "x",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"^bad\.json: line 3 column 16"):
        load_rule_set(path)


def test_a_json_list_is_not_a_rule_set(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="one JSON object"):
        load_rule_set(write(tmp_path, "list.json", []))


def test_two_files_with_the_same_version_are_refused(
    tmp_path: Path, shipped_json: dict[str, Any]
) -> None:
    write(tmp_path, "a.json", shipped_json)
    write(tmp_path, "b.json", shipped_json)
    with pytest.raises(RuleSetError, match=r"b\.json: version: covid19 version 2023\.05\.2 also"):
        load_rule_sets(tmp_path)


def test_an_alias_meaning_two_products_across_files_is_refused(tmp_path: Path) -> None:
    flu = json.loads((DEFAULT_RULES_DIR / "flu_2025.json").read_text(encoding="utf-8"))
    flu["products"][1]["aliases"].append("AZ")
    write(tmp_path, "flu.json", flu)
    covid = (DEFAULT_RULES_DIR / "covid19_2023.json").read_text(encoding="utf-8")
    (tmp_path / "covid.json").write_text(covid, encoding="utf-8")
    with pytest.raises(RuleSetError, match="name 'AZ' means"):
        load_rule_sets(tmp_path)


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="no rule set files"):
        load_rule_sets(tmp_path)
    with pytest.raises(RuleSetError, match="folder not found"):
        load_rule_sets(tmp_path / "nope")


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("第1劑", 1),
        ("第2劑", 2),
        ("第 2 劑", 2),
        ("第二劑", 2),
        ("第３劑", 3),
        ("1", 1),
        ("2", 2),
        ("dose 2", 2),
        ("2nd", 2),
        ("基礎加強劑", 3),
        ("追加劑", 3),
        ("Booster", 3),
        ("追加劑第二劑", 4),
        ("追加劑第2劑", 4),
        ("第二次追加劑", 4),
        ("第4劑 (追加劑第 2 劑)", 4),
        ("第4劑（追加劑第2劑）", 4),
    ],
)
def test_parse_dose_label(text: str, dose: int) -> None:
    assert parse_dose_label(text) == dose


@pytest.mark.parametrize("text", ["", "第劑", "第0劑", "0", "加打", "第二十一劑"])
def test_unknown_dose_labels_are_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_dose_label(text)


@pytest.mark.parametrize(("text", "months"), [("12y", 144), ("6m", 6), ("1y6m", 18), (5, 60)])
def test_ages(text: str | int, months: int) -> None:
    assert parse_age(text) == months
    if isinstance(text, str):
        assert format_age(months) == text
