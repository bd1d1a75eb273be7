"""`vaxdesk server day status|close`: whether a site day can be closed, and closing it.

Prints each enrolled desk's state (synced, holding unsent events, never reported, out
of service), then, for a closed day, who closed it and when and the events that came
later (ID numbers masked). `status` exits 1 while the day is neither ready nor closed;
`close` refuses, naming the desks holding events, with exit 2 (as every UserError).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import Any

from vaxdesk.cli import UserError

_STATE_ZH = {
    "synced": "已同步",
    "waiting": "尚有事件未上傳",
    "behind": "回報早於當日最後事件",
    "no_report": "從未回報",
    "out_of_service": "停用",
}


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    db_command: Callable[..., argparse.ArgumentParser],
) -> None:
    """Add `server day status` and `server day close` under `sub` (the `server` commands)."""
    group = sub.add_parser("day", help="結帳 / closing a site day")
    day_sub = group.add_subparsers(dest="day_command", metavar="COMMAND", required=True)
    status = db_command(
        day_sub, "status", "各櫃台是否已同步 / whether every desk has synced", run_status
    )
    close = db_command(
        day_sub,
        "close",
        "結帳：凍結對帳與 NIIS 匯出 / close the day, freezing its books",
        run_close,
    )
    for parser in (status, close):
        parser.add_argument("--site", required=True, help="場所代碼 / site code")
        parser.add_argument("--day", required=True, help="YYYY-MM-DD")
    close.add_argument(
        "--out-of-service",
        action="append",
        default=[],
        metavar="DESK=REASON",
        help="停用的櫃台與原因 / a desk out of service and why (repeatable)",
    )
    close.add_argument("--by", default="vaxdesk server day close", help="結帳人 / who closes")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"日期格式應為 YYYY-MM-DD / date must be YYYY-MM-DD: {text}") from None


def out_of_service(pairs: list[str]) -> dict[str, str]:
    """`DESK=REASON` arguments as {desk: reason}."""
    found: dict[str, str] = {}
    for pair in pairs:
        desk, sep, reason = pair.partition("=")
        if not sep or not desk.strip():
            raise UserError(f"應寫成 DESK=原因 / write DESK=REASON: {pair}")
        found[desk.strip().upper()] = reason
    return found


def _print(state: Any) -> None:
    """The readiness of a site day, as lines for a terminal."""
    print(f"{state.site} {state.day}")
    if state.last_activity:
        print(f"當日最後事件 / last event of the day: {state.last_activity}")
    for d in state.desks:
        waiting = "" if d.events_waiting is None else f" ({d.events_waiting} waiting)"
        reason = f": {d.reason}" if d.reason else ""
        zh = _STATE_ZH[d.state.value]
        print(f"  {d.desk}\t{zh} / {d.state.value}{waiting}{reason}")
    if not state.desks:
        print("  此場所沒有已登記的櫃台 / the site has no enrolled desk")
    if state.closure is not None:
        c = state.closure
        print(f"已結帳 / closed by {c.closed_by} at {c.closed_at:%Y-%m-%d %H:%M:%S %Z}")
        print(f"結帳後收到的事件 / events received after closing: {len(state.late)}")
        for e in state.late:
            print(f"  {e.received_at:%Y-%m-%d %H:%M:%S}\t{e.desk}\t{e.kind}\t{e.masked_id}\t{e.at}")
    elif state.ready:
        print("可以結帳 / ready to close")
    else:
        print("尚不能結帳 / not ready to close")


def run_status(args: argparse.Namespace) -> int:
    """Print the site day's readiness; exit 0 when closed or ready, 1 otherwise."""
    from sync_server.services import closing
    from sync_server.services.accounts import site_by_code
    from vaxdesk.cmd_server import _engine, _service

    day = _day(args.day)
    engine = _engine(args)
    try:
        with engine.connect() as conn:
            site = _service(lambda: site_by_code(conn, args.site))
            state = closing.readiness(conn, site, day)
    finally:
        engine.dispose()
    _print(state)
    return 0 if state.ready or state.closure else 1


def run_close(args: argparse.Namespace) -> int:
    """Close the site day; refused (exit 2) naming the desks that hold events."""
    from sync_server.services import audit, closing
    from sync_server.services.accounts import site_by_code
    from sync_server.services.rule_sets import ServerRules
    from vaccination.rules import load_rule_sets
    from vaxdesk.cmd_server import _engine, _service

    day = _day(args.day)
    away = out_of_service(args.out_of_service)
    engine = _engine(args)
    try:
        # The rule sets the server judges with: the bundled ones and the bureau's published.
        rules = ServerRules(load_rule_sets()).refresh(engine)
        with engine.begin() as conn:
            site = _service(lambda: site_by_code(conn, args.site))
            by = audit.Actor(args.by, None, "local")
            state = _service(lambda: closing.close_day(conn, site, day, rules, by, away))
    finally:
        engine.dispose()
    _print(state)
    return 0
