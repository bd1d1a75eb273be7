"""The desk's local SQLite store: schema, migrations, transactions, outbox, bulk import.

Import what you need from here: `Store`, `StoreError`, `Outbox`, `ImportCounts`,
`booking_key`. SQLAlchemy loads only when this package is imported, never at CLI
start-up.
"""

from typing import Any

from station_app.store.errors import StoreError
from station_app.store.outbox import Outbox, format_queue_number
from station_app.store.store import Store

__all__ = ["ImportCounts", "Outbox", "Store", "StoreError", "booking_key", "format_queue_number"]


def __getattr__(name: str) -> Any:
    # The import code pulls in the roster reader; the desk's window does not need it to start.
    if name in ("ImportCounts", "booking_key"):
        from station_app.store import importing

        return getattr(importing, name)
    raise AttributeError(name)
