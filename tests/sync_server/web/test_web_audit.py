"""The audit log's hash chain: an edited, removed or inserted entry is found by `audit verify`.

Seed 001 (資安): 所有紀錄至少保存一年以供稽核 - records kept a year for audit; the chain
makes a quiet edit of that record visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from sync_server.db.engine import make_engine
from sync_server.db.migrate import upgrade
from sync_server.db.tables import audit_log
from sync_server.services import audit
from sync_server.services.audit import Actor
from vaxdesk.cli import main


@dataclass(frozen=True)
class Verified:
    returncode: int
    stdout: str


@pytest.fixture
def verify_cli(capsys: pytest.CaptureFixture[str]) -> Callable[[str], Verified]:
    """`vaxdesk server audit verify --db URL`, run in this process."""

    def run(url: str) -> Verified:
        capsys.readouterr()
        code = main(["server", "audit", "verify", "--db", url])
        return Verified(code, capsys.readouterr().out)

    return run


def _log_three(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    who = Actor("staff", 2, "10.0.0.5")
    with engine.begin() as conn:
        for n in range(3):
            audit.record(conn, who, "exported", f"TN01 2026-12-0{n + 1}", {"file": f"niis_{n}.csv"})
    engine.dispose()


def test_an_intact_chain_passes_and_an_edited_entry_fails(
    tmp_path: Path, verify_cli: Callable[[str], Verified]
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    _log_three(url)
    ok = verify_cli(url)
    assert ok.returncode == 0 and "3 entries" in ok.stdout
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == 2).values(actor="someone else"))
    engine.dispose()
    bad = verify_cli(url)
    assert bad.returncode == 1 and "entry 2 was altered" in bad.stdout


def test_a_removed_entry_is_found(db_url: str, verify_cli: Callable[[str], Verified]) -> None:
    """On SQLite and PostgreSQL (where writers of the chain take an advisory lock)."""
    url = db_url
    _log_three(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.id == 2))
        result = audit.verify(conn)
    engine.dispose()
    assert not result.ok
    assert any("entries 2-2 are missing" in p for p in result.problems)
    assert any("entry 3 does not link" in p for p in result.problems)
    assert verify_cli(url).returncode == 1


def test_a_rehashed_edit_still_breaks_the_next_link(tmp_path: Path) -> None:
    """Someone who edits an entry and recomputes its hash still breaks the entry after it."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    _log_three(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        row = conn.execute(audit_log.select().where(audit_log.c.id == 1)).one()
        forged = audit.entry_hash(
            1,
            row.at,
            row.actor,
            row.actor_id,
            row.address,
            "sign_in",
            row.target,
            row.detail,
            row.prev_hash,
        )
        conn.execute(
            update(audit_log).where(audit_log.c.id == 1).values(action="sign_in", hash=forged)
        )
        result = audit.verify(conn)
    engine.dispose()
    assert result.problems == [
        "第 2 筆與前一筆接不上 / entry 2 does not link to the entry before it"
    ]
