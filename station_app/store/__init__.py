"""The desk's local SQLite store: schema, migrations, transactions, outbox, bulk import.

Import what you need from here: `Store`, `StoreError`, `Outbox`, `ImportCounts`,
`booking_key`. SQLAlchemy loads only when this package is imported, never at CLI
start-up.
"""

from station_app.store.errors import StoreError
from station_app.store.importing import ImportCounts, booking_key
from station_app.store.outbox import Outbox, format_queue_number
from station_app.store.store import Store

__all__ = ["ImportCounts", "Outbox", "Store", "StoreError", "booking_key", "format_queue_number"]
