"""`vaxdesk roster demo` and `vaxdesk roster import`: make a demo roster, import a roster file."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from vaxdesk.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `roster demo` and `roster import`."""
    roster = subparsers.add_parser("roster", help="名冊 / roster files")
    sub = roster.add_subparsers(dest="roster_command", metavar="COMMAND", required=True)

    demo = sub.add_parser(
        "demo",
        help="產生示範名冊 / write a demo roster",
        description="產生含各種情境（重複預約、錯誤證號、間隔不足 …）的示範名冊 CSV。 "
        "Write a demo roster CSV with the usual trouble (duplicates, bad IDs, short intervals).",
    )
    demo.add_argument("--people", type=int, required=True, help="人數 / number of people")
    demo.add_argument("--date", required=True, help="接種日 YYYY-MM-DD / the site day")
    demo.add_argument("--out", type=Path, required=True, help="輸出檔 / output file")
    demo.add_argument(
        "--encoding",
        choices=["big5", "utf-8-sig"],
        default="utf-8-sig",
        help="編碼，預設 utf-8-sig / encoding (default utf-8-sig)",
    )
    demo.add_argument("--seed", type=int, default=1, help="亂數種子 / random seed")
    demo.set_defaults(handler=run_demo)

    imp = sub.add_parser(
        "import",
        help="匯入名冊到資料庫 / import a roster into the database",
        description="匯入 CSV 或 Excel 名冊；重複匯入同一檔案不會改變資料。結束碼：0 全部接受，"
        "1 有列被退回（其餘已匯入），2 檔案無法讀取、超過大小或列數上限，或沒有資料列。 Import a "
        "CSV or Excel roster; importing the same file again changes nothing. Exit 0 when every "
        "row was accepted, 1 when some rows were rejected (the rest imported), 2 when the file "
        "could not be read, is over the size or row limit, or holds no data rows.",
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="名冊檔 / roster file")
    imp.add_argument("--db", type=Path, required=True, help="資料庫檔案 / database file")
    imp.add_argument("--json", action="store_true", help="輸出 JSON / print JSON")
    imp.set_defaults(handler=run_import)


def run_demo(args: argparse.Namespace) -> int:
    """Write the demo roster."""
    from vaccination.demo_roster import write_demo_roster

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise UserError(
            f"--date 須為 YYYY-MM-DD：{args.date!r} / --date must be YYYY-MM-DD: {args.date!r}"
        ) from None
    if args.people < 1:
        raise UserError("--people 須至少 1 人 / --people must be at least 1")
    if not args.out.parent.is_dir():
        raise UserError(f"資料夾不存在：{args.out.parent} / folder not found: {args.out.parent}")
    try:
        write_demo_roster(args.out, args.people, day, args.encoding, args.seed)
    except OSError as exc:
        raise UserError(f"無法寫入 {args.out} / cannot write {args.out}: {exc.strerror}") from None
    print(f"已寫入示範名冊 wrote demo roster: {args.out} ({args.people} 人 people, {day})")
    return 0


def report_dict(report: Any, counts: Any, path: Path) -> dict[str, Any]:
    """The JSON form of an import: counts, rejected rows with reasons, notes.

    Raw cells are left out: they hold full ID numbers.
    """
    return {
        "file": str(path),
        "format": getattr(report, "format", None),
        "encoding": report.encoding,
        "fatal_error": report.fatal_error,
        "total_rows": getattr(report, "total_rows", None),
        "accepted": len(report.rows),
        "rejected": len(report.rejected),
        "duplicate_rows": getattr(report, "duplicate_rows", 0),
        "blank_rows": getattr(report, "blank_rows", 0),
        "store": None
        if counts is None
        else {
            "people_added": counts.people_added,
            "bookings_added": counts.bookings_added,
            "doses_added": counts.doses_added,
            "sites_added": counts.sites_added,
        },
        "rejected_rows": [
            {
                "row": r.row_number,
                "code": getattr(r, "code", ""),
                "reason_zh": r.reason_zh,
                "reason_en": r.reason_en,
            }
            for r in report.rejected
        ],
        "notes": [
            {
                "row": n.row_number,
                "code": n.code,
                "message_zh": n.message_zh,
                "message_en": n.message_en,
            }
            for n in report.notes
        ],
        "unknown_columns": list(report.unknown_columns),
    }


def _print_text(data: dict[str, Any]) -> None:
    print(f"檔案 file: {data['file']}（{data['format'] or ''} {data['encoding'] or ''}）")
    print(
        f"資料列 rows: {data['total_rows']}  接受 accepted: {data['accepted']}  "
        f"退回 rejected: {data['rejected']}  重複列 duplicate rows: {data['duplicate_rows']}"
    )
    store = data["store"]
    if store is not None:
        print(
            f"新增 added: {store['people_added']} 人 people, {store['bookings_added']} 筆預約 "
            f"bookings, {store['doses_added']} 筆接種紀錄 dose records"
        )
    if data["unknown_columns"]:
        print(f"未使用的欄位 unused columns: {', '.join(data['unknown_columns'])}")
    if data["rejected_rows"]:
        print("退回的列 rejected rows:")
        for r in data["rejected_rows"]:
            print(f"  第 {r['row']} 列 row {r['row']}: {r['reason_zh']} / {r['reason_en']}")
    if data["notes"]:
        print("註記 notes:")
        for n in data["notes"]:
            where = f"第 {n['row']} 列 row {n['row']} [{n['code']}]"
            print(f"  {where}: {n['message_zh']} / {n['message_en']}")


def run_import(args: argparse.Namespace) -> int:
    """Read, validate and import a roster file."""
    from station_app.store import StoreError
    from vaccination.roster_import import read_roster
    from vaxdesk.cmd_desk import load_rules, open_store

    report = read_roster(args.file, load_rules())
    if report.fatal_error:
        raise UserError(f"{report.fatal_error} ({args.file})")
    store = open_store(args.db, create=True)
    try:
        counts = store.import_entries(report.rows)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    finally:
        store.close()
    data = report_dict(report, counts, args.file)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_text(data)
    return 1 if report.rejected else 0
