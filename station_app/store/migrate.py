"""Bring a store database to the newest schema with Alembic, configured in code.

`upgrade(connection)` runs `alembic upgrade head` on an open connection;
`make_revision(message)` is for developers adding a migration after changing tables.py:
`python -m station_app.store.migrate "add a column"`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine

MIGRATIONS_DIR: Final[Path] = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the store's migrations, optionally bound to a connection."""
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


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection) -> None:
    """Run every pending migration on `connection` (inside its transaction)."""
    command.upgrade(alembic_config(connection), "head")


def make_revision(message: str) -> None:
    """Autogenerate a new revision by comparing tables.py with a freshly migrated database."""
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        upgrade(conn)
        command.revision(alembic_config(conn), message=message, autogenerate=True)


if __name__ == "__main__":
    make_revision(" ".join(sys.argv[1:]) or "schema change")
