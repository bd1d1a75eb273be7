"""projected check-in state, events by person, one dose per person, product and day

The check-ins table holds the projection's state of each check-in (vaccination/projection.py):
the doctor decision in force (`decision`, `decision_reason`, `decision_at`) next to
undone. Events carry their person and day, so a desk re-folds one person's day when a
late event arrives. A dose is one fact (person, product, day) whatever its source:
the roster file and the server's roster no longer store the same dose twice. Pulled
entries a desk cannot apply are kept aside with their reason.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("decision", sa.String(), nullable=True))
        batch.add_column(sa.Column("decision_reason", sa.String(), nullable=True))
        batch.add_column(sa.Column("decision_at", sa.String(), nullable=True))
    # The decision in force: the latest by instant, then by event id (the projection's rule).
    op.execute(
        """
        UPDATE checkins SET
          decision = (SELECT CASE WHEN d.approved THEN 'approved' ELSE 'not_approved' END
                      FROM doctor_decisions d WHERE d.checkin_id = checkins.checkin_id
                      ORDER BY d.at DESC, d.decision_id DESC LIMIT 1),
          decision_reason = (SELECT d.reason FROM doctor_decisions d
                             WHERE d.checkin_id = checkins.checkin_id
                             ORDER BY d.at DESC, d.decision_id DESC LIMIT 1),
          decision_at = (SELECT d.at FROM doctor_decisions d
                         WHERE d.checkin_id = checkins.checkin_id
                         ORDER BY d.at DESC, d.decision_id DESC LIMIT 1)
        """
    )
    # The events hold every decision; the check-in row holds the one in force.
    op.drop_table("doctor_decisions")
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("id_number", sa.String(), nullable=True))
        batch.add_column(sa.Column("day", sa.String(), nullable=True))
        batch.create_index("ix_events_day_id_number", ["day", "id_number"])
    op.execute(
        "UPDATE events SET id_number = json_extract(payload, '$.id_number'), "
        "day = json_extract(payload, '$.day')"
    )
    op.create_table(
        "dose_records_new",
        sa.Column("id_number", sa.String(), nullable=False),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("lot", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["id_number"],
            ["people.id_number"],
            name=op.f("fk_dose_records_id_number_people"),
        ),
        sa.PrimaryKeyConstraint("id_number", "product", "given_on", name=op.f("pk_dose_records")),
        sqlite_with_rowid=False,
    )
    # A desk's record (with its lot) wins over the roster's copy of the same dose.
    op.execute(
        "INSERT OR IGNORE INTO dose_records_new "
        "SELECT id_number, product, given_on, lot, source FROM dose_records "
        "ORDER BY CASE source WHEN 'desk' THEN 0 ELSE 1 END"
    )
    op.drop_table("dose_records")
    op.rename_table("dose_records_new", "dose_records")
    op.create_table(
        "sync_client_set_aside",
        sa.Column("server", sa.Text(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("server", "log_id", name=op.f("pk_sync_client_set_aside")),
    )


def downgrade() -> None:
    raise NotImplementedError("VaxDesk stores only move forward")
