"""Rule sets come from the bureau (issue 16): published on the server, downloaded by desks.

Real desk stores, services and sync clients against the real server on loopback
(SQLite and PostgreSQL). The bureau's new covid19 version raises the minimum interval
before a second dose from 28 to 42 days, effective the day after DAY.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from desks import DAY, SITE, SITE_CODE, Desk, make_desk, pid, roster_entry, seed_roster
from live_server import Admin, ThreadServer, free_port
from sqlalchemy import create_engine
from store_fixtures import rules

from station_app.desk_rules import STALE_ZH, rules_status, stored_rule_sets
from station_app.sync_client import SyncClient, SyncUnavailable
from sync_server.db.tables import rule_sets
from vaccination.rules import DEFAULT_RULES_DIR
from vaxdesk.cli import main

TOMORROW = DAY + timedelta(days=1)
FIRST_DOSE = DAY - timedelta(days=34)  # 34 days before today, 35 before tomorrow
BUNDLED = "2023.05.2"  # the covid19 version in force on DAY (resources/rules)
NEW = "2026.11"


def new_version(version: str = NEW, effective: date = TOMORROW, **change: Any) -> dict[str, Any]:
    """The bundled covid19 2023 file as a new version: dose 2 waits 42 days, not 28."""
    body = json.loads((DEFAULT_RULES_DIR / "covid19_2023.json").read_text(encoding="utf-8"))
    body |= {"version": version, "effective_from": effective.isoformat(), **change}
    for rule in body["intervals"]:
        if rule["dose"] == 2 and set(rule) == {"dose", "min_days", "source"}:
            rule["min_days"] = 42
    return body


def publish(admin: Admin, body: dict[str, Any] | bytes) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return admin.call("POST", "/api/v1/rule-sets", content=content)


def second_dose(n: int, day: date) -> dict[str, Any]:
    """A Moderna dose 2 booked on `day`, dose 1 given on FIRST_DOSE."""
    return {
        "slot_start": datetime.combine(day, time(9, 0)).isoformat(),
        "dose": 2,
        "dose_label": "第2劑",
        "history": [{"product": "CoV_Moderna", "given_on": FIRST_DOSE.isoformat()}],
    }


def seed(admin: Admin) -> None:
    """Person 1 for dose 2 today, person 2 for dose 2 tomorrow, person 3 dose 1 tomorrow."""
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 2), **second_dose(1, DAY))
    tomorrow_path = f"/api/v1/sites/{SITE_CODE}/rosters/{TOMORROW}/entries"
    slot = datetime.combine(TOMORROW, time(9, 0)).isoformat()
    for body in (
        roster_entry(2, **second_dose(2, TOMORROW)),
        roster_entry(3, slot_start=slot),
    ):
        r = admin.call("POST", tomorrow_path, json=body)
        assert r.status_code == 201, r.text


def desk(tmp_path: Path, server: ThreadServer, admin: Admin, letter: str, day: date) -> Desk:
    return make_desk(tmp_path, server.url, admin.desk(SITE_CODE, letter), letter, day=day)


def assessed(d: Desk, n: int) -> tuple[str, list[str]]:
    a = d.service.assess(pid(n))
    return a.rule_set_version, a.codes()


def test_a_version_published_for_tomorrow_leaves_today_alone_and_tomorrows_desks_use_it(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    seed(admin)
    today = desk(tmp_path, server, admin, "A", DAY)
    offline = desk(tmp_path, server, admin, "C", TOMORROW)
    try:
        today.client.download_roster(DAY)
        offline.client.download_roster(TOMORROW)
        before = assessed(today, 1)
        assert before[0] == BUNDLED and "INTERVAL_TOO_SHORT" not in before[1]
        offline_before = assessed(offline, 2)
        assert offline_before[0] == BUNDLED and "INTERVAL_TOO_SHORT" not in offline_before[1]

        r = publish(admin, new_version())
        assert r.status_code == 201, r.text
        assert (r.json()["rule_set_id"], r.json()["version"]) == ("covid19", NEW)

        # Today's desk takes the new version with the roster; today's assessment is the same.
        today.client.download_roster(DAY)
        assert today.service.rules.versions("covid19")[0].version == NEW
        assert assessed(today, 1) == before
        # A desk opened for tomorrow downloads it and judges by it: 35 days are short now.
        tomorrow = desk(tmp_path, server, admin, "B", TOMORROW)
        try:
            tomorrow.client.download_roster(TOMORROW)
            version, codes = assessed(tomorrow, 2)
            assert version == NEW and "INTERVAL_TOO_SHORT" in codes
            assert tomorrow.service.check_in(pid(3)).checked_in
        finally:
            tomorrow.close()
        # The desk that went offline keeps working with the version it has.
        offline.client.stop()
        offline.client = SyncClient(
            offline.store,
            f"http://127.0.0.1:{free_port()}",  # nobody answers there
            "desk-token",
            bundled_rules=rules(),
            on_rules=offline.service.use_rules,
        )
        with pytest.raises(SyncUnavailable):
            offline.client.download_roster(TOMORROW)
        assert assessed(offline, 2) == offline_before
        assert offline.service.check_in(pid(2)).checked_in
        # A desk restarted from its store judges by what it downloaded, offline or not.
        assert [(rs.id, rs.version) for rs, _ in stored_rule_sets(today.store)] == [
            ("covid19", NEW)
        ]
    finally:
        today.close()
        offline.close()


def test_the_reconciliation_lists_the_versions_used_that_day(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    seed(admin)
    assert publish(admin, new_version()).status_code == 201
    today = desk(tmp_path, server, admin, "A", DAY)
    tomorrow = desk(tmp_path, server, admin, "B", TOMORROW)
    try:
        today.client.download_roster(DAY)
        tomorrow.client.download_roster(TOMORROW)
        first = today.service.check_in(pid(1), confirm_reason="第 2 劑")
        assert first.checked_in, first.assessment.codes()
        today.service.open_vial("CoV_Moderna", "MOD-1")
        today.service.approve_and_record(str(first.checkin_id), "MOD-1")
        assert tomorrow.service.check_in(pid(3)).checked_in
        today.client.sync_once()
        tomorrow.client.sync_once()
    finally:
        today.close()
        tomorrow.close()

    def versions(day: date) -> list[dict[str, Any]]:
        r = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{day}")
        assert r.status_code == 200, r.text
        return list(r.json()["rule_set_versions"])

    assert versions(DAY) == [{"version": BUNDLED, "checkins": 1, "vaccinations": 1}]
    assert versions(TOMORROW) == [{"version": NEW, "checkins": 1, "vaccinations": 0}]
    csv = admin.call(
        "GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{TOMORROW}", params={"format": "csv"}
    )
    assert f"{NEW},1,0" in csv.content.decode("utf-8-sig")


def test_a_broken_rule_set_is_refused_with_the_reason_at_publish(
    server: ThreadServer, admin: Admin
) -> None:
    cases = [
        (b'{"id": "covid19",', "line 1 column 18"),
        (new_version(colour="red"), "colour: Extra inputs are not permitted"),
        (new_version(general={"recent_dose_hours": "two days"}), "general.recent_dose_hours"),
    ]
    for body, reason in cases:
        r = publish(admin, body)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert detail["code"] == "bad_rule_set"
        assert reason in detail["message_en"] and reason in detail["message_zh"]
    # An effective date or version already taken is a conflict, not a second version.
    assert publish(admin, new_version()).status_code == 201
    assert publish(admin, new_version(version="2026.12")).status_code == 409
    listed = admin.call("GET", "/api/v1/rule-sets").json()["rule_sets"]
    assert [(v["rule_set_id"], v["version"]) for v in listed] == [("covid19", NEW)]


def test_a_broken_body_from_the_server_is_refused_by_the_desk_which_keeps_its_version(
    server: ThreadServer, admin: Admin, tmp_path: Path, db_url: str
) -> None:
    seed(admin)
    assert publish(admin, new_version()).status_code == 201
    broken = new_version("2026.12", TOMORROW + timedelta(days=1))
    broken["products"][0]["min_age"] = [18]  # a list where an age belongs
    engine = create_engine(db_url)
    with engine.begin() as conn:  # written past publish(), as a damaged row would be
        conn.execute(
            rule_sets.insert().values(
                rule_set_id="covid19",
                version="2026.12",
                effective_from=TOMORROW + timedelta(days=1),
                disease="covid19",
                name_zh="壞掉的版本",
                body=broken,
                published_by="test",
                published_at=datetime.now(UTC),
            )
        )
    engine.dispose()
    d = desk(tmp_path, server, admin, "A", TOMORROW + timedelta(days=1))
    try:
        d.client.download_roster(DAY)
        refused = [r.text() for r in d.client.refused_rules]
        assert len(refused) == 1 and refused[0].startswith("covid19 2026.12: products[0].min_age")
        d.client.sync_once()
        assert "拒收規則 covid19 2026.12: products[0].min_age" in d.client.status.text_zh()
        # The desk keeps the version it had, not the broken one.
        assert d.service.rules.for_disease("covid19", d.service.day).version == NEW
        assert [rs.version for rs, _ in stored_rule_sets(d.store)] == [NEW]
    finally:
        d.close()


def test_a_desk_that_has_not_heard_from_the_bureau_says_its_rules_may_be_out_of_date(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    seed(admin)
    d = desk(tmp_path, server, admin, "A", DAY)
    try:
        day_hours = timedelta(hours=24)
        now = datetime.now(UTC)
        never = rules_status(d.service.rules, DAY, d.store, now, day_hours)
        assert never[0] == f"規則 covid19 {BUNDLED}、flu 2025-26.2、mpox 2023.05（{STALE_ZH}）"
        d.client.download_roster(DAY)
        heard = rules_status(d.service.rules, DAY, d.store, now, day_hours)
        assert heard == (
            f"規則 covid19 {BUNDLED}、flu 2025-26.2、mpox 2023.05",
            f"rules covid19 {BUNDLED}, flu 2025-26.2, mpox 2023.05",
        )
        later = rules_status(d.service.rules, DAY, d.store, now + timedelta(hours=25), day_hours)
        assert later[0].endswith(f"（{STALE_ZH}）")
        assert later[1].endswith("(rules may be out of date)")
    finally:
        d.close()


def test_the_bureau_publishes_and_lists_from_the_command_line_and_vaxdesk_sync_says_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'server.db'}"
    good, broken = tmp_path / "covid19_2026.json", tmp_path / "broken.json"
    good.write_text(json.dumps(new_version(effective=DAY), ensure_ascii=False), encoding="utf-8")
    broken.write_text(json.dumps(new_version("2026.12", colour="red")), encoding="utf-8")
    assert main(["server", "rules", "list", "--db", db]) == 0
    assert "no rule set published" in capsys.readouterr().out
    assert main(["server", "rules", "publish", "--db", db, str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.json: colour: Extra inputs are not permitted" in err and "Traceback" not in err
    assert main(["server", "rules", "publish", "--db", db, "--by", "疾管科", str(good)]) == 0
    assert f"covid19 {NEW}" in capsys.readouterr().out
    assert main(["server", "rules", "list", "--db", db]) == 0
    assert capsys.readouterr().out.startswith(f"covid19\t{NEW}\t{DAY}\tCOVID-19 疫苗\t疾管科\t")

    srv = ThreadServer(db).start()
    try:
        admin = Admin(srv.url)
        admin.site(SITE_CODE, SITE)
        token_file = tmp_path / "desk.token"
        token_file.write_text(admin.desk(SITE_CODE, "A"), encoding="utf-8")
        assert main(["sync", "--db", str(tmp_path / "desk.db"), "--server", srv.url,
                     "--token-file", str(token_file), "--roster-day", str(DAY),
                     "--once"]) == 0  # fmt: skip
    finally:
        srv.stop()
    assert f"規則 covid19 {NEW}、flu 2025-26.2、mpox 2023.05" in capsys.readouterr().out
