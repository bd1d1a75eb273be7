"""rule sets downloaded from the bureau

The bureau publishes rule set versions on the server; a desk downloads them with the
roster and keeps those that parse, beside the bundled files, each with its effective
date (the one in force on the desk's day is used).

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
    """Add the table of downloaded rule sets."""
    op.create_table(
        "rule_sets",
        sa.Column("rule_set_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("server", sa.Text(), nullable=False),
        sa.Column("downloaded_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("rule_set_id", "version", name=op.f("pk_rule_sets")),
    )


def downgrade() -> None:
    """Drop it again."""
    op.drop_table("rule_sets")
