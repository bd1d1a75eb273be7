"""infection onset date of a person, doses per vial of a lot

A person's infection counts from the onset or the confirmation, whichever is earlier
(seed 001: "自發病日或確診日起3個月後"), so the roster's onset date (發病日期) is kept beside
the confirmation date. A lot holds its own doses per vial (AZ comes in 8- and 10-dose
vials, seed 002); NULL means the product's default of the rule set.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two nullable columns."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("infection_onset_date", sa.Date(), nullable=True))
    with op.batch_alter_table("lots") as batch:
        batch.add_column(sa.Column("doses_per_vial", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("lots") as batch:
        batch.drop_column("doses_per_vial")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("infection_onset_date")
