"""Alembic migrations of the sync server's database."""
