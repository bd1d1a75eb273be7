"""Alembic environment of the sync server, configured in code by `sync_server.db.migrate`.

The caller passes an open connection in `config.attributes["connection"]`; there is no
ini file, so migrations always run on the server's own engine (SQLite or PostgreSQL).
"""

from __future__ import annotations

from alembic import context

from sync_server.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through sync_server.db.migrate (no connection given)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
