"""The server's settings, declared once: environment (`VAXDESK_SERVER_*`) and an optional file.

`Settings()` reads `VAXDESK_SERVER_DATABASE_URL`, `VAXDESK_SERVER_BOOTSTRAP_ADMIN_TOKEN` ...
and, when `VAXDESK_SERVER_SETTINGS_FILE` names one, a dotenv-style settings file. The
environment wins over the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "VAXDESK_SERVER_"
DEFAULT_DATABASE_URL = "sqlite:///vaxdesk_server.db"


class Settings(BaseSettings):
    """Every setting of the sync server, with its type, default and meaning."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///file.db, or postgresql+psycopg://user@host/db",
    )
    database_pool_size: int = Field(
        default=5,
        ge=1,
        description="PostgreSQL connections kept per worker process (as many again at peaks); "
        "workers x 2 x this must stay under the server's max_connections",
    )
    bootstrap_admin_token: SecretStr | None = Field(
        default=None,
        description="a token that acts as a bureau administrator (first start only; then "
        "create real accounts and remove it)",
    )
    account_lifetime_days: int = Field(
        default=365, ge=1, description="accounts expire this many days after creation or renewal"
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="larger request bodies get HTTP 413"
    )
    max_push_events: int = Field(default=2000, ge=1, description="events accepted in one push")
    body_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="a request body must arrive whole within this time, or the request gets "
        "HTTP 408 and its connection is closed; only then may a push take a slot",
    )
    max_concurrent_pushes: int | None = Field(
        default=None,
        ge=1,
        description="pushes handled at once per worker (default: from the worker's means: 2 on "
        "SQLite, database_pool_size on PostgreSQL, at most half its threads); as many more "
        "wait in line up to push_queue_seconds, the rest get HTTP 503 at once, with a "
        "Retry-After that spreads the desks' retries at the pace pushes complete, so a "
        "reconnect storm queues at the desks instead of in the server",
    )
    push_queue_seconds: float = Field(
        default=1.0,
        ge=0,
        description="how long a push that finds every slot taken waits in line for one "
        "before it gets HTTP 503 (a desk turned away comes back a whole Retry-After second "
        "later at the soonest)",
    )
    pull_page_size: int = Field(default=1000, ge=1, description="largest page of a pull")
    rules_dir: Path | None = Field(
        default=None, description="rule set folder (default: resources/rules of the install)"
    )
    migrate_on_start: bool = Field(
        default=True, description="run the Alembic migrations when the app starts"
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="how long a checked token is trusted without a database look-up",
    )
    roster_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        description="a roster file larger than this uncompressed (an .xlsx: the sizes its "
        "members declare) is refused before it is parsed",
    )
    roster_max_rows: int = Field(
        default=200_000, ge=1, description="a roster file with more rows is refused"
    )
    session_idle_minutes: int = Field(
        default=60,
        ge=1,
        description="a web page session ends after this many minutes without a request",
    )
    password_time_cost: int = Field(
        default=3, ge=1, description="argon2id passes over memory per password hash"
    )
    password_memory_kib: int = Field(
        default=65536,
        ge=8,
        description="argon2id memory per password hash in KiB (64 MiB; lower only for tests)",
    )
    # Site mode (`vaxdesk hub`): the same app at a site, relaying to the bureau.
    upstream_url: str | None = Field(
        default=None,
        description="site hub: the bureau's server URL (unset: this server is the bureau's)",
    )
    hub_token: SecretStr | None = Field(
        default=None, description="site hub: its token from `vaxdesk server hub add`"
    )
    hub_interval_seconds: float = Field(
        default=2.0, gt=0, description="site hub: seconds between relay cycles with the bureau"
    )
    hub_timeout_seconds: float = Field(
        default=10.0, gt=0, description="site hub: HTTP timeout of a call to the bureau"
    )


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, the settings file it names, then explicit overrides."""
    env_file = os.environ.get(ENV_PREFIX + "SETTINGS_FILE")
    clean = {k: v for k, v in overrides.items() if v is not None}
    if env_file:
        return Settings(_env_file=env_file, **clean)  # type: ignore[call-arg]
    return Settings(**clean)
