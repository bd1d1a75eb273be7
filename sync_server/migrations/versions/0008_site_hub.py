"""A site hub's positions: how far it pushed its log upstream and pulled the bureau's.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hub_state")),
    )


def downgrade() -> None:
    op.drop_table("hub_state")
