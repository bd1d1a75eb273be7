"""`vaxdesk print ...` and `vaxdesk printers ...`: tickets, consent forms, rosters, test pages.

    vaxdesk print ticket --queue A028 --site 臺南市立體育館 --name 王小明 --id A123456789 \\
        --product CoV_AZ --dose 第2劑 --printer tcp://192.168.1.50:9100
    vaxdesk print consent --name 王小明 --id A123456789 --birth 0350411 --product CoV_AZ \\
        --dose 第2劑 --queue A028 --site ... --out consent.pdf   (or --printer URI: short slip)
    vaxdesk print roster --db desk.sqlite --date 2026-11-22 [--site S] --out roster.pdf
    vaxdesk print roster --roster bookings.csv --date 2026-11-22 [--site S] --out roster.pdf
    vaxdesk print reprint --db desk.sqlite (--checkin ID | --job N) [--printer URI]
    vaxdesk printers test URI
    vaxdesk printers emulate [--port 9100]

Heavy libraries (python-escpos, reportlab, the store) load inside the handlers.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from vaxdesk.cli import UserError

_PRINTERS_HELP = (
    "usb://VID:PID, serial:///dev/ttyUSB0?baudrate=19200, tcp://HOST:9100, "
    "file:///dev/usb/lp0, cups://QUEUE, pdf://FOLDER; options ?paper=58&mode=text&profile=TM-T88V"
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `print` and `printers`."""
    p_print = subparsers.add_parser(
        "print", help="列印號碼牌、同意書、清單 / print tickets, consent forms, rosters"
    )
    sub = p_print.add_subparsers(dest="print_command", metavar="WHAT", required=True)

    p_ticket = sub.add_parser("ticket", help="號碼牌 / print one queue ticket")
    p_ticket.add_argument("--queue", required=True, help="queue number, e.g. A028")
    p_ticket.add_argument("--site", required=True, help="site name")
    p_ticket.add_argument("--name", default="", help="name (printed masked)")
    p_ticket.add_argument("--id", dest="id_number", default="", help="ID number (printed masked)")
    p_ticket.add_argument("--product", default="", help="product code or name, e.g. CoV_AZ")
    p_ticket.add_argument("--dose", default="", help="dose label, e.g. 第2劑")
    p_ticket.add_argument("--checkin-id", default=None, help="check-in id for the QR code")
    p_ticket.add_argument("--instruction", default=None, help="instruction line")
    p_ticket.add_argument("--printer", required=True, metavar="URI", help=_PRINTERS_HELP)
    p_ticket.set_defaults(handler=_ticket)

    p_consent = sub.add_parser("consent", help="套印同意書 / pre-filled consent form")
    p_consent.add_argument("--name", required=True)
    p_consent.add_argument("--id", dest="id_number", required=True, help="full ID number")
    p_consent.add_argument("--birth", default=None, help="birth date, ROC or Gregorian")
    p_consent.add_argument("--product", required=True, help="product code, e.g. CoV_Moderna")
    p_consent.add_argument("--dose", required=True, help="dose label, e.g. 第2劑")
    p_consent.add_argument("--queue", default="", help="queue number")
    p_consent.add_argument("--site", default="", help="site name")
    p_consent.add_argument("--date", default=None, help="vaccination date (default today)")
    target = p_consent.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="write the A4 PDF here")
    target.add_argument(
        "--printer", metavar="URI", help="print the short version: " + _PRINTERS_HELP
    )
    p_consent.set_defaults(handler=_consent)

    p_roster = sub.add_parser("roster", help="列印清單 / the day's roster of a site as PDF")
    source = p_roster.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=Path, help="the desk's store (SQLite file)")
    source.add_argument("--roster", type=Path, help="a roster file (CSV/Excel) instead")
    p_roster.add_argument("--date", required=True, help="the day, ROC or Gregorian")
    p_roster.add_argument("--site", default=None, help="site (default: the day's largest)")
    p_roster.add_argument("--out", type=Path, required=True, help="PDF file to write")
    p_roster.set_defaults(handler=_roster)

    p_reprint = sub.add_parser("reprint", help="補印號碼牌 / reprint a ticket from the print queue")
    p_reprint.add_argument("--db", type=Path, required=True, help="the desk's SQLite file")
    which = p_reprint.add_mutually_exclusive_group(required=True)
    which.add_argument("--job", type=int, help="print job number")
    which.add_argument("--checkin", help="check-in id (the ticket's QR code)")
    p_reprint.add_argument(
        "--printer", metavar="URI", help="print here now (default: queue it for the desk)"
    )
    p_reprint.set_defaults(handler=_reprint)

    p_printers = subparsers.add_parser("printers", help="出單機測試 / test receipt printers")
    psub = p_printers.add_subparsers(dest="printers_command", metavar="WHAT", required=True)
    p_test = psub.add_parser("test", help="列印測試頁 / print a test page")
    p_test.add_argument("uri", help=_PRINTERS_HELP)
    p_test.set_defaults(handler=_test_page)
    p_emu = psub.add_parser("emulate", help="run a network printer emulator (prints nothing)")
    p_emu.add_argument("--port", type=int, default=9100)
    p_emu.add_argument("--save", type=Path, default=None, help="folder for received jobs")
    p_emu.set_defaults(handler=_emulate)


def _date(text: str | None, what: str) -> date:
    from vaccination.rocdate import DateParseError, parse_date

    if text is None:
        return date.today()
    try:
        return parse_date(text)
    except DateParseError as exc:
        raise UserError(f"{what}：{exc.reason_zh} / {what}: {exc.reason_en} ({text!r})") from None


def _product_label(text: str) -> tuple[str, str]:
    """(code, label) of a product given as code or alias; unknown text is kept as written."""
    try:
        from vaccination.rules import load_rule_sets

        product = load_rule_sets().resolve_product(text)
    except Exception:  # no rule sets on this machine: print what was typed
        product = None
    if product is None:
        return text, text
    return product.code, product.name_zh


def _send(uri: str, kind: str, payload: dict[str, Any], name: str) -> None:
    from printing.errors import PrinterError
    from printing.printers import open_printer

    try:
        open_printer(uri).print_job(kind, payload, name)
    except PrinterError as exc:
        raise UserError(str(exc)) from None


def _ticket(args: argparse.Namespace) -> int:
    from printing.printers import JOB_TICKET
    from printing.ticket import DEFAULT_INSTRUCTION, TicketData

    _, label = _product_label(args.product)
    ticket = TicketData.build(
        site_name=args.site,
        queue_number=args.queue,
        printed_at=datetime.now().replace(microsecond=0),
        product_label=label,
        dose_label=args.dose,
        name=args.name,
        id_number=args.id_number,
        checkin_id=args.checkin_id or str(uuid.uuid4()),
        instruction=DEFAULT_INSTRUCTION if args.instruction is None else args.instruction,
    )
    _send(args.printer, JOB_TICKET, ticket.to_json(), f"ticket-{args.queue}")
    print(f"已送出號碼牌 {args.queue} / ticket {args.queue} sent to {args.printer}")
    return 0


def _consent(args: argparse.Namespace) -> int:
    from printing.consent import ConsentData, render_consent_pdf
    from printing.printers import JOB_CONSENT_SLIP

    code, label = _product_label(args.product)
    data = ConsentData(
        site_name=args.site,
        name=args.name,
        id_number=args.id_number.strip().upper(),
        birth_date=_date(args.birth, "出生日期") if args.birth else None,
        product_code=code,
        product_label=label,
        dose_label=args.dose,
        queue_number=args.queue,
        day=_date(args.date, "接種日期"),
    )
    if args.out is not None:
        try:
            args.out.write_bytes(render_consent_pdf(data))
        except OSError as exc:
            raise UserError(
                f"無法寫入 {args.out} / cannot write {args.out}: {exc.strerror}"
            ) from None
        print(f"已寫入同意書 / consent form written: {args.out}")
        return 0
    _send(args.printer, JOB_CONSENT_SLIP, data.to_json(), f"consent-{args.queue or 'x'}")
    print(f"已送出簡式同意書 / short consent sent to {args.printer}")
    return 0


def _rows_from_store(db: Path, day: date, site: str | None) -> tuple[list[Any], str]:
    if not db.is_file():
        raise UserError(f"找不到資料庫 {db} / database not found: {db}")
    from station_app.checkin_service import CheckinService
    from station_app.store import Store
    from station_app.store.lookups import main_site
    from vaccination.rules import load_rule_sets

    store = Store.open(db)
    try:
        if site is None:
            with store.read() as conn:
                site = main_site(conn, day)
            if site is None:
                raise UserError(f"{day} 沒有任何預約 / no bookings on {day}")
        rows = CheckinService(store, load_rule_sets(), site, "Z", day).roster()
    finally:
        store.close()
    return rows, site


def _rows_from_file(path: Path, day: date, site: str | None) -> tuple[list[Any], str]:
    from collections import Counter

    from printing.roster_pdf import PlainRosterRow
    from vaccination.ids import mask_id
    from vaccination.roster_import import read_roster
    from vaccination.rules import load_rule_sets

    report = read_roster(path, load_rule_sets())
    if report.fatal_error:
        raise UserError(f"名冊無法讀取 / roster unreadable: {report.fatal_error}")
    todays = [e for e in report.rows if e.booking.slot_start.date() == day]
    if site is None:
        sites = Counter(e.booking.site for e in todays)
        if not sites:
            raise UserError(f"{day} 沒有任何預約 / no bookings on {day}")
        site = sites.most_common(1)[0][0]
    rows = [
        PlainRosterRow(
            row_number=e.booking.row_number,
            masked_id=mask_id(e.person.id_number),
            name=e.person.name,
            birth_date=e.person.birth_date,
            phone=e.person.phone,
            dose_label=e.booking.dose_label or f"第{e.booking.dose}劑",
            history_text=e.history_text,
            slot_start=e.booking.slot_start,
            product=e.booking.product,
        )
        for e in todays
        if e.booking.site == site
    ]
    return rows, site


def _roster(args: argparse.Namespace) -> int:
    from printing.roster_pdf import render_roster_pdf

    day = _date(args.date, "日期")
    if args.db is not None:
        rows, site = _rows_from_store(args.db, day, args.site)
    else:
        rows, site = _rows_from_file(args.roster, day, args.site)
    try:
        args.out.write_bytes(render_roster_pdf(rows, site, day))
    except OSError as exc:
        raise UserError(f"無法寫入 {args.out} / cannot write {args.out}: {exc.strerror}") from None
    print(f"已寫入名冊 {len(rows)} 人 / roster of {len(rows)} people written: {args.out}")
    return 0


def _reprint(args: argparse.Namespace) -> int:
    from printing.print_queue import JobNotFoundError, PrintQueue

    if not args.db.is_file():
        raise UserError(f"找不到資料庫 {args.db} / database not found: {args.db}")
    queue = PrintQueue(args.db, None)
    try:
        if args.printer:
            job = queue.find(job_id=args.job, checkin_id=args.checkin)
            _send(args.printer, job.kind, job.payload, f"{job.name}-reprint")
            print(f"已重印 {job.queue_number or job.name} / reprinted on {args.printer}")
        else:
            new_id = queue.reprint(job_id=args.job, checkin_id=args.checkin)
            print(f"已排入列印佇列（第 {new_id} 號）/ queued as job {new_id}; the desk prints it")
    except JobNotFoundError as exc:
        raise UserError(str(exc)) from None
    finally:
        queue.close()
    return 0


def _test_page(args: argparse.Namespace) -> int:
    from printing.printers import JOB_TEST_PAGE

    _send(args.uri, JOB_TEST_PAGE, {"uri": args.uri}, "test-page")
    print(f"已送出測試頁 / test page sent to {args.uri}")
    return 0


def _emulate(args: argparse.Namespace) -> int:
    import time

    from printing.emulator import NetworkPrinterEmulator

    emulator = NetworkPrinterEmulator(port=args.port)
    try:
        emulator.start()
    except OSError as exc:
        raise UserError(
            f"無法使用連接埠 {args.port} / cannot listen on {args.port}: {exc}"
        ) from None
    print(f"印表機模擬器 / printer emulator: {emulator.uri}  (Ctrl+C 結束 / to stop)")
    seen = 0
    try:
        while True:
            jobs = emulator.wait_for_jobs(seen + 1, timeout=1.0)
            for job in jobs[seen:]:
                seen += 1
                print(f"job {seen}: {len(job)} bytes")
                if args.save is not None:
                    args.save.mkdir(parents=True, exist_ok=True)
                    (args.save / f"job-{seen:04d}.bin").write_bytes(job)
            time.sleep(0.05)
    finally:
        emulator.stop()
