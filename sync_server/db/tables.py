"""The server's schema as SQLAlchemy Core tables (one schema for SQLite and PostgreSQL).

`log` is the site's append-only journal: every accepted desk event and every roster
change gets a `log_id`, the cursor desks pull by. Instants are ISO-8601 text with the
offset, exactly as the desk sent them, so events round-trip unchanged. Any change here
needs a migration in `sync_server/migrations/versions/`.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
LogId = BigInteger().with_variant(Integer(), "sqlite")

sites = Table(
    "sites",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("institution_code", String(10), nullable=False),  # 十碼代碼 of the site
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# People and desks alike: a desk is an account of role "desk" with its letter.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id")),
    Column("desk", String(8)),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("site_id", "desk"),
)

log = Table(
    "log",
    metadata,
    Column("log_id", LogId, primary_key=True, autoincrement=True),
    # No foreign key: PostgreSQL would check it row by row, a third of a push's insert
    # time. Writers take the site's row lock first (journal.lock_site), and sites are
    # never deleted, so every site_id written names a site.
    Column("site_id", Integer, nullable=False),
    Column("entry", String(10), nullable=False),  # "event" or "roster"
    Column("event_id", String(36), unique=True),  # NULL for roster changes
    Column("site_label", String(200)),  # the event's `site` exactly as the desk wrote it
    Column("desk", String(8)),
    Column("seq", BigInteger),
    Column("at", String(40), nullable=False),
    Column("day", Date, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("id_number", String(20)),
    Column("payload", JSON, nullable=False),
    UniqueConstraint("site_id", "desk", "seq"),
    Index(None, "site_id", "log_id"),
    Index(None, "id_number", "day"),  # a person's facts, of a day or of the days before
    Index(None, "site_id", "day", "kind"),
)

# Derived on ingest: how far each desk's sequence is held without a gap.
desk_progress = Table(
    "desk_progress",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("desk", String(8), primary_key=True),
    Column("acked_through", BigInteger, nullable=False),
    Column("last_push_at", DateTime(timezone=True), nullable=False),
)

roster_entries = Table(
    "roster_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("id_number", String(20), nullable=False),
    Column("product", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("birth_date", Date),
    Column("phone", String(40)),
    Column("booking_site", String(200), nullable=False),  # 接種地點 as the roster wrote it
    Column("slot_start", String(19), nullable=False),  # naive local ISO time of the site
    Column("slot_end", String(19)),
    Column("dose", Integer, nullable=False),
    Column("dose_label", String(40)),
    Column("row_number", Integer),
    Column("history", JSON, nullable=False),  # [{product, given_on, lot}]
    Column("history_text", Text, nullable=False, server_default=""),
    Column("flags", JSON, nullable=False),
    Column("walk_in", Boolean, nullable=False, server_default=false()),
    Column("cancelled", Boolean, nullable=False, server_default=false()),
    Column("infection_date", Date),  # 確診日期
    Column("infection_onset_date", Date),  # 發病日期
    Column("other_vaccine_date", Date),  # 其他疫苗接種日
    UniqueConstraint("site_id", "day", "id_number", "product"),
    Index(None, "id_number"),
)

# Vials delivered to a site, recorded by the bureau (the base of 結存數量).
stock_deliveries = Table(
    "stock_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("product", String(40), nullable=False),
    Column("lot", String(60), nullable=False),
    Column("vials", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "site_id", "product", "lot"),
)

# The bureau's web pages (sync_server/web): password sign-in, sessions, the audit log.

# A password for an account that signs in to the web pages (an account keeps its token).
account_passwords = Table(
    "account_passwords",
    metadata,
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),  # argon2id, with its parameters
    Column("allowed_networks", JSON, nullable=False),  # ["10.1.0.0/16"]; empty: any address
    Column("last_sign_in_at", DateTime(timezone=True)),
)

# A signed-in browser: only the digest of the cookie's secret is stored.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Index(None, "account_id"),
)

# Failed sign-ins, the base of the throttle (per login and per address).
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index(None, "login", "at"),
    Index(None, "address", "at"),
)

# Every change and every read of personal data, each entry chained to the one before it.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", LogId, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),  # ISO-8601 UTC, exactly as hashed
    Column("actor", String(200), nullable=False),
    Column("actor_id", Integer),
    Column("address", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index(None, "action", "id"),
)

# The people working at a site (clerk, doctor, vaccinator, manager): desks download the
# list so staff can sign in offline. The PIN is an argon2id hash, the card a SHA-256.
staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("pin_hash", String(200), nullable=False),
    Column("card_digest", String(64), unique=True),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("site_id", "name"),
)

# Rule sets the bureau published (sync_server/services/rule_sets.py): every version is
# kept; desks download them all and use the one in force on their day.
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_set_id", String(64), nullable=False),
    Column("version", String(40), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("disease", String(64), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("body", JSON, nullable=False),  # the file as published
    Column("published_by", String(200), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("rule_set_id", "version"),
    UniqueConstraint("rule_set_id", "effective_from"),
)

# Closing a site day (sync_server/services/closing.py).

# Each desk's latest report of itself (vaccination.wire.DeskReport), kept on every push.
desk_reports = Table(
    "desk_reports",
    metadata,
    Column("site_id", Integer, ForeignKey("sites.id"), primary_key=True),
    Column("desk", String(8), primary_key=True),
    Column("reported_at", DateTime(timezone=True), nullable=False),  # the server's clock
    Column("desk_time", String(40), nullable=False),  # the desk's clock, ISO-8601 with offset
    Column("events_waiting", Integer, nullable=False),
    Column("app_version", String(40)),
)

# A closed site day: what the reconciliation and the NIIS file said when it was closed.
day_closures = Table(
    "day_closures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("closed_by", String(200), nullable=False),
    Column("reconciliation", JSON, nullable=False),  # the frozen reconciliation
    Column("niis_rows", JSON, nullable=False),  # the frozen NIIS rows (header apart)
    Column("out_of_service", JSON, nullable=False),  # {desk: reason}
    UniqueConstraint("site_id", "day"),
)

# Events stored after their site day was closed: accepted, flagged, listed.
late_events = Table(
    "late_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("desk", String(8), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index(None, "site_id", "day"),
)

# A site hub's own positions (sync_server/hub): how far its log has been pushed to the
# bureau (`push_cursor`, a local log_id) and how far the bureau's log has been pulled
# (`pull_cursor`, the bureau's log_id). Empty on the bureau's server.
hub_state = Table(
    "hub_state",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
