"""The baseline of bench_sync.py: the least an ingest endpoint can do on the same stack.

FastAPI + SQLAlchemy Core: parse the JSON body, one executemany of the events into a
table shaped like the server's log (ON CONFLICT DO NOTHING), commit, answer the count.
No auth, no validation, no per-event results: what the real server is measured against.

    python -c 'import minimal_ingest; minimal_ingest.create_table("postgresql://...")'
    DATABASE_URL=postgresql://... uvicorn --app-dir bench --factory minimal_ingest:app_from_env
"""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from pydantic_core import from_json
from sqlalchemy import JSON, BigInteger, Column, Date, MetaData, String, Table, create_engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from starlette.concurrency import run_in_threadpool

metadata = MetaData()
events = Table(
    "minimal_log",
    metadata,
    Column("log_id", BigInteger().with_variant(BigInteger, "postgresql"), primary_key=True),
    Column("event_id", String(36), unique=True),
    Column("site_label", String(200)),
    Column("desk", String(8)),
    Column("seq", BigInteger),
    Column("at", String(40)),
    Column("day", Date),
    Column("kind", String(30)),
    Column("id_number", String(20)),
    Column("payload", JSON),
)


def create_table(database_url: str) -> None:
    """Create the baseline's table once, before the workers start (each creating it raced:
    one worker died of the clash and the baseline ran on the other alone)."""
    engine = create_engine(database_url)
    metadata.create_all(engine, checkfirst=True)
    engine.dispose()


def app_from_env() -> FastAPI:
    """The baseline app on DATABASE_URL (PostgreSQL), its table made by `create_table`."""
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=8)
    stmt = pg_insert(events).on_conflict_do_nothing()
    app = FastAPI()

    @app.post("/api/v1/sites/{code}/events")
    async def push(code: str, request: Request) -> dict[str, int]:
        body = await request.body()

        def work() -> int:
            data = from_json(body)["events"]
            rows = [
                {
                    "event_id": e["event_id"],
                    "site_label": e["site"],
                    "desk": e["desk"],
                    "seq": e["seq"],
                    "at": e["at"],
                    "day": e["payload"]["day"],
                    "kind": e["kind"],
                    "id_number": e["payload"].get("id_number"),
                    "payload": e["payload"],
                }
                for e in data
            ]
            with engine.begin() as conn:
                conn.execute(stmt, rows)
            return len(rows)

        return {"stored": await run_in_threadpool(work)}

    return app
