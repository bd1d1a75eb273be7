"""`vaxdesk id check`: one result per value, JSON shape and exit codes."""

from __future__ import annotations

import json

import pytest

from vaxdesk.cli import main


def test_all_valid_exits_zero_with_masked_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["id", "check", "A123456789", "ａ８００００００１４"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert "A12****789" in out[0] and "有效" in out[0] and "national_id" in out[0]
    assert "resident_new" in out[1]


def test_an_invalid_value_exits_one_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["id", "check", "A123456789", "A123456788"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "無效" in out[1] and "檢查碼" in out[1] and "Checksum" in out[1]


def test_json_has_one_object_per_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["id", "check", "--json", " a123456789 ", "AB12", "X1234567"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [d["input"] for d in data] == [" a123456789 ", "AB12", "X1234567"]
    first, second, third = data
    assert first | {"message_zh": None, "message_en": None} == {
        "input": " a123456789 ",
        "valid": True,
        "kind": "national_id",
        "normalized": "A123456789",
        "masked": "A12****789",
        "error": None,
        "message_zh": None,
        "message_en": None,
    }
    assert second["valid"] is False and second["error"] == "wrong_length"
    assert second["kind"] is None
    assert third["valid"] is False and third["error"] == "wrong_length"  # X1: an ID's start


@pytest.mark.parametrize("value", ["A12345678", "A1234567890", "A12345678X"])
def test_an_id_with_a_wrong_length_or_a_letter_is_invalid_not_a_passport(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """Issue 16: `vaxdesk id check A12345678` (one digit short) answered valid, kind passport."""
    assert main(["id", "check", "--json", value]) == 1
    (result,) = json.loads(capsys.readouterr().out)
    assert result["valid"] is False and result["kind"] is None
    assert result["error"] in ("wrong_length", "digits_expected")


def test_a_passport_number_is_accepted_with_kind_passport(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["id", "check", "TK1234567"]) == 1
    assert "護照" in capsys.readouterr().out  # says how to declare it
    assert main(["id", "check", "--kind", "passport", "--json", "TK1234567"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["valid"] is True and result["kind"] == "passport"


def test_no_value_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        main(["id", "check"])
    assert info.value.code == 2
