"""`vaxdesk hub`: the sync server in site mode on one PC of a site, relaying to the bureau.

The desks of the site sync with the hub over the site's own network, so they agree
with each other while the bureau is out of reach; the hub pushes their events to the
bureau unchanged and pulls the bureau's log for the site down to them. Embedded SQLite
by default, one process (the relay runs in it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vaxdesk.cli import UserError

DEFAULT_DB = "sqlite:///vaxdesk_hub.db"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `hub`."""
    hub = subparsers.add_parser(
        "hub",
        help="站內中繼伺服器 / a site hub relaying the desks to the bureau",
        description="在接種站的一台電腦上執行同步伺服器，櫃台經站內網路同步，再轉送衛生局。 "
        "Run the sync server at a site: desks sync over the site's network, the hub relays "
        "to the bureau.",
    )
    hub.add_argument("--db", metavar="URL", default=DEFAULT_DB, help=f"default: {DEFAULT_DB}")
    hub.add_argument(
        "--upstream", metavar="URL", required=True, help="衛生局伺服器 / the bureau's server URL"
    )
    hub.add_argument(
        "--token-file",
        type=Path,
        required=True,
        help="中繼站憑證檔（vaxdesk server hub add）/ the hub's token file",
    )
    hub.add_argument("--host", default="0.0.0.0", help="listen address (default: every one)")
    hub.add_argument("--port", type=int, default=8000, help="listen port")
    hub.add_argument(
        "--interval", type=float, default=2.0, help="seconds between relay cycles with the bureau"
    )
    hub.set_defaults(handler=run_hub)


def read_hub_token(path: Path) -> str:
    """The hub's token from its file (first line); a clear error when missing or empty."""
    try:
        token = path.read_text(encoding="utf-8").strip().splitlines()
    except OSError as exc:
        raise UserError(f"無法讀取中繼站憑證檔 / cannot read the hub token file: {exc}") from None
    if not token or not token[0].strip():
        raise UserError(f"中繼站憑證檔是空的 / the hub token file is empty: {path}")
    return token[0].strip()


def run_hub(args: argparse.Namespace) -> int:
    """Serve the app in site mode with its relay (one process: SQLite has one writer)."""
    import uvicorn

    from sync_server.app import create_app
    from sync_server.core.config import load_settings
    from vaxdesk.cmd_server import GRACEFUL_SHUTDOWN_SECONDS, KEEP_ALIVE_SECONDS

    settings = load_settings(
        database_url=args.db,
        upstream_url=args.upstream,
        hub_token=read_hub_token(args.token_file),
        hub_interval_seconds=args.interval,
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        ws="none",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_level="info",
    )
    return 0
