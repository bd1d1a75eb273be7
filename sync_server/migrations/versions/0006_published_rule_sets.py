"""Rule sets the bureau publishes: every version with its effective date, old ones kept.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule_set_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("disease", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_sets")),
        sa.UniqueConstraint(
            "rule_set_id", "effective_from", name=op.f("uq_rule_sets_rule_set_id_effective_from")
        ),
        sa.UniqueConstraint(
            "rule_set_id", "version", name=op.f("uq_rule_sets_rule_set_id_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("rule_sets")
