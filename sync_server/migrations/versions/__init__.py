"""Alembic revisions of the sync server."""
