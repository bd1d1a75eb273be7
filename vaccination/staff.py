"""Site staff and what each role may do at a desk: the rule exists once, here.

Staff sign in at a desk with their name and PIN, or by scanning their staff card, with
one role: clerk (報到), doctor (醫師), vaccinator (接種), manager (站長). The desk checks
an action against `may` before doing it; the refusal names who may (zh first).
A staff card is never kept as typed: desks and the server hold its `card_digest`.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Final


class StaffRole(StrEnum):
    """The roles of the people working at a site."""

    CLERK = "clerk"
    DOCTOR = "doctor"
    VACCINATOR = "vaccinator"
    MANAGER = "manager"


class DeskAction(StrEnum):
    """Actions at a desk that not every role may take."""

    DECIDE = "decide"  # 醫師評估: 同意 / 醫生不同意
    RECORD_DOSE = "record_dose"  # 接種紀錄 of an approved person
    REVEAL_ID = "reveal_id"
    EXPORT = "export"
    VOID = "void"


ROLE_NAMES: Final[dict[StaffRole, tuple[str, str]]] = {
    StaffRole.CLERK: ("報到人員", "clerk"),
    StaffRole.DOCTOR: ("醫師", "doctor"),
    StaffRole.VACCINATOR: ("接種人員", "vaccinator"),
    StaffRole.MANAGER: ("站長", "manager"),
}

_ALLOWED: Final[dict[DeskAction, frozenset[StaffRole]]] = {
    DeskAction.DECIDE: frozenset({StaffRole.DOCTOR}),
    DeskAction.RECORD_DOSE: frozenset({StaffRole.DOCTOR, StaffRole.VACCINATOR}),
    DeskAction.REVEAL_ID: frozenset({StaffRole.MANAGER}),
    DeskAction.EXPORT: frozenset({StaffRole.MANAGER}),
    DeskAction.VOID: frozenset({StaffRole.MANAGER}),
}

_ACTION_NAMES: Final[dict[DeskAction, tuple[str, str]]] = {
    DeskAction.DECIDE: ("醫師評估", "doctor's decisions"),
    DeskAction.RECORD_DOSE: ("記錄接種", "recording a dose"),
    DeskAction.REVEAL_ID: ("顯示完整證號", "revealing ID numbers"),
    DeskAction.EXPORT: ("匯出", "exports"),
    DeskAction.VOID: ("作廢報到", "voiding a check-in"),
}


def may(role: StaffRole, action: DeskAction) -> bool:
    """True when a staff member of `role` may take `action`."""
    return role in _ALLOWED[action]


def refusal(role: StaffRole, action: DeskAction) -> tuple[str, str]:
    """Why `role` may not take `action`, and who may: (zh, en)."""
    allowed = sorted(_ALLOWED[action])
    zh_who = "或".join(ROLE_NAMES[r][0] for r in allowed)
    en_who = " or ".join(ROLE_NAMES[r][1] for r in allowed)
    name_zh, name_en = _ACTION_NAMES[action]
    return (
        f"{ROLE_NAMES[role][0]}不能{name_zh}：只有{zh_who}可以（請{zh_who}登入）",
        f"a {ROLE_NAMES[role][1]} may not do {name_en}: only a {en_who} may (sign in as one)",
    )


def card_digest(card: str) -> str:
    """The SHA-256 of a staff card's code, as desks and the server keep it."""
    return hashlib.sha256(b"vaxdesk-staff-card:" + card.strip().encode("utf-8")).hexdigest()
