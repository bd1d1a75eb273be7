"""Initial schema of the sync server: sites, accounts, the log, desk progress, rosters, stock.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 05:25:00.034172
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("institution_code", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_sites_code")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("desk", sa.String(length=8), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_accounts_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("site_id", "desk", name=op.f("uq_accounts_site_id_desk")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_accounts_token_hash")),
    )
    op.create_table(
        "desk_progress",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("desk", sa.String(length=8), nullable=False),
        sa.Column("acked_through", sa.BigInteger(), nullable=False),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_desk_progress_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", "desk", name=op.f("pk_desk_progress")),
    )
    op.create_table(
        "log",
        sa.Column(
            "log_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("site_label", sa.String(length=200), nullable=True),
        sa.Column("desk", sa.String(length=8), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("id_number", sa.String(length=20), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_log_site_id_sites")),
        sa.PrimaryKeyConstraint("log_id", name=op.f("pk_log")),
        sa.UniqueConstraint("event_id", name=op.f("uq_log_event_id")),
        sa.UniqueConstraint("site_id", "desk", "seq", name=op.f("uq_log_site_id_desk_seq")),
    )
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_log_day_id_number"), ["day", "id_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_log_site_id_day_kind"), ["site_id", "day", "kind"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_log_site_id_log_id"), ["site_id", "log_id"], unique=False
        )

    op.create_table(
        "roster_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("id_number", sa.String(length=20), nullable=False),
        sa.Column("product", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("booking_site", sa.String(length=200), nullable=False),
        sa.Column("slot_start", sa.String(length=19), nullable=False),
        sa.Column("slot_end", sa.String(length=19), nullable=True),
        sa.Column("dose", sa.Integer(), nullable=False),
        sa.Column("dose_label", sa.String(length=40), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("history_text", sa.Text(), server_default="", nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("walk_in", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_roster_entries_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_entries")),
        sa.UniqueConstraint(
            "site_id",
            "day",
            "id_number",
            "product",
            name=op.f("uq_roster_entries_site_id_day_id_number_product"),
        ),
    )
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_entries_id_number"), ["id_number"], unique=False
        )

    op.create_table(
        "stock_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=40), nullable=False),
        sa.Column("lot", sa.String(length=60), nullable=False),
        sa.Column("vials", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_stock_deliveries_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_deliveries")),
    )
    with op.batch_alter_table("stock_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_deliveries_site_id_product_lot"),
            ["site_id", "product", "lot"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("stock_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_deliveries_site_id_product_lot"))

    op.drop_table("stock_deliveries")
    with op.batch_alter_table("roster_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_entries_id_number"))

    op.drop_table("roster_entries")
    with op.batch_alter_table("log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_site_id_log_id"))
        batch_op.drop_index(batch_op.f("ix_log_site_id_day_kind"))
        batch_op.drop_index(batch_op.f("ix_log_day_id_number"))

    op.drop_table("log")
    op.drop_table("desk_progress")
    op.drop_table("accounts")
    op.drop_table("sites")
