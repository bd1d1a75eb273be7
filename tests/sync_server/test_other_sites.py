"""Other sites' facts at a site's desks (issue 13, defect 4): the day and the dose history.

Real desk stores, services and sync clients against the real server on loopback
(SQLite and PostgreSQL). A person's dose at TN01 on an earlier day, inside the rule
sets' longest look-back, must reach TN02's desks and count as dose history there.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from desks import DAY, OTHER_CODE, OTHER_SITE, SITE, SITE_CODE, Desk, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer

from station_app.store import lookups

EARLIER = DAY - timedelta(days=20)  # inside Moderna's 28 days between doses 1 and 2


def _vaccinate(desk: Desk, n: int) -> None:
    cid = desk.service.check_in(pid(n)).checkin_id
    assert cid
    desk.service.doctor_decision(cid, approved=True, reason=None)
    desk.service.record_vaccination(cid, "CoV_Moderna", "M1", 1, open_vial=True)


def _doses(desk: Desk, n: int) -> list[tuple[str, object]]:
    with desk.store.read() as conn:
        facts = lookups.person_facts(conn, pid(n), DAY)
    return [(d.product, d.given_on) for d in facts.history]


def test_a_dose_given_at_another_site_20_days_ago_blocks_dose_2_here(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """The pull carried only events after the desk's cursor: a dose given at TN01 20 days
    ago never reached TN02, whose desk let a dose 2 through 8 days early."""
    admin.site(SITE_CODE, SITE)
    admin.site(OTHER_CODE, OTHER_SITE)
    seed_roster(admin, SITE_CODE, [1, 2, 3], day=EARLIER)  # dose 1 at TN01
    for folder in ("earlier", "tn02"):
        (tmp_path / folder).mkdir()
    then = make_desk(
        tmp_path / "earlier", server.url, admin.desk(SITE_CODE, "A"), "A",
        site=SITE, day=EARLIER,
    )  # fmt: skip
    here = make_desk(
        tmp_path / "tn02", server.url, admin.desk(OTHER_CODE, "A"), "A", site=OTHER_SITE
    )
    try:
        then.client.download_roster(EARLIER)
        for n in (1, 2, 3):
            _vaccinate(then, n)
        then.client.sync_once()

        # Today's roster of TN02 is filed later, so TN02's desks pull from after the doses.
        seed_roster(admin, OTHER_CODE, [1], dose=2)
        dose_1 = {"product": "CoV_Moderna", "given_on": str(DAY - timedelta(days=40))}
        seed_roster(admin, OTHER_CODE, [4], dose=2, history=[dose_1])
        here.client.download_roster(DAY)
        assert ("CoV_Moderna", EARLIER) in _doses(here, 1)
        assessment = here.service.assess(pid(1))
        assert "INTERVAL_TOO_SHORT" in assessment.codes(), assessment.codes()
        assert assessment.blocked
        assert not here.service.check_in(pid(1)).checked_in
        assert here.service.check_in(pid(4)).checked_in  # dose 1 40 days ago: as booked

        # Person 2 is added to TN02's day centrally after the desk downloaded it: the
        # pulled addition brings their dose at TN01 with it.
        seed_roster(admin, OTHER_CODE, [2], dose=2)
        here.client.sync_once()
        assert ("CoV_Moderna", EARLIER) in _doses(here, 2)
        assert "INTERVAL_TOO_SHORT" in here.service.assess(pid(2)).codes()
        # Person 3 is not on TN02's roster: TN01's facts about them stay at TN01.
        assert _doses(here, 3) == []
        assert here.service.counters().vaccinated == 0  # TN01's doses are not TN02's
    finally:
        then.close()
        here.close()


def test_a_desk_joining_late_learns_the_other_sites_morning_before_its_cursor(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """A desk joining mid-day pulls from its own site's first event of the day; another
    site's dose given before that event lay behind the cursor and was never served."""
    admin.site(SITE_CODE, SITE)
    admin.site(OTHER_CODE, OTHER_SITE)
    seed_roster(admin, SITE_CODE, [1])
    seed_roster(admin, OTHER_CODE, [1, 2])
    for folder in ("tn01", "tn02a", "tn02b"):
        (tmp_path / folder).mkdir()
    morning = make_desk(tmp_path / "tn01", server.url, admin.desk(SITE_CODE, "A"), "A", site=SITE)
    first = make_desk(
        tmp_path / "tn02a", server.url, admin.desk(OTHER_CODE, "A"), "A", site=OTHER_SITE
    )
    late = make_desk(
        tmp_path / "tn02b", server.url, admin.desk(OTHER_CODE, "B"), "B", site=OTHER_SITE
    )
    try:
        morning.client.download_roster(DAY)
        _vaccinate(morning, 1)
        morning.client.sync_once()
        first.client.download_roster(DAY)
        assert first.service.check_in(pid(2)).checked_in  # TN02's first event of the day
        first.client.sync_once()

        late.client.download_roster(DAY)  # its cursor: before TN02's first event
        late.client.sync_once()
        assert "ALREADY_VACCINATED" in late.service.assess(pid(1)).codes()
    finally:
        for desk in (morning, first, late):
            desk.close()
