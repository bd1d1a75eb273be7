"""Staff sign-in at the desk: the site's staff list as this desk holds it, and who is on.

The list comes from the bureau's server (vaccination.wire.StaffList) and is kept in the
desk's store, so staff sign in offline: name + PIN (checked against the argon2id hash
here) or a staff card scan (its digest). A desk whose store holds no staff works as
before: nobody signs in, events carry no operator, no role is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from station_app.store.tables import staff
from vaccination.staff import DeskAction, card_digest, may, refusal
from vaccination.wire import StaffMember

if TYPE_CHECKING:
    from station_app.store import Store


class StaffBook:
    """The site's staff in the desk's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._members: list[StaffMember] | None = None

    def replace(self, members: Sequence[StaffMember]) -> None:
        """Keep the server's list (in one transaction): who left it can no longer sign in."""
        with self.store.write() as conn:
            conn.execute(delete(staff))
            if members:
                conn.execute(insert(staff), [m.model_dump(mode="json") for m in members])
        self._members = list(members)

    def members(self) -> list[StaffMember]:
        """Everyone who may sign in here, by name."""
        if self._members is None:
            with self.store.read() as conn:
                rows = conn.execute(select(staff).order_by(staff.c.name)).mappings().all()
            self._members = [StaffMember.model_validate(dict(r)) for r in rows]
        return self._members

    def by_pin(self, staff_id: str, pin: str) -> StaffMember | None:
        """The member when `pin` is theirs, else None."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        member = next((m for m in self.members() if m.staff_id == staff_id), None)
        if member is None or not pin:
            return None
        try:
            PasswordHasher().verify(member.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return None
        return member

    def by_card(self, code: str) -> StaffMember | None:
        """The member whose staff card this is, else None."""
        digest = card_digest(code)
        return next((m for m in self.members() if m.card_digest == digest), None)


@dataclass
class DeskSession:
    """Who is signed in at this desk; the check-in service asks it before an action."""

    book: StaffBook | None = None
    member: StaffMember | None = None

    @property
    def enforced(self) -> bool:
        """True once the desk holds a staff list: someone must be signed in to act."""
        return self.book is not None and bool(self.book.members())

    def sign_in(self, member: StaffMember) -> None:
        self.member = member

    def sign_out(self) -> None:
        self.member = None

    def still_listed(self) -> bool:
        """False when the member signed in has left the site's list (disabled by the bureau)."""
        m = self.member
        return m is None or self.book is None or m in self.book.members()

    def operator(self) -> dict[str, str] | None:
        """The `operator` of the events written now (None when nobody signs in here)."""
        m = self.member
        if m is None:
            return None
        return {"staff_id": m.staff_id, "name": m.name, "role": m.role.value}

    def refusal(self, action: DeskAction) -> tuple[str, str] | None:
        """Why the signed-in member may not take `action` (zh, en), or None when they may."""
        if not self.enforced:
            return None
        if self.member is None:
            return ("請先登入", "sign in first")
        if may(self.member.role, action):
            return None
        return refusal(self.member.role, action)

    def who(self) -> str | None:
        """`林醫師 (S3)` for the audit and desk logs; None when nobody signs in here."""
        m = self.member
        return f"{m.name} ({m.staff_id})" if m else None
