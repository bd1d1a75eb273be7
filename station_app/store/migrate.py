"""Bring a store database to the newest schema with Alembic, configured in code.

`upgrade(connection)` runs `alembic upgrade head` on an open connection, after a plain
look at `alembic_version`: a database already at the head (every start of a set-up desk)
never loads Alembic, which would add about 150 ms to the desk's cold start.
`make_revision(message)` is for developers adding a migration after changing tables.py:
`python -m station_app.store.new_revision "add a column"`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR: Final[Path] = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(
    r"^(down_revision|revision)\b[^=]*=\s*(?:\(\s*)?(None|[\"'][^\"']*[\"'])", re.M
)


class UnknownSchema(Exception):
    """Alembic cannot place the database's revision (typically a newer VaxDesk wrote it)."""


@cache
def scripted_head() -> str | None:
    """The newest revision, read from the version files' text (Alembic's own head)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            if value != "None":
                (revisions if name == "revision" else parents).add(value.strip("\"'"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None  # several heads: let Alembic decide


def at_head(connection: Connection) -> bool:
    """True when the database's `alembic_version` already names the newest revision."""
    head = scripted_head()
    if head is None:
        return False
    try:
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except OperationalError as exc:
        if "no such table" in str(exc):  # a new database
            return False
        raise
    return found == [head]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the store's migrations, optionally bound to a connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision id of the migrations."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection) -> None:
    """Run every pending migration on `connection` (inside its transaction)."""
    if at_head(connection):
        return
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic_config(connection), "head")
    except CommandError as exc:
        raise UnknownSchema(str(exc)) from exc


def make_revision(message: str) -> None:
    """Autogenerate a new revision by comparing tables.py with a freshly migrated database."""
    from alembic import command

    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        upgrade(conn)
        number = int(head_revision()) + 1  # revisions are numbered 0001, 0002, ...
        command.revision(
            alembic_config(conn), message=message, autogenerate=True, rev_id=f"{number:04d}"
        )
