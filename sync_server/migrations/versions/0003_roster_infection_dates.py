"""Roster entries carry the infection (onset, confirmation) and other-vaccine dates.

Without them a desk that downloaded the roster assessed a recently infected person as
clear, while a desk that imported the same file blocked them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 18:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("infection_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("infection_onset_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("other_vaccine_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.drop_column("other_vaccine_date")
        batch_op.drop_column("infection_onset_date")
        batch_op.drop_column("infection_date")
