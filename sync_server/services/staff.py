"""A site's staff (clerk, doctor, vaccinator, manager) whom its desks let sign in.

The bureau (or the site's manager) adds a member with a name, a role, a PIN and
optionally a staff card; the PIN is hashed with the server's argon2id hasher and the
card kept as its digest, so neither is stored as typed. Desks download the list
(vaccination.wire.StaffList) and check PINs themselves, offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.exc import IntegrityError

from sync_server.db.tables import staff
from sync_server.errors import ServiceError, bad_request, not_found
from sync_server.services.accounts import Site, now_utc
from sync_server.services.passwords import Hasher
from vaccination.staff import StaffRole, card_digest
from vaccination.wire import StaffMember

_PIN: Final = re.compile(r"^[0-9]{4,8}$")


@dataclass(frozen=True)
class NewStaff:
    """A member just added (no PIN, no card: those are never shown again)."""

    staff_id: str
    name: str
    role: StaffRole
    site_code: str
    has_card: bool


def staff_id_of(row_id: int) -> str:
    """The id events carry as their operator's `staff_id`."""
    return f"S{row_id}"


def _row_id(staff_id: str) -> int:
    if not re.fullmatch(r"S[0-9]{1,9}", staff_id):
        raise not_found(f"工作人員 {staff_id}", f"staff member {staff_id}")
    return int(staff_id[1:])


def add_staff(
    conn: Connection,
    hasher: Hasher,
    site: Site,
    *,
    name: str,
    role: StaffRole,
    pin: str,
    card: str | None = None,
) -> NewStaff:
    """Add a member to a site; 422 for an empty name or a PIN not of 4-8 digits, 409 when
    the site has someone of that name or the card belongs to someone else."""
    name = name.strip()
    if not name or len(name) > 200:
        raise bad_request("bad_staff_name", "姓名不可空白", "the name is empty")
    if not _PIN.fullmatch(pin):
        raise bad_request("bad_pin", "PIN 必須是 4 到 8 位數字", "the PIN must be 4 to 8 digits")
    digest = card_digest(card) if card and card.strip() else None
    try:
        with conn.begin_nested():
            row_id = conn.execute(
                staff.insert()
                .values(
                    site_id=site.id,
                    name=name,
                    role=role.value,
                    pin_hash=hasher.hash(pin),
                    card_digest=digest,
                    created_at=now_utc(),
                )
                .returning(staff.c.id)
            ).scalar_one()
    except IntegrityError:
        raise ServiceError(
            409,
            "staff_exists",
            f"場所 {site.code} 已有 {name}，或這張卡已登記給別人",
            f"site {site.code} already has {name}, or the card belongs to someone else",
        ) from None
    return NewStaff(staff_id_of(int(row_id)), name, role, site.code, digest is not None)


def staff_list(conn: Connection, site: Site) -> list[StaffMember]:
    """The site's members who may sign in (disabled ones left out), by name."""
    rows = conn.execute(
        select(staff)
        .where(and_(staff.c.site_id == site.id, staff.c.disabled.is_(False)))
        .order_by(staff.c.name)
    ).all()
    return [
        StaffMember(
            staff_id=staff_id_of(r.id),
            name=r.name,
            role=StaffRole(r.role),
            pin_hash=r.pin_hash,
            card_digest=r.card_digest,
        )
        for r in rows
    ]


def disable_staff(conn: Connection, site: Site, staff_id: str) -> None:
    """Stop a member signing in (desks drop them at their next download); 404 if unknown."""
    done = conn.execute(
        update(staff)
        .where(and_(staff.c.id == _row_id(staff_id), staff.c.site_id == site.id))
        .values(disabled=True)
    )
    if done.rowcount == 0:
        raise not_found(f"工作人員 {staff_id}", f"staff member {staff_id}")
