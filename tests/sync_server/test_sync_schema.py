"""The server's settings and its migrated schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from sync_server.core.config import load_settings
from sync_server.db.engine import make_engine
from sync_server.db.migrate import alembic_config, current_revision, head_revision, upgrade
from sync_server.db.tables import metadata


def test_migrations_build_exactly_the_declared_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        upgrade(engine)  # a second start changes nothing
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_settings_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings_file = tmp_path / "server.env"
    settings_file.write_text(
        "VAXDESK_SERVER_DATABASE_URL=sqlite:///from_file.db\n"
        "VAXDESK_SERVER_ACCOUNT_LIFETIME_DAYS=30\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("VAXDESK_SERVER_SETTINGS_FILE", str(settings_file))
    monkeypatch.setenv("VAXDESK_SERVER_ACCOUNT_LIFETIME_DAYS", "90")
    monkeypatch.delenv("VAXDESK_SERVER_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///from_file.db"
    assert settings.account_lifetime_days == 90  # the environment wins over the file
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"
    monkeypatch.setenv("VAXDESK_SERVER_ACCOUNT_LIFETIME_DAYS", "0")
    with pytest.raises(ValueError, match="account_lifetime_days"):
        load_settings()


def test_revisions_0007_to_0009_go_down_and_up(db_url: str) -> None:
    """Revision 0007 adds desk reports, closed days and late events, 0008 the site hub's
    positions, 0009 indexes the log by person then day; going down to 0006 takes them
    away."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert head_revision() == "0009"
        closing = {"desk_reports", "day_closures", "late_events", "hub_state"}
        assert closing <= set(inspect(engine).get_table_names())
        assert _log_indexes(engine) >= {("id_number", "day")}
        assert ("day", "id_number") not in _log_indexes(engine)
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0006")
        assert current_revision(engine) == "0006"
        assert not closing & set(inspect(engine).get_table_names())
        assert ("day", "id_number") in _log_indexes(engine)
        upgrade(engine)
        assert current_revision(engine) == "0009"
    finally:
        engine.dispose()


def _log_indexes(engine: Engine) -> set[tuple[str, ...]]:
    return {tuple(str(c) for c in ix["column_names"]) for ix in inspect(engine).get_indexes("log")}
