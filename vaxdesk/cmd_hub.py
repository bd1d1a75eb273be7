"""`vaxdesk hub`: the sync server in site mode on one PC of a site, relaying to the bureau.

The desks of the site sync with the hub over the site's own network, so they agree
with each other while the bureau is out of reach; the hub pushes their events to the
bureau unchanged and pulls the bureau's log for the site down to them. Embedded SQLite
by default, one process (the relay runs in it).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from vaxdesk.cli import UserError

if TYPE_CHECKING:
    from sync_server.core.tls import HubCertificate
    from sync_server.hub.announce import HubAnnouncement

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
    hub.add_argument(
        "--tls",
        metavar="FOLDER",
        type=Path,
        help="以 HTTPS 服務，使用此資料夾中的中繼站憑證（首次自動產生），並顯示其指紋 / serve "
        "HTTPS with the hub's own certificate kept in FOLDER (made on first use); its "
        "fingerprint is printed for the desks' settings",
    )
    hub.add_argument(
        "--announce",
        action="store_true",
        help="在站內網路公告此中繼（mDNS），櫃台設定可找到它；憑證指紋仍須手動輸入 / "
        "announce the hub on the site's network (mDNS) so desk settings can find it; the "
        "fingerprint is still typed in by hand",
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

    from sync_server.app import create_app, freeze_start_up
    from sync_server.core.config import load_settings
    from vaxdesk.cmd_server import GRACEFUL_SHUTDOWN_SECONDS, KEEP_ALIVE_SECONDS

    settings = load_settings(
        database_url=args.db,
        upstream_url=args.upstream,
        hub_token=read_hub_token(args.token_file),
        hub_interval_seconds=args.interval,
    )
    cert = _hub_certificate(args.tls, args.host) if args.tls is not None else None
    announcement = _announce(args, cert) if args.announce else None
    app = create_app(settings)
    freeze_start_up()
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            ssl_certfile=cert.cert_file if cert is not None else None,
            ssl_keyfile=cert.key_file if cert is not None else None,
            ws="none",
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            log_level="info",
        )
    finally:
        if announcement is not None:
            announcement.close()
    return 0


def _announce(args: argparse.Namespace, cert: HubCertificate | None) -> HubAnnouncement | None:
    """The hub's mDNS record; a network without multicast is said, not fatal."""
    from sync_server.hub.announce import announce_hub

    try:
        announcement = announce_hub(args.host, args.port, cert.fingerprint if cert else None)
    except OSError as exc:
        print(f"無法在站內網路公告中繼 / cannot announce the hub on the network: {exc}")
        return None
    print(
        f"已在站內網路公告 / announced on the site's network: {announcement.info.name}",
        flush=True,
    )
    return announcement


def _hub_certificate(folder: Path, host: str) -> HubCertificate:
    """The hub's certificate (made on first use); its fingerprint printed for the site
    manager to type into each desk's settings."""
    from sync_server.core.tls import ensure_hub_certificate

    names = [] if host in ("0.0.0.0", "::") else [host]
    try:
        cert = ensure_hub_certificate(folder, names)
    except (OSError, ValueError) as exc:
        raise UserError(
            f"無法準備中繼站憑證 / cannot prepare the hub's certificate: {exc}"
        ) from None
    print("站內中繼憑證指紋 / the hub's certificate fingerprint (SHA-256):", flush=True)
    print(f"  {cert.fingerprint}", flush=True)
    print(
        "請填入各櫃台設定的「站內中繼憑證指紋」/ enter it as each desk's hub_fingerprint",
        flush=True,
    )
    return cert
