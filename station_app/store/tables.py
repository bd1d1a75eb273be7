"""The local store's schema: SQLAlchemy Core tables of one desk's SQLite database.

Columns that hold wall-clock instants (`at`) are ISO-8601 text with the UTC offset,
because SQLite has no timezone-aware type and the events must round-trip exactly.
Booking slots are naive local times of the site, as on the roster.
Every change of this file needs an Alembic migration in `migrations/versions/`;
a test compares the migrated schema with this metadata.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.types import REAL

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

sites = Table(
    "sites",
    metadata,
    Column("name", String, primary_key=True),
)

people = Table(
    "people",
    metadata,
    Column("id_number", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("birth_date", Date),
    Column("phone", String),
    Column("infection_date", Date),  # confirmed COVID-19, when the roster says
    Column("infection_onset_date", Date),  # its onset (發病日), when the roster says
    Column("other_vaccine_date", Date),  # last other vaccine, when the roster says
    Column("history_text", Text, nullable=False, server_default=""),  # 已接種疫苗 as written
    Column("source", String, nullable=False, server_default="roster"),  # roster / walk_in
    sqlite_with_rowid=False,  # one b-tree keyed by ID number: faster bulk import and lookup
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("booking_key", String, nullable=False, unique=True),
    Column("id_number", String, ForeignKey("people.id_number"), nullable=False),
    Column("site", String, ForeignKey("sites.name"), nullable=False),
    Column("day", Date, nullable=False),
    Column("slot_start", DateTime, nullable=False),
    Column("slot_end", DateTime),
    Column("product", String, nullable=False),
    Column("dose", Integer, nullable=False),
    Column("dose_label", String),
    Column("row_number", Integer),
    Column("walk_in", Boolean, nullable=False, server_default=false()),
    Column("cancelled", Boolean, nullable=False, server_default=false()),
    Column("flags", String, nullable=False, server_default=""),  # comma-joined flag codes
    Index(None, "id_number"),
    # Leads with (site, day) for the day's reads; the rest makes the counters' booked
    # totals an index-only count and their "was this check-in booked" a single probe.
    Index(None, "site", "day", "cancelled", "id_number"),
)

# Keyed by its natural key, without a rowid: one b-tree that is both the table and the
# index the assessment reads a person's history through.
dose_records = Table(
    "dose_records",
    metadata,
    Column("id_number", String, ForeignKey("people.id_number"), nullable=False),
    Column("product", String, nullable=False),
    Column("given_on", Date, nullable=False),
    Column("lot", String),
    Column("source", String, nullable=False),  # roster / desk / server / walk_in
    # One dose is one fact, whatever told the desk of it (the roster file, the server).
    PrimaryKeyConstraint("id_number", "product", "given_on"),
    sqlite_with_rowid=False,
)

# A check-in's id is the event_id of its CHECKIN event. id_number has no foreign key:
# a remote desk may check in someone this desk has not heard of yet. The row is the
# projection's state of the check-in (vaccination/projection.py): undone (or voided), and
# the doctor decision in force; station_app/store/state.py writes it, nothing else does.
checkins = Table(
    "checkins",
    metadata,
    Column("checkin_id", String, primary_key=True),
    Column("id_number", String, nullable=False),
    Column("booking_id", Integer, ForeignKey("bookings.id")),
    Column("site", String, nullable=False),
    Column("desk", String, nullable=False),
    Column("day", Date, nullable=False),
    Column("queue_number", String, nullable=False),
    Column("at", String, nullable=False),
    Column("product", String),
    Column("dose", Integer),
    Column("flags", JSON, nullable=False),
    Column("confirm_reason", String),
    Column("rule_set_version", String),
    Column("undone", Boolean, nullable=False, server_default=false()),
    Column("undone_at", String),
    Column("undo_reason", String),
    Column("origin", String, nullable=False, server_default="local"),  # local / remote
    Column("decision", String),  # approved / not_approved / NULL (waiting)
    Column("decision_reason", String),
    Column("decision_at", String),
    Index(None, "id_number", "day"),
    Index(None, "site", "day"),
    Index(None, "queue_number"),
)

vaccinations = Table(
    "vaccinations",
    metadata,
    Column("vaccination_id", String, primary_key=True),  # event_id of VACCINATION
    Column("checkin_id", String),
    Column("id_number", String, nullable=False),
    Column("site", String, nullable=False),
    Column("day", Date, nullable=False),
    Column("product", String, nullable=False),
    Column("lot", String, nullable=False),
    Column("dose", Integer, nullable=False),
    Column("desk", String, nullable=False),
    Column("at", String, nullable=False),
    # (checkin_id, site, day) rather than checkin_id alone: the counters ask "vaccinated
    # at this site and day?" per check-in, and SQLite otherwise takes the (site, day) index
    # and walks the whole day's vaccinations for every check-in.
    Index(None, "checkin_id", "site", "day"),
    Index(None, "id_number", "day"),
    Index(None, "site", "day"),
)

lots = Table(
    "lots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String, nullable=False),
    Column("day", Date, nullable=False),
    Column("product", String, nullable=False),
    Column("lot", String, nullable=False),
    Column("vials_opened", Integer, nullable=False, server_default="0"),
    Column("doses_per_vial", Integer),  # set when first opened; NULL: the product's default
    UniqueConstraint("site", "day", "product", "lot"),
)

# The outbox: every desk action, written in the transaction of its state change.
events = Table(
    "events",
    metadata,
    Column("event_id", String, primary_key=True),
    Column("site", String, nullable=False),
    Column("desk", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("acked", Boolean, nullable=False, server_default=false()),
    Column("origin", String, nullable=False, server_default="local"),  # local / remote
    Column("id_number", String),  # the payload's person (NULL for vial events)
    Column("day", String),  # the payload's ISO day
    Index(None, "origin", "acked", "seq"),
    Index(None, "day", "id_number"),
)

# scope "event": the desk's next event seq (site and day empty);
# scope "queue": the desk's next queue number for a site and day.
desk_sequences = Table(
    "desk_sequences",
    metadata,
    Column("scope", String, nullable=False),
    Column("desk", String, nullable=False),
    Column("site", String, nullable=False, server_default=""),
    Column("day", String, nullable=False, server_default=""),
    Column("next_value", Integer, nullable=False),
    PrimaryKeyConstraint("scope", "desk", "site", "day"),
)

# Who looked at a full ID number and why; the number itself is kept masked.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False),
    Column("desk", String, nullable=False),
    Column("action", String, nullable=False),
    Column("masked_id", String, nullable=False),
    Column("reason", String, nullable=False),
    Column("operator", String),  # the staff member signed in (none on a desk without staff)
)

# The site's staff as the server last listed them (vaccination.wire.StaffMember), so
# staff sign in offline. An empty table: the desk works without sign-in, as before.
staff = Table(
    "staff",
    metadata,
    Column("staff_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("pin_hash", Text, nullable=False),  # argon2id, its parameters inside
    Column("card_digest", Text, unique=True),  # vaccination.staff.card_digest
)

# The sync client's own bookkeeping (station_app/sync_state.py): the pull cursor per
# server, and events the server refused for good (kept out of the push, never deleted).
sync_client_state = Table(
    "sync_client_state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

sync_client_rejections = Table(
    "sync_client_rejections",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("code", Text),
    Column("reason_zh", Text),
    Column("reason_en", Text),
    Column("at", Text, nullable=False),
)

# Pulled log entries the desk could not apply (a malformed event, an unknown product),
# kept with the reason; the cursor moved past them, so the site's other facts flowed on.
sync_client_set_aside = Table(
    "sync_client_set_aside",
    metadata,
    Column("server", Text, primary_key=True),
    Column("log_id", Integer, primary_key=True),
    Column("entry", Text, nullable=False),  # JSON as pulled
    Column("reason", Text, nullable=False),
    Column("at", Text, nullable=False),
)

# Rule sets the bureau published, as downloaded with the roster (station_app/desk_rules.py):
# only versions that parsed and fit the bundled ones are kept; every version stays.
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("rule_set_id", Text, primary_key=True),
    Column("version", Text, primary_key=True),
    Column("effective_from", Date, nullable=False),
    Column("body", Text, nullable=False),  # the file as published (JSON)
    Column("server", Text, nullable=False),
    Column("downloaded_at", Text, nullable=False),
)

# The desk's print queue (printing/print_queue.py, plain sqlite3). printing/ may not import
# the store, and creates this table itself in a file of its own, so the table is written
# twice: test_store_migrations checks that both give SQLite the same table. The index names
# are printing's: under other names its CREATE INDEX IF NOT EXISTS would add a second pair.
print_jobs = Table(
    "print_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("payload", Text, nullable=False),  # JSON
    Column("checkin_id", Text),
    Column("queue_number", Text),
    Column("state", Text, nullable=False, server_default="waiting"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("created_at", REAL, nullable=False),  # Unix seconds
    Column("printed_at", REAL),
    Column("reprint_of", Integer, ForeignKey("print_jobs.id")),
    Index("print_jobs_state", "state", "id"),
    Index("print_jobs_checkin", "checkin_id"),
    sqlite_autoincrement=True,
)
