"""The audit log: every change and every read of personal data, chained by SHA-256.

Each entry's hash covers its own fields and the hash of the entry before it, so an
edited entry breaks its own hash and a removed one breaks the link of the next (ids
are consecutive, so a gap shows too). Entries are never deleted by the server: the
bureau keeps them at least a year (seed 001: 所有紀錄至少保存一年以供稽核).
`verify` walks the whole chain; `vaxdesk server audit verify` runs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import Connection, and_, select, text

from sync_server.db.tables import audit_log
from sync_server.services.accounts import Principal, now_utc

GENESIS: Final[str] = "0" * 64
_LOCK_KEY: Final[int] = 0x5641_5841  # "VAXA": one writer of the chain at a time


@dataclass(frozen=True)
class Actor:
    """Who did it and from where."""

    name: str
    account_id: int | None
    address: str

    @classmethod
    def of(cls, who: Principal, address: str) -> Actor:
        """The actor behind a principal."""
        return cls(who.name, who.account_id, address)


@dataclass(frozen=True)
class Entry:
    """One audit entry as stored."""

    id: int
    at: str
    actor: str
    actor_id: int | None
    address: str
    action: str
    target: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def entry_hash(
    id_: int,
    at: str,
    actor: str,
    actor_id: int | None,
    address: str,
    action: str,
    target: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    """The SHA-256 of an entry's fields and the previous hash, over canonical JSON."""
    canonical = json.dumps(
        [id_, at, actor, actor_id, address, action, target, detail, prev_hash],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one entry in the caller's transaction; returns its id."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = conn.execute(
        select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).first()
    new_id = int(last.id) + 1 if last else 1
    prev = str(last.hash) if last else GENESIS
    at = now_utc().isoformat(timespec="microseconds")
    body = dict(detail or {})
    digest = entry_hash(
        new_id, at, actor.name, actor.account_id, actor.address, action, target, body, prev
    )
    conn.execute(
        audit_log.insert().values(
            id=new_id,
            at=at,
            actor=actor.name,
            actor_id=actor.account_id,
            address=actor.address,
            action=action,
            target=target,
            detail=body,
            prev_hash=prev,
            hash=digest,
        )
    )
    return new_id


def _entry(row: Any) -> Entry:
    return Entry(
        int(row.id),
        row.at,
        row.actor,
        row.actor_id,
        row.address,
        row.action,
        row.target,
        dict(row.detail or {}),
        row.prev_hash,
        row.hash,
    )


@dataclass
class Verification:
    """The result of walking the chain."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every entry and every link is intact."""
        return not self.problems


def _all(conn: Connection, batch: int = 2000) -> Iterator[Entry]:
    after = 0
    while True:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.id > after).order_by(audit_log.c.id).limit(batch)
        ).all()
        if not rows:
            return
        for r in rows:
            yield _entry(r)
        after = int(rows[-1].id)


def verify(conn: Connection) -> Verification:
    """Recompute every hash and link; name each entry that was edited, removed or inserted."""
    result = Verification()
    prev_hash, prev_id = GENESIS, 0
    for e in _all(conn):
        result.checked += 1
        if e.id != prev_id + 1:
            gap = f"{prev_id + 1}-{e.id - 1}"
            result.problems.append(f"第 {gap} 筆不見了 / entries {gap} are missing")
        if e.prev_hash != prev_hash:
            result.problems.append(
                f"第 {e.id} 筆與前一筆接不上 / entry {e.id} does not link to the entry before it"
            )
        again = entry_hash(
            e.id, e.at, e.actor, e.actor_id, e.address, e.action, e.target, e.detail, e.prev_hash
        )
        if again != e.hash:
            result.problems.append(f"第 {e.id} 筆內容被改過 / entry {e.id} was altered")
        prev_hash, prev_id = e.hash, e.id
    return result


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters by (all optional)."""

    action: str = ""
    actor: str = ""
    day: date | None = None


def entries(conn: Connection, where: AuditFilter, limit: int = 200) -> list[Entry]:
    """The newest entries matching the filter."""
    cond = []
    if where.action:
        cond.append(audit_log.c.action == where.action)
    if where.actor:
        cond.append(audit_log.c.actor == where.actor)
    if where.day is not None:
        start = datetime.combine(where.day, time(0)).isoformat()
        end = datetime.combine(where.day + timedelta(days=1), time(0)).isoformat()
        cond.append(and_(audit_log.c.at >= start, audit_log.c.at < end))
    stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if cond:
        stmt = stmt.where(and_(*cond))
    return [_entry(r) for r in conn.execute(stmt)]


def actions(conn: Connection) -> list[str]:
    """Every action name seen, for the filter's choices."""
    return sorted(r[0] for r in conn.execute(select(audit_log.c.action).distinct()))
