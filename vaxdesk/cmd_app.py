"""`vaxdesk app`: the station window (PySide6). Qt loads inside the handler only."""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

from vaxdesk.cli import UserError

STARTED = time.perf_counter()  # when the command line was read: the cold-start clock


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `app`."""
    app = subparsers.add_parser(
        "app",
        help="開啟報到站視窗 / open the check-in station window",
        description="Opens the desk window. On a new PC a short first-run setup asks for the "
        "site, desk letter and roster. --demo uses a temporary database with today's demo roster.",
    )
    app.add_argument(
        "--demo", action="store_true", help="示範：暫存資料庫與示範名冊 / temporary demo database"
    )
    app.add_argument("--db", type=Path, help="資料庫檔案 / SQLite database file")
    app.add_argument("--people", type=int, default=300, help="示範人數 / demo roster size")
    app.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    app.set_defaults(handler=run_app)


def run_app(args: argparse.Namespace) -> int:
    """Start the window; environment problems become one-line errors."""
    if args.people < 1:
        raise UserError("示範人數至少 1 / --people must be at least 1")
    if args.db is not None and args.db.is_dir():
        raise UserError(f"資料庫路徑是資料夾 / the database path is a folder: {args.db}")
    # The store (SQLAlchemy, pydantic, the event models) before Qt: PySide6 reads the
    # source of every module imported after it, for its __feature__ switches (about
    # 0.1 s of a cold start for these few hundred modules, none of which uses Qt).
    import station_app.store  # noqa: F401
    from station_app.app import can_show_window

    if not can_show_window():
        raise UserError(
            "沒有可用的螢幕：請在桌面環境執行，或設定 QT_QPA_PLATFORM=offscreen"
            " / no screen: run it on a desktop, or set QT_QPA_PLATFORM=offscreen"
        )

    return launch(
        db=args.db, demo=args.demo, people=args.people, exit_when_ready=args.exit_when_ready
    )


def launch(*, db: Path | None, demo: bool, people: int, exit_when_ready: bool) -> int:
    """Run the window (a screen is known to be there); store problems become user errors."""
    # Start-up makes about 100,000 objects that live as long as the desk (SQLAlchemy,
    # the rule sets, the widgets) and almost no garbage: the collector would only walk
    # them again and again. It stays off until `run` has built the desk.
    gc.disable()
    from station_app.app import run
    from station_app.store.errors import StoreError

    try:
        return run(
            db=db, demo=demo, people=people, exit_when_ready=exit_when_ready, started=STARTED
        )
    except StoreError as exc:
        raise UserError(f"{exc.message_zh} / {exc.message_en}") from exc
