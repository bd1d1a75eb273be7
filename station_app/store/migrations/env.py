"""Alembic environment of the local store, configured in code by `station_app.store.migrate`.

The caller passes an open SQLAlchemy connection in `config.attributes["connection"]`;
there is no ini file and no URL here, so migrations always run on the store's own
engine with its pragmas.
"""

from __future__ import annotations

from alembic import context

from station_app.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through station_app.store.migrate (no connection given)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
