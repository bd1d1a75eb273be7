"""The log drops its foreign key to sites: checked row by row, it slowed every push.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:25:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_log_site_id_sites"), type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_log_site_id_sites"), "sites", ["site_id"], ["id"]
        )
