"""Rule sets the bureau publishes: validated with the desks' parser, every version kept.

A publication is refused (422, with the parser's reason: the file, the field, what is
wrong) when the file does not parse as a rule set, or when it contradicts the bundled
and already published sets (a name meaning two products); 409 when its version or its
effective date is taken. Desks download every version and use the one in force on
their day; the server judges with the same sets (`ServerRules`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from sync_server.db.tables import rule_sets
from sync_server.errors import ServiceError
from sync_server.services import audit
from sync_server.services.accounts import now_utc
from vaccination.rules import (
    Product,
    RuleSet,
    RuleSetError,
    RuleSetRegistry,
    merge_rule_sets,
    rule_set_from_bytes,
    rule_set_from_data,
)
from vaccination.wire import PublishedRuleSet, RuleSetInfo

log = logging.getLogger(__name__)


def publication_name(rule_set_id: str, version: str) -> str:
    """How a published version is named in messages: `covid19 2026.11 (published)`."""
    return f"{rule_set_id} {version} (published)"


def refused(exc: RuleSetError) -> ServiceError:
    """422 naming why the rule set cannot be used."""
    return ServiceError(
        422, "bad_rule_set", f"規則集無法使用：{exc}", f"the rule set cannot be used: {exc}"
    )


def published_sets(conn: Connection) -> list[tuple[RuleSet, str]]:
    """The published versions that parse, with their names (a broken row is logged, left out)."""
    out: list[tuple[RuleSet, str]] = []
    for row in conn.execute(select(rule_sets).order_by(rule_sets.c.id)):
        name = publication_name(row.rule_set_id, row.version)
        try:
            out.append((rule_set_from_data(row.body, name), name))
        except RuleSetError as exc:
            log.warning("published rule set left out: %s", exc)
    return out


def publish(
    conn: Connection, data: bytes, filename: str, actor: audit.Actor, bundled: RuleSetRegistry
) -> RuleSetInfo:
    """Validate and store a new version; refused with the reason when it cannot be used."""
    try:
        rs = rule_set_from_bytes(data, filename)
    except RuleSetError as exc:
        raise refused(exc) from None
    taken = conn.execute(
        select(rule_sets.c.version, rule_sets.c.effective_from).where(
            rule_sets.c.rule_set_id == rs.id
        )
    ).all()
    for version, effective_from in taken:
        if version == rs.version or effective_from == rs.effective_from:
            raise ServiceError(
                409,
                "rule_set_exists",
                f"{rs.id} 已有版本 {version}（{effective_from} 起）：請用新的版本與生效日",
                f"{rs.id} already has version {version} (from {effective_from}): publish a "
                "new version with a new effective date",
            )
    try:
        merge_rule_sets(bundled, [*published_sets(conn), (rs, filename)])
    except RuleSetError as exc:
        raise refused(exc) from None
    row: dict[str, Any] = {
        "rule_set_id": rs.id,
        "version": rs.version,
        "effective_from": rs.effective_from,
        "disease": rs.disease,
        "name_zh": rs.name_zh,
        "body": json.loads(data.decode("utf-8-sig")),
        "published_by": actor.name,
        "published_at": now_utc(),
    }
    try:
        new_id = conn.execute(rule_sets.insert().values(row).returning(rule_sets.c.id)).scalar_one()
    except IntegrityError:  # published by someone else at the same moment
        raise ServiceError(
            409, "rule_set_exists", f"{rs.id} {rs.version} 已發布", f"{rs.id} {rs.version} exists"
        ) from None
    audit.record(
        conn,
        actor,
        "rule_set_published",
        f"{rs.id} {rs.version}",
        {"effective_from": rs.effective_from.isoformat()},
    )
    return RuleSetInfo(id=new_id, **{k: v for k, v in row.items() if k != "body"})


def listing(conn: Connection) -> list[RuleSetInfo]:
    """Every published version, newest publication first."""
    columns = [c for c in rule_sets.c if c.name != "body"]
    rows = conn.execute(select(*columns).order_by(rule_sets.c.id.desc()))
    return [RuleSetInfo.model_validate(r._mapping) for r in rows]


def download(conn: Connection) -> list[PublishedRuleSet]:
    """Every published version with its file, in publication order (what desks take)."""
    rows = conn.execute(select(rule_sets).order_by(rule_sets.c.id))
    return [PublishedRuleSet.model_validate(r._mapping) for r in rows]


class ServerRules:
    """The bundled rule sets merged with the published ones, rechecked every few seconds.

    Every worker process holds one; a publication reaches the others within
    `recheck_seconds` (one `max(id)` query per recheck, nothing per request).
    """

    def __init__(self, bundled: RuleSetRegistry, recheck_seconds: float = 10.0) -> None:
        self.bundled = bundled
        self.rules = bundled
        self.product_codes = _codes(bundled.products())
        self._recheck = recheck_seconds
        self._next = 0.0
        self._seen: int | None = None
        self._lock = threading.Lock()

    def due(self) -> bool:
        """True when the published sets should be looked at again."""
        return time.monotonic() >= self._next

    def refresh(self, engine: Engine) -> RuleSetRegistry:
        """Reload the published sets when a new one appeared; the rules in force."""
        with self._lock:
            self._next = time.monotonic() + self._recheck
            with engine.connect() as conn:
                newest = conn.execute(select(func.max(rule_sets.c.id))).scalar()
                if newest == self._seen:
                    return self.rules
                published = published_sets(conn)
            try:
                self.rules = merge_rule_sets(self.bundled, published)
            except RuleSetError as exc:  # only rows written around publish() get here
                log.warning("published rule sets not used: %s", exc)
            self.product_codes = _codes(self.rules.products())
            self._seen = newest
            return self.rules


def _codes(products: Iterable[Product]) -> frozenset[str]:
    return frozenset(p.code for p in products)
