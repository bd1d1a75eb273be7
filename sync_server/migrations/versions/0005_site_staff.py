"""site staff who sign in at the desks (name + PIN or a staff card, with a role)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("card_digest", sa.String(length=64), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_staff_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("card_digest", name=op.f("uq_staff_card_digest")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_staff_site_id_name")),
    )


def downgrade() -> None:
    op.drop_table("staff")
