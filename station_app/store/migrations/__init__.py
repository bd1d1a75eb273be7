"""Alembic migrations of the local store; run by `station_app.store.migrate`, no alembic.ini."""
