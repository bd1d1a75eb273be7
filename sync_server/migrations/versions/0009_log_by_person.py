"""The log is indexed by person, then day: "this person's doses before the day" seeks
each person, where the index by day, then person, scanned every earlier day of the city.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 00:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_log_id_number_day"), "log", ["id_number", "day"])
    op.drop_index(op.f("ix_log_day_id_number"), table_name="log")


def downgrade() -> None:
    op.create_index(op.f("ix_log_day_id_number"), "log", ["day", "id_number"])
    op.drop_index(op.f("ix_log_id_number_day"), table_name="log")
