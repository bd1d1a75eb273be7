"""the site's staff, downloaded from the server, so staff sign in offline; who acted in
the audit log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the staff table (empty: no sign-in until a list arrives) and the audit column."""
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=False),
        sa.Column("card_digest", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff")),
        sa.UniqueConstraint("card_digest", name=op.f("uq_staff_card_digest")),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("operator", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("operator")
    op.drop_table("staff")
