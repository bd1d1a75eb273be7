"""What the bureau tells a site hub, written into the hub's own database.

The hub holds the same tables as the bureau, for its one site: the site and its desks
(token digests only), the roster (as roster changes in its log, like the bureau's), the
site's events from every desk, other sites' events about people on its roster, the
published rule sets and the staff list. Applying the same page twice changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from typing import Final

from pydantic import ValidationError
from sqlalchemy import Connection, and_, func, select, update

from sync_server.db.tables import accounts, hub_state, log, rule_sets, sites, staff
from sync_server.errors import ServiceError
from sync_server.services.accounts import Role, Site, now_utc
from sync_server.services.ingest import log_row
from sync_server.services.journal import insert_ignoring_conflicts, upsert
from sync_server.services.rosters import add_entry, cancel_entry, entry_row
from vaccination.events import EventError, parse_event
from vaccination.wire import (
    ROSTER_ADD,
    HubSite,
    PulledEvent,
    PullPage,
    RosterCancel,
    RosterEntry,
    RuleSetDownload,
    StaffList,
)

_log = logging.getLogger(__name__)

# Other sites' events keep no site row at the hub: `site_id` 0 is "elsewhere" (the log
# has no foreign key; the pull serves them by person, as the bureau's does).
ELSEWHERE: Final = 0
PUSH_CURSOR: Final = "push_cursor"  # the hub's own log_id, pushed to the bureau through it
PULL_CURSOR: Final = "pull_cursor"  # the bureau's log_id, pulled through it
INSTANCE: Final = "instance"  # random at the hub database's first start


def get_state(conn: Connection, key: str) -> int | None:
    """A stored position, or None."""
    value = conn.execute(select(hub_state.c.value).where(hub_state.c.key == key)).scalar()
    return None if value is None else int(value)


def set_state(conn: Connection, key: str, value: int) -> None:
    """Store a position."""
    conn.execute(upsert(conn, hub_state, ["key"], ["value"]), {"key": key, "value": value})


def instance(conn: Connection) -> int:
    """This hub database's random number (desks start over when it changes)."""
    value = get_state(conn, INSTANCE)
    if value is None:
        value = secrets.randbits(62)
        set_state(conn, INSTANCE, value)
    return value


def local_site(conn: Connection) -> Site | None:
    """The hub's site, once it learnt it from the bureau."""
    row = conn.execute(select(sites).order_by(sites.c.id).limit(1)).first()
    return None if row is None else Site(row.id, row.code, row.name, row.institution_code)


def mirror_site(conn: Connection, told: HubSite) -> Site:
    """Keep the site and its desks as the bureau has them; returns the local site."""
    site = local_site(conn)
    if site is None:
        new_id = conn.execute(
            sites.insert()
            .values(
                code=told.code,
                name=told.name,
                institution_code=told.institution_code,
                created_at=now_utc(),
            )
            .returning(sites.c.id)
        ).scalar_one()
        site = Site(int(new_id), told.code, told.name, told.institution_code)
    elif site.code != told.code:
        raise ServiceError(
            409,
            "hub_site_changed",
            f"此中繼站資料庫屬於場所 {site.code}，不是 {told.code}",
            f"this hub database belongs to site {site.code}, not {told.code}",
        )
    cols = ["name", "token_hash", "expires_at", "disabled"]
    for d in told.desks:
        conn.execute(
            upsert(conn, accounts, ["site_id", "desk"], cols),
            {
                "site_id": site.id,
                "desk": d.desk,
                "name": d.name,
                "role": Role.DESK.value,
                "token_hash": d.token_hash,
                "created_at": now_utc(),
                "expires_at": d.expires_at,
                "disabled": d.disabled,
            },
        )
    known = {d.desk for d in told.desks}
    conn.execute(
        update(accounts)
        .where(and_(accounts.c.site_id == site.id, accounts.c.desk.not_in(known)))
        .values(disabled=True)
    )
    return site


def _apply_event(conn: Connection, site: Site, entry: PulledEvent) -> None:
    try:
        event = parse_event(entry.event)
    except EventError as exc:
        _log.warning("bureau log entry %s not mirrored: %s", entry.log_id, exc)
        return
    where = ELSEWHERE if entry.other_site else site.id
    conn.execute(insert_ignoring_conflicts(conn, log), [log_row(where, event)])


def apply_page(conn: Connection, site: Site, page: PullPage) -> int:
    """Write a page of the bureau's log into the hub's (caller's transaction); entries taken."""
    taken = 0
    for entry in page.entries:
        if isinstance(entry, PulledEvent):
            _apply_event(conn, site, entry)
            taken += 1
            continue
        try:
            if entry.kind == ROSTER_ADD:
                e = RosterEntry.model_validate(entry.change)
                row = entry_row(
                    site.id, e.person(), e.booking(), e.doses("bureau"), e.history_text,
                    e.flags, infection_date=e.infection_date,
                    infection_onset_date=e.infection_onset_date,
                    other_vaccine_date=e.other_vaccine_date,
                )  # fmt: skip
                add_entry(conn, site, row)
            else:
                c = RosterCancel.model_validate(entry.change)
                cancel_entry(conn, site, c.slot_start.date(), c.id_number, c.product)
        except ValidationError as exc:
            _log.warning("bureau roster change %s not mirrored: %s", entry.log_id, exc)
            continue
        except ServiceError:  # a cancellation of a booking the hub never had
            continue
        taken += 1
    return taken


def mirror_rule_sets(conn: Connection, download: RuleSetDownload) -> int:
    """Keep every published version the hub lacks (with the bureau's numbers); how many new."""
    have = {
        (str(r.rule_set_id), str(r.version))
        for r in conn.execute(select(rule_sets.c.rule_set_id, rule_sets.c.version))
    }
    new = [r for r in download.rule_sets if (r.rule_set_id, r.version) not in have]
    for r in new:
        conn.execute(insert_ignoring_conflicts(conn, rule_sets), [r.model_dump()])
    return len(new)


def mirror_staff(conn: Connection, site: Site, listed: StaffList) -> None:
    """Make the hub's staff list the bureau's (members left out are disabled)."""
    cols = ["name", "role", "pin_hash", "card_digest", "disabled"]
    ids = []
    for m in listed.staff:
        row_id = int(m.staff_id[1:])  # "S3" -> 3: the same staff_id at the hub
        ids.append(row_id)
        conn.execute(
            upsert(conn, staff, ["id"], cols),
            {
                "id": row_id,
                "site_id": site.id,
                "name": m.name,
                "role": m.role.value,
                "pin_hash": m.pin_hash,
                "card_digest": m.card_digest,
                "disabled": False,
                "created_at": now_utc(),
            },
        )
    conn.execute(
        update(staff)
        .where(and_(staff.c.site_id == site.id, staff.c.id.not_in(ids)))
        .values(disabled=True)
    )


def waiting(conn: Connection, site: Site) -> int:
    """The site's events in the hub's log after the push cursor (not yet at the bureau)."""
    after = get_state(conn, PUSH_CURSOR) or 0
    return int(
        conn.execute(
            select(func.count()).where(
                and_(log.c.site_id == site.id, log.c.entry == "event", log.c.log_id > after)
            )
        ).scalar_one()
    )
