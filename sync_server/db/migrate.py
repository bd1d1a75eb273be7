"""Bring the server database to the newest schema with Alembic, configured in code.

`upgrade(engine)` is what `create_app` and `vaxdesk server migrate` run. Several
uvicorn workers may start at once: on PostgreSQL an advisory lock lets one migrate
while the others wait; on SQLite the write transaction does the same.
`python -m sync_server.db.migrate "message"` autogenerates a revision after a change
of tables.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text

MIGRATIONS_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_KEY: Final[int] = 0x5641_5844  # "VAXD": one advisory lock for schema changes


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the server's migrations, optionally bound to a connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision id of the migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Run every pending migration, one process at a time."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        command.upgrade(alembic_config(conn), "head")


def make_revision(message: str) -> None:
    """Autogenerate a revision by comparing tables.py with a freshly migrated database."""
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        command.revision(alembic_config(conn), message=message, autogenerate=True)


if __name__ == "__main__":
    make_revision(" ".join(sys.argv[1:]) or "schema change")
