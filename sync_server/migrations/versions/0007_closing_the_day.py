"""Closing a site day: desks' reports of unsent events, closed days, late events.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_reports",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("desk", sa.String(length=8), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("desk_time", sa.String(length=40), nullable=False),
        sa.Column("events_waiting", sa.Integer(), nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_desk_reports_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", "desk", name=op.f("pk_desk_reports")),
    )
    op.create_table(
        "day_closures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.Column("reconciliation", sa.JSON(), nullable=False),
        sa.Column("niis_rows", sa.JSON(), nullable=False),
        sa.Column("out_of_service", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_day_closures_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_closures")),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_day_closures_site_id_day")),
    )
    op.create_table(
        "late_events",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("desk", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_late_events_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_late_events")),
    )
    op.create_index(
        op.f("ix_late_events_site_id_day"), "late_events", ["site_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_late_events_site_id_day"), table_name="late_events")
    op.drop_table("late_events")
    op.drop_table("day_closures")
    op.drop_table("desk_reports")
