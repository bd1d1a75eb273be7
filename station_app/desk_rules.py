"""The desk's rule sets: the bundled files merged with the versions the bureau published.

The sync client downloads the published versions with the roster (`take_published`).
Each is validated with the parser the bundled files go through; one that does not parse,
or that contradicts the others (a name meaning two products), is refused with the reason
and the desk keeps what it had. Kept versions live in the store's `rule_sets` table, so
an offline desk starts with them; the version in force on the desk's day is used.
When the desk has not heard from the bureau for longer than the settings allow, the
status bar says its rules may be out of date.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.tables import rule_sets
from vaccination.rules import (
    RuleSet,
    RuleSetError,
    RuleSetRegistry,
    merge_rule_sets,
    rule_set_from_data,
    rule_sets_in_force,
)

if TYPE_CHECKING:
    from station_app.store import Store
    from station_app.sync_state import SyncBook
    from vaccination.wire import PublishedRuleSet

log = logging.getLogger(__name__)

CHECKED_KEY: Final[str] = "rule_sets_checked_at"  # SyncBook key: last download from the bureau
STALE_ZH: Final[str] = "規則可能不是最新"
STALE_EN: Final[str] = "rules may be out of date"


@dataclass(frozen=True)
class Refusal:
    """A published version the desk did not take, and why."""

    name: str  # "covid19 2026.12"
    reason: str

    def text(self) -> str:
        """One line for the status bar and `vaxdesk sync`."""
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class RuleDownload:
    """What one download did: versions newly kept, versions refused, the rules now in use."""

    added: tuple[str, ...]
    refused: tuple[Refusal, ...]
    rules: RuleSetRegistry


def _name(rule_set_id: str, version: str) -> str:
    return f"{rule_set_id} {version}"


def stored_rule_sets(store: Store) -> list[tuple[RuleSet, str]]:
    """The downloaded versions the store keeps (one that no longer parses is logged, left out)."""
    with store.read() as conn:
        rows = conn.execute(select(rule_sets).order_by(rule_sets.c.effective_from)).all()
    kept: list[tuple[RuleSet, str]] = []
    for r in rows:
        name = _name(r.rule_set_id, r.version)
        try:
            kept.append((rule_set_from_data(json.loads(r.body), name), name))
        except (RuleSetError, ValueError) as exc:
            log.warning("downloaded rule set %s not used: %s", name, exc)
    return kept


def desk_rules(store: Store, bundled: RuleSetRegistry) -> RuleSetRegistry:
    """The rules a desk judges with: the bundled files and the downloaded versions."""
    stored = stored_rule_sets(store)
    if not stored:
        return bundled
    try:
        return merge_rule_sets(bundled, stored)
    except RuleSetError as exc:  # a VaxDesk update whose files clash with a download
        log.warning("downloaded rule sets not used: %s", exc)
        return bundled


def _judge(
    item: PublishedRuleSet, bundled: RuleSetRegistry, kept: list[tuple[RuleSet, str]]
) -> RuleSet:
    """The published version parsed and checked against the others; RuleSetError if not."""
    name = _name(item.rule_set_id, item.version)
    rs = rule_set_from_data(item.body, name)
    if (rs.id, rs.version) != (item.rule_set_id, item.version):
        raise RuleSetError(name, "id", f"the file says {rs.id} {rs.version}")
    merge_rule_sets(bundled, [*kept, (rs, name)])
    return rs


def take_published(
    store: Store, bundled: RuleSetRegistry, published: Sequence[PublishedRuleSet], server: str
) -> RuleDownload:
    """Keep the published versions that can be used; refuse the others with the reason."""
    kept = stored_rule_sets(store)
    have = {(rs.id, rs.version) for rs, _ in kept}
    added: list[tuple[RuleSet, str]] = []
    refused: list[Refusal] = []
    for item in published:
        if (item.rule_set_id, item.version) in have:
            continue
        name = _name(item.rule_set_id, item.version)
        try:
            rs = _judge(item, bundled, kept)
        except RuleSetError as exc:
            log.warning("published rule set refused: %s", exc)
            refused.append(Refusal(name, f"{exc.field}: {exc.detail}" if exc.field else exc.detail))
            continue
        kept.append((rs, name))
        have.add((rs.id, rs.version))
        added.append((rs, json.dumps(item.body, ensure_ascii=False)))
    if added:
        at = datetime.now(UTC).isoformat()
        rows = [
            {
                "rule_set_id": rs.id,
                "version": rs.version,
                "effective_from": rs.effective_from,
                "body": body,
                "server": server,
                "downloaded_at": at,
            }
            for rs, body in added
        ]
        with store.write() as conn:
            conn.execute(sqlite_insert(rule_sets).on_conflict_do_nothing(), rows)
    rules = merge_rule_sets(bundled, kept) if kept else bundled
    return RuleDownload(tuple(_name(rs.id, rs.version) for rs, _ in added), tuple(refused), rules)


def mark_checked(book: SyncBook, at: datetime) -> None:
    """Remember that the bureau's rule sets were downloaded at `at`."""
    book.put(CHECKED_KEY, at.astimezone(UTC).isoformat())


def rules_stale(book: SyncBook, now: datetime, max_age: timedelta) -> bool:
    """True when the desk has not heard from the bureau for longer than `max_age`."""
    value = book.get(CHECKED_KEY)
    if value is None:
        return True
    return now - datetime.fromisoformat(value) > max_age


def rules_status(
    rules: RuleSetRegistry,
    day: date,
    store: Store,
    now: datetime,
    stale_after: timedelta | None,
) -> tuple[str, str]:
    """The status bar's rule text, zh and en; with 「規則可能不是最新」 when the desk has not
    heard from the bureau for longer than `stale_after` (None: no server to hear from)."""
    from station_app.sync_state import SyncBook

    zh, en = rules_label(rules, day)
    if stale_after is not None and rules_stale(SyncBook(store), now, stale_after):
        return f"{zh}（{STALE_ZH}）", f"{en} ({STALE_EN})"
    return zh, en


def rules_label(rules: RuleSetRegistry, day: date) -> tuple[str, str]:
    """Which versions the desk uses on `day`: 「規則 covid19 2023.05.2、flu 2025-26.2」."""
    names = [f"{rs.id} {rs.version}" for rs in rule_sets_in_force(rules, day)]
    return "規則 " + "、".join(names), "rules " + ", ".join(names)
