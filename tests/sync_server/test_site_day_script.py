"""Issue 13's scripted site day, end to end (SQLite and PostgreSQL).

The day of `site_day_script` is played once per database: the bureau's roster for two
sites, four check-in desks and a doctor desk at TN01, two desks at TN02, three outages,
a double check-in offline, cancellations and a central addition, a replacement PC at
noon, a person going to TN02 after their dose at TN01, a printer jam. Each test then
checks one thing against the script's own ground truth, or what a desk showed when a
hazard mattered. The same day at full size is bench/bench_site_day.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from desks import OTHER_CODE, SITE_CODE
from live_server import ThreadServer
from site_day_script import (
    CHECKIN_DESKS,
    DOCTOR,
    PROXIED,
    DayResult,
    Fate,
    SiteDay,
    SiteTruth,
    plan_day,
)

from printing.print_queue import DONE, WAITING
from station_app.sync_client import SyncState

PEOPLE_PER_SITE = 150
SITES = (SITE_CODE, OTHER_CODE)


@pytest.fixture(scope="module")
def day(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DayResult]:
    server = ThreadServer(module_db_url, auth_cache_seconds=0).start()
    try:
        yield SiteDay(server, tmp_path_factory.mktemp("site_day")).run(plan_day(PEOPLE_PER_SITE))
    finally:
        server.stop()


def _truth(day: DayResult, code: str) -> SiteTruth:
    return day.truth[code]


def test_every_action_of_the_script_went_through(day: DayResult) -> None:
    assert day.surprises == []
    upload = {(d["site"], d["accepted"]) for d in day.seen["upload"]["days"]}
    assert upload == {(SITE_CODE, PEOPLE_PER_SITE), (OTHER_CODE, PEOPLE_PER_SITE + 1)}
    assert day.seen["upload"]["unknown_sites"] == []


@pytest.mark.parametrize("code", SITES)
def test_the_reconciliation_is_the_script_to_the_person(day: DayResult, code: str) -> None:
    rec, truth = day.reports[code].reconciliation, _truth(day, code)
    assert rec["counts"] == truth.counts()
    assert sorted((r["masked_id"], r["name"]) for r in rec["no_shows"]) == truth.expected_no_shows()
    refusals = [(r["masked_id"], r["name"], r["queue_number"], r["desk"], r["reason"])
                for r in rec["refusals"]]  # fmt: skip
    assert sorted(refusals) == truth.expected_refusals()
    doses = [(r["masked_id"], r["name"], r["product"], r["lot"], r["dose"], r["desk"], r["at"])
             for r in rec["vaccinations"]]  # fmt: skip
    assert sorted(doses) == truth.expected_vaccinations()
    assert rec["walk_ins"] == []
    conflicts = [(c["code"], c["masked_id"], c["state"], c["resolved_by"])
                 for c in rec["conflicts"]]  # fmt: skip
    assert sorted(conflicts) == truth.expected_conflicts()


@pytest.mark.parametrize("code", SITES)
def test_the_niis_export_is_the_script_to_the_person(day: DayResult, code: str) -> None:
    assert sorted(day.reports[code].niis) == _truth(day, code).expected_niis()


@pytest.mark.parametrize("code", SITES)
def test_the_stock_report_counts_the_vials_the_script_opened(day: DayResult, code: str) -> None:
    assert sorted(day.reports[code].stock) == _truth(day, code).expected_stock()


def test_every_desk_ends_the_day_with_the_scripts_counts(day: DayResult) -> None:
    for (code, letter), counters in day.seen["closing_counters"].items():
        counts = _truth(day, code).counts()
        shown = (counters.total, counters.checked_in, counters.vaccinated)
        assert shown == (counts["booked"], counts["checked_in"], counts["vaccinated"]), letter
        assert (counters.not_approved, counters.not_arrived) == (
            counts["not_approved"],
            counts["no_show"],
        ), letter


def test_each_outage_shows_on_the_desks_and_nothing_waits_after(day: DayResult) -> None:
    everyone = set(CHECKIN_DESKS[SITE_CODE] + DOCTOR)
    for outage, letters in (("outage_1", everyone), ("outage_2", set(PROXIED))):
        assert {desk for desk, _, _ in day.seen[outage]} == letters
        assert all(state is SyncState.OFFLINE for _, state, _ in day.seen[outage]), outage
        assert sum(waiting for _, _, waiting in day.seen[outage]) > 0, outage
    assert all(state is SyncState.OFFLINE for _, state, _ in day.seen["outage_3"])


def test_a_double_checkin_while_offline_is_one_card_for_the_doctor(day: DayResult) -> None:
    ((number, also, vaccinated),) = day.seen["double_on_doctor_queue"]
    assert len(also) == 1 and also[0] != number  # "also checked in as B006" on the card
    assert vaccinated
    assert day.seen["double_first_seen"] == also  # the doctor knew before giving the dose


def test_the_person_vaccinated_at_tn01_is_refused_at_tn02(day: DayResult) -> None:
    state, checked_in, codes = day.seen["traveller_at_tn02"]
    assert state is SyncState.ONLINE
    assert not checked_in
    assert "ALREADY_VACCINATED" in codes


def test_the_replacement_desk_goes_on_with_its_numbers_and_knows_the_morning(
    day: DayResult,
) -> None:
    assert day.seen["replacement_sync"] is SyncState.ONLINE
    assert day.seen["replacement_first_number"] == day.seen["replacement_expected_next"]
    for fate in (Fate.TRAVELLER, Fate.DOUBLE):
        assert "ALREADY_VACCINATED" in day.seen["replacement_knows"][fate]


def test_a_cancelled_booking_is_refused_once_the_desk_synced(day: DayResult) -> None:
    state, checked_in, flags = day.seen["cancelled_comes"]
    assert state is SyncState.ONLINE and not checked_in
    assert "BOOKING_CANCELLED" in [code for code, _ in flags], flags


def test_the_person_added_centrally_is_accepted_once_the_desk_synced(day: DayResult) -> None:
    assert day.seen["added_before_sync"] == (False, ["NOT_ON_ROSTER"])
    assert day.seen["added_after_sync_codes"] == []
    assert day.seen["added_comes"] == (True, [])


def test_a_printer_jam_keeps_the_ticket_and_prints_it_when_the_printer_is_back(
    day: DayResult,
) -> None:
    assert "待印" in day.seen["jam_status"]  # the desk's status bar says tickets wait
    assert day.seen["jam_job_state"] == WAITING
    assert day.seen["jam_job_state_after"] == DONE
    assert day.seen["jam_ticket_printed"]  # its QR code holds the check-in id
    assert day.seen["jam_ticket_opens_person"]  # which the doctor desk finds


def test_the_script_has_people_in_every_fate() -> None:
    """The plan is what the tests claim: a few hundred people, every hazard present."""
    plan = plan_day(PEOPLE_PER_SITE)
    assert {p.fate for p in plan.people} == set(Fate)
    assert 250 <= len(plan.people) <= 400
