"""Push: storing a batch of one desk's events exactly once, each judged on its own.

Every event is validated first (its kind's typed model via `parse_event`, then site and
desk of the token); the valid ones go in with one `INSERT ... ON CONFLICT DO NOTHING
RETURNING`, in one transaction with the desk's progress: six statements per push in the
usual case (lock the site and read the desk's mark, insert, look for a closed day among
the batch's days, look past the batch, save the mark, keep the desk's report), each
built once. On PostgreSQL the batch travels as one JSON document that pydantic writes
from the payload models, and the ids stored come back as one array.
A repeat of a stored event is acknowledged, not stored again; a bad event is rejected
with its reason and never stops the rest of the batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any, Final

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import Connection, Select, and_, bindparam, select, text

from sync_server.db.tables import desk_progress, log, sites
from sync_server.errors import forbidden
from sync_server.services import closing
from sync_server.services.accounts import Principal, Role, Site, now_utc
from sync_server.services.journal import insert_ignoring_conflicts, upsert
from vaccination.assessment import site_key
from vaccination.event_payloads import PersonPayload
from vaccination.events import Event, EventError, parse_event
from vaccination.wire import DUPLICATE, REJECTED, STORED, DeskReport, EventResult, PushReply


def _rejected(
    index: int, raw: object, code: str, zh: str, en: str, field: str | None = None
) -> EventResult:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    seq = raw.get("seq") if isinstance(raw, dict) else None
    return EventResult(
        index=index,
        event_id=str(event_id)[:36] if event_id is not None else None,
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        status=REJECTED,
        code=code,
        field=field,
        reason_zh=zh,
        reason_en=en,
    )


def log_row(site_id: int, event: Event, *, encoded: bool = True) -> dict[str, Any]:
    """The `log` row of an accepted event (a site hub mirrors the bureau's with it too).

    `encoded=False` leaves the payload as its model, for pydantic's `to_json` to write
    straight into the insert's JSON document.
    """
    p = event.payload
    return {
        "site_id": site_id,
        "entry": "event",
        "event_id": event.event_id,
        "site_label": event.site,
        "desk": event.desk,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "day": p.day,
        "kind": event.kind.value,
        "id_number": p.id_number if isinstance(p, PersonPayload) else None,
        "payload": p.wire() if encoded else p,
    }


# The statements of every push, built once: building one each time cost about a third of
# running it.
_MARK: Final[Select[int]] = (
    select(desk_progress.c.acked_through)
    .select_from(
        sites.outerjoin(
            desk_progress,
            and_(desk_progress.c.site_id == sites.c.id, desk_progress.c.desk == bindparam("desk")),
        )
    )
    .where(sites.c.id == bindparam("site_id"))
)
_MARK_LOCKING: Final = _MARK.with_for_update(of=sites)
_PROGRESS_PAGE: Final = 5000
_HELD_AFTER: Final[Select[int]] = (
    select(log.c.seq)
    .where(
        and_(
            log.c.site_id == bindparam("site_id"),
            log.c.desk == bindparam("desk"),
            log.c.seq > bindparam("mark"),
        )
    )
    .order_by(log.c.seq)
    .limit(_PROGRESS_PAGE)
)
_HELD_AS: Final[Select[str, int, str, int]] = select(
    log.c.event_id, log.c.site_id, log.c.desk, log.c.seq
).where(log.c.event_id.in_(bindparam("event_ids", expanding=True)))


def _lock_site_and_read_mark(conn: Connection, site_id: int, desk: str) -> int:
    """Take the site's write lock (see `journal.lock_site`) and read the desk's mark, at once."""
    # SQLite: the write transaction is the lock.
    stmt = _MARK_LOCKING if conn.dialect.name == "postgresql" else _MARK
    return int(conn.execute(stmt, {"site_id": site_id, "desk": desk}).scalar() or 0)


def _advance_progress(
    conn: Connection, site_id: int, desk: str, mark: int, batch_seqs: list[int]
) -> int:
    """Move the desk's contiguous mark over every seq now held; returns the new mark."""
    # The usual case: this batch continues the run, so walk it without reading it back.
    for seq in sorted(batch_seqs):
        if seq == mark + 1:
            mark = seq
        elif seq > mark + 1:
            break
    while True:
        seqs = list(
            conn.execute(_HELD_AFTER, {"site_id": site_id, "desk": desk, "mark": mark}).scalars()
        )
        advanced = 0
        for seq in seqs:
            if seq != mark + 1:
                break
            mark = int(seq)
            advanced += 1
        if advanced < _PROGRESS_PAGE:
            break
    conn.execute(
        upsert(conn, desk_progress, ["site_id", "desk"], ["acked_through", "last_push_at"]),
        {"site_id": site_id, "desk": desk, "acked_through": mark, "last_push_at": now_utc()},
    )
    return mark


# PostgreSQL: the whole batch as one JSON document, unpacked by the server. Far cheaper
# than a VALUES list with thousands of placeholders, or arrays quoted by the driver. The
# ids stored come back as one array, not a row each.
_PG_INSERT = text(
    """
    WITH stored AS (
        INSERT INTO log (site_id, entry, event_id, site_label, desk, seq, at, day, kind,
                         id_number, payload)
        SELECT u.site_id, 'event', u.event_id, u.site_label, u.desk, u.seq, u.at, u.day,
               u.kind, u.id_number, u.payload
        FROM json_to_recordset(CAST(:rows AS json)) AS u(
            site_id integer, event_id text, site_label text, desk text, seq bigint, at text,
            day date, kind text, id_number text, payload json)
        ON CONFLICT DO NOTHING
        RETURNING event_id
    )
    SELECT array_agg(event_id) FROM stored
    """
)


def _insert(conn: Connection, site_id: int, events: list[Event]) -> set[str]:
    """Insert the events' log rows, skipping any that clash with a stored one; the
    event_ids stored."""
    if conn.dialect.name == "postgresql":
        rows = [log_row(site_id, e, encoded=False) for e in events]
        # The payload models are written as `Payload.wire()` would give them. Infinity
        # stays Infinity, which PostgreSQL refuses, as it did through json.dumps.
        doc = to_json(rows, by_alias=True, exclude_none=True, inf_nan_mode="constants")
        return set(conn.execute(_PG_INSERT, {"rows": doc.decode()}).scalar() or ())
    stmt = insert_ignoring_conflicts(conn, log).returning(log.c.event_id)
    return set(conn.execute(stmt, [log_row(site_id, e) for e in events]).scalars())


_STORED_RESULTS: Final = TypeAdapter(list[EventResult])


def _stored_results(stored: list[tuple[int, Event]], late: set[str]) -> list[EventResult]:
    """The results of the events just stored, validated at once (not one model a call)."""
    return _STORED_RESULTS.validate_python(
        [
            {
                "index": index,
                "event_id": e.event_id,
                "seq": e.seq,
                "status": STORED,
                "late": e.event_id in late,
            }
            for index, e in stored
        ]
    )


def push_events(
    conn: Connection,
    principal: Principal,
    site: Site,
    raw_events: Sequence[object],
    products: Collection[str] | None = None,
    report: DeskReport | None = None,
) -> PushReply:
    """Store a desk's batch in the caller's transaction; every event gets a result.

    Each event is parsed with its kind's model (`products`: the codes of the rule sets);
    one that does not parse is rejected with the field at fault and never stored. An
    event of a site day the bureau already closed is stored too, but flagged `late` and
    listed (closing.py). The desk's `report` of itself is kept as its latest.
    """
    if principal.role is not Role.DESK or principal.site_id != site.id or not principal.desk:
        raise forbidden()
    desk = principal.desk
    accepted_site_names = {site_key(site.code), site_key(site.name)}
    results: dict[int, EventResult] = {}
    valid: list[tuple[int, Event]] = []
    seen_ids: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []  # (index, index of its first copy in the batch)
    for index, raw in enumerate(raw_events):
        try:
            # Already parsed when the whole body passed the push model at once.
            event = raw if isinstance(raw, Event) else parse_event(raw, products)
        except EventError as exc:
            results[index] = _rejected(
                index,
                raw,
                "malformed",
                f"事件格式錯誤：{exc}",
                f"malformed event: {exc}",
                exc.field or None,
            )
            continue
        if site_key(event.site) not in accepted_site_names:
            results[index] = _rejected(
                index,
                {"event_id": event.event_id, "seq": event.seq},
                "wrong_site",
                f"事件屬於場所「{event.site}」，不是此櫃台的場所 {site.code}",
                f"the event belongs to site {event.site!r}, not this desk's site {site.code}",
            )
            continue
        if event.desk != desk:
            results[index] = _rejected(
                index,
                {"event_id": event.event_id, "seq": event.seq},
                "wrong_desk",
                f"事件屬於櫃台 {event.desk}，不是 {desk}",
                f"the event belongs to desk {event.desk!r}, not {desk}",
            )
            continue
        if event.event_id in seen_ids:
            repeats.append((index, seen_ids[event.event_id]))
            continue
        seen_ids[event.event_id] = index
        valid.append((index, event))

    mark = _lock_site_and_read_mark(conn, site.id, desk)
    inserted = _insert(conn, site.id, [e for _, e in valid]) if valid else set()
    stored = [(index, e) for index, e in valid if e.event_id in inserted]
    missing = [(index, e) for index, e in valid if e.event_id not in inserted]
    existing: dict[str, Any] = {}
    for start in range(0, len(missing), 1000):
        chunk = [e.event_id for _, e in missing[start : start + 1000]]
        for row in conn.execute(_HELD_AS, {"event_ids": chunk}):
            existing[row.event_id] = row
    late = closing.record_late(conn, site, [e for _, e in stored])
    results.update(zip((index for index, _ in stored), _stored_results(stored, late), strict=True))
    # A repeat of a late event (its reply was lost) is answered late again.
    late_repeats = closing.late_among(conn, [e.event_id for _, e in missing])
    for index, event in missing:
        held = existing.get(event.event_id)
        if held is not None and (held.site_id, held.desk, held.seq) == (site.id, desk, event.seq):
            results[index] = EventResult(
                index=index,
                event_id=event.event_id,
                seq=event.seq,
                status=DUPLICATE,
                late=event.event_id in late_repeats,
            )
        elif held is not None:
            results[index] = _rejected(
                index,
                {"event_id": event.event_id, "seq": event.seq},
                "event_id_taken",
                "此事件編號已被另一筆事件使用",
                "another event already has this event_id",
            )
        else:
            results[index] = _rejected(
                index,
                {"event_id": event.event_id, "seq": event.seq},
                "seq_taken",
                f"櫃台 {desk} 的序號 {event.seq} 已有另一筆事件",
                f"desk {desk} already has another event with seq {event.seq}",
            )
    for index, first in repeats:
        # A copy within the batch shares the fate of the first: held, or rejected alike.
        same = results[first]
        status = DUPLICATE if same.acknowledged else same.status
        results[index] = same.model_copy(update={"index": index, "status": status})
    ordered = [results[i] for i in range(len(raw_events))]
    acked = [r.seq for r in ordered if r.acknowledged and r.seq is not None]
    mark = _advance_progress(conn, site.id, desk, mark, acked)
    if report is not None:
        closing.keep_report(conn, site, desk, report)
    counts = Counter(r.status for r in ordered)
    return PushReply(
        acked_through=mark,
        stored=counts[STORED],
        duplicates=counts[DUPLICATE],
        rejected=counts[REJECTED],
        results=ordered,
    )
