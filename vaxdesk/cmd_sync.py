"""`vaxdesk sync`: run the desk's sync client without the GUI (once, or until Ctrl+C).

The token comes from `--token-file` or the environment (VAXDESK_DESK_TOKEN), never
from the command line, so it stays out of shell history and process lists.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from vaxdesk.cli import UserError

if TYPE_CHECKING:
    from station_app.store import Store
    from station_app.sync_client import SyncClient

TOKEN_ENV = "VAXDESK_DESK_TOKEN"
RULES_INTERVAL = 900.0  # seconds between looks at the bureau's rule sets while running


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `sync`."""
    sync = subparsers.add_parser(
        "sync",
        help="與衛生局伺服器同步 / sync with the bureau's server",
        description="上傳待送事件並下載其他櫃台的事件與名冊異動。 "
        "Push waiting events, pull other desks' events and roster changes.",
    )
    sync.add_argument("--db", required=True, type=Path, help="櫃台資料庫 / desk database file")
    sync.add_argument("--server", required=True, help="伺服器網址 / server URL (https://...)")
    sync.add_argument(
        "--token-file", type=Path, help=f"櫃台憑證檔 / desk token file (or ${TOKEN_ENV})"
    )
    sync.add_argument("--ca-bundle", type=Path, help="衛生局自有 CA / the bureau's CA bundle")
    sync.add_argument("--roster-day", help="先下載這天的名冊 / download this day's roster first")
    sync.add_argument("--once", action="store_true", help="同步一次就結束 / one cycle, then exit")
    sync.add_argument("--interval", type=float, default=5.0, help="seconds between cycles")
    sync.set_defaults(handler=run_sync)


def _token(args: argparse.Namespace) -> str:
    if args.token_file is not None:
        try:
            token = str(args.token_file.read_text(encoding="utf-8")).strip()
        except OSError as exc:
            raise UserError(
                f"無法讀取憑證檔 / cannot read the token file {args.token_file}: {exc.strerror}"
            ) from None
    else:
        token = str(os.environ.get(TOKEN_ENV, "")).strip()
    if not token:
        raise UserError(
            f"缺少櫃台憑證：請用 --token-file 或 {TOKEN_ENV} / "
            f"no desk token: use --token-file or {TOKEN_ENV}"
        )
    return token


def _print_rules(client: SyncClient, store: Store, day: date) -> None:
    """The rule sets the desk uses on `day`, and each published version it refused."""
    from station_app.desk_rules import desk_rules, rules_label

    zh, en = rules_label(desk_rules(store, client.bundled_rules()), day)
    print(f"{zh} / {en}")
    for refusal in client.refused_rules:
        print(f"拒收規則 / rule set refused: {refusal.text()}")


def run_sync(args: argparse.Namespace) -> int:
    """Sync once (exit 0 when everything went, 1 when offline) or keep syncing."""
    from station_app.store import Store
    from station_app.store.errors import StoreError
    from station_app.sync_client import SyncClient, SyncRefused, SyncStatus, SyncUnavailable

    token = _token(args)
    if args.ca_bundle is not None and not args.ca_bundle.is_file():
        raise UserError(f"找不到 CA 檔 / CA bundle not found: {args.ca_bundle}")
    try:
        store = Store.open(args.db)
    except StoreError as exc:
        raise UserError(f"{exc}") from None

    def show(status: SyncStatus) -> None:
        print(f"{status.text_zh()} / {status.text_en()}", flush=True)

    from station_app.desk_rules import desk_rules
    from vaccination.rules import load_rule_sets

    bundled = load_rule_sets()
    codes = frozenset(p.code for p in desk_rules(store, bundled).products())
    client = SyncClient(
        store,
        args.server,
        token,
        product_codes=codes,
        ca_bundle=args.ca_bundle,
        interval=args.interval,
        on_status=show,
        bundled_rules=bundled,
        rules_interval=RULES_INTERVAL,
    )
    try:
        if args.roster_day:
            try:
                day = date.fromisoformat(args.roster_day)
            except ValueError:
                raise UserError(
                    f"日期應為 YYYY-MM-DD / date must be YYYY-MM-DD: {args.roster_day}"
                ) from None
            try:
                n = client.download_roster(day)
            except (SyncUnavailable, SyncRefused) as exc:
                raise UserError(f"{exc.message_zh} / {exc.message_en}") from None
            print(f"名冊 {n} 筆 / roster entries: {n}")
            _print_rules(client, store, day)
        if args.once:
            try:
                report = client.sync_once()
            except SyncRefused as exc:
                raise UserError(f"{exc.message_zh} / {exc.message_en}") from None
            except SyncUnavailable as exc:
                print(f"離線 / offline: {exc.message_zh} / {exc.message_en}")
                return 1
            waiting = store.outbox.count_pending() - len(client.book.rejected_ids())
            print(
                f"上傳 {report.pushed} 筆、拒收 {report.rejected} 筆、"
                f"下載 {report.pulled_events} 筆、"
                f"待上傳 {waiting} 筆 / pushed {report.pushed}, rejected {report.rejected}, "
                f"pulled {report.pulled_events}, waiting {waiting}"
            )
            for item in client.book.set_aside_entries():
                print(
                    f"無法套用的下載項目 / set aside: log {item.log_id} ({item.at[:19]}): "
                    f"{item.reason}"
                )
            return 0
        client.start()
        while True:
            time.sleep(3600)
    finally:
        client.stop()
        store.close()
