"""The desk's local store: one SQLite file, opened, migrated and written through here.

`Store.open(path)` creates or upgrades the database (Alembic `upgrade head`) and hands
out connections: `read()` for a consistent snapshot, `write()` for one write
transaction that takes SQLite's write lock first (BEGIN IMMEDIATE). Environment
failures leave as `StoreError`, with a zh+en message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, update
from sqlalchemy.exc import DBAPIError

from station_app.store import lookups, migrate
from station_app.store.checkpoint import WalCheckpointer
from station_app.store.engine import WRITE, make_engine
from station_app.store.errors import StoreError, translate
from station_app.store.outbox import REMOTE, Outbox
from station_app.store.state import apply_events
from station_app.store.tables import bookings
from vaccination.events import Event

if TYPE_CHECKING:
    from station_app.store.importing import EntryLike, ImportCounts

log = logging.getLogger(__name__)


@contextmanager
def _translated() -> Iterator[None]:
    """Turn known environment errors of SQLite into StoreError; let bugs through."""
    try:
        yield
    except StoreError:
        raise
    except (DBAPIError, OSError) as exc:
        found = translate(exc)
        if found is None:
            raise
        log.info("store error %s: %s", found.code, found.detail)
        raise found from exc


class Store:
    """One desk's SQLite database. Thread-safe: each call takes its own pooled connection."""

    def __init__(
        self, engine: Engine, path: Path, checkpointer: WalCheckpointer | None = None
    ) -> None:
        self.engine = engine
        self.path = path
        self.outbox = Outbox(self.read, self.write)
        self.checkpointer = checkpointer

    @classmethod
    def open(cls, path: Path | str, background_checkpoint: bool = False) -> Store:
        """Open (creating if needed) and migrate the store at `path`.

        background_checkpoint: copy the WAL back on a thread of its own rather than inside
        every hundredth commit (the desk window, where a commit is a nurse waiting).
        """
        p = Path(path)
        if p.is_dir():
            raise StoreError(
                "cannot_open",
                f"資料庫路徑是資料夾：{p}",
                f"the database path is a folder: {p}",
            )
        if not p.parent.is_dir():
            raise StoreError(
                "cannot_open",
                f"資料夾不存在：{p.parent}",
                f"the folder does not exist: {p.parent}",
            )
        engine = make_engine(p, autocheckpoint=not background_checkpoint)
        try:
            with _translated(), engine.connect() as conn:
                conn.execution_options(**WRITE)
                with conn.begin():
                    migrate.upgrade(conn)
        except migrate.UnknownSchema as exc:
            engine.dispose()
            # Typically a database written by a newer VaxDesk.
            raise StoreError(
                "schema",
                "資料庫版本比本程式新或無法辨識，請更新 VaxDesk",
                "the database schema is newer than this program or unknown; update VaxDesk",
                detail=str(exc),
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        checkpointer = WalCheckpointer(p) if background_checkpoint else None
        if checkpointer:
            checkpointer.start()
        return cls(engine, p, checkpointer)

    def close(self) -> None:
        """Stop the checkpoint thread and release every pooled connection."""
        if self.checkpointer:
            self.checkpointer.stop()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (one consistent snapshot)."""
        with _translated(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction: commit on success, roll back on any error."""
        with _translated(), self.engine.connect() as conn:
            conn.execution_options(**WRITE)
            with conn.begin():
                yield conn

    def import_entries(
        self, entries: Iterable[EntryLike], progress: Callable[[int, int], None] | None = None
    ) -> ImportCounts:
        """Insert a roster's accepted rows in one transaction.

        Re-importing the same rows changes nothing: bookings are keyed by person, site,
        day and product; people and dose records by their natural keys.
        """
        from station_app.store import importing  # the roster reader loads on first import

        with self.write() as conn:
            return importing.import_entries(conn, entries, progress)

    def cancel_booking(self, key: str) -> bool:
        """Cancel a booking by its key (a roster change from the server); False if unknown."""
        with self.write() as conn:
            result = conn.execute(
                update(bookings)
                .where(bookings.c.booking_key == key, bookings.c.cancelled.is_(False))
                .values(cancelled=True)
            )
            return result.rowcount == 1

    def apply_remote_events(self, events: Sequence[Event], *, own_site: bool = True) -> int:
        """Apply other desks' events to the local state in one transaction; returns the new.

        Idempotent by event_id: an event seen before (or this desk's own) is skipped.
        `own_site=False`: other sites' events (their desk letters are not this site's, so
        they do not move this desk's numbers).
        """
        with self.write() as conn:
            return len(apply_events(conn, events, REMOTE, sequences=own_site))

    def main_site(self, day: date) -> str | None:
        """The site with the most bookings on `day` (the default site of the CLI)."""
        with self.read() as conn:
            return lookups.main_site(conn, day)

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        with self.read() as conn:
            return migrate.current_revision(conn)
