"""`vaxdesk assess`, `vaxdesk checkin` and `vaxdesk demo`: the desk's work from a terminal.

`vaxdesk demo` opens the station window on the demo roster when there is a screen, and
otherwise (or with `--cli`) walks through the demo scenarios in the terminal.

Without `--site` a command uses the roster's main site of the day: the site with the most
bookings that day in the database. Without `--at` it uses the current time in Taiwan.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaxdesk.cli import UserError

if TYPE_CHECKING:
    from station_app.checkin_service import CheckinService
    from station_app.desk_api import CheckinOutcome
    from station_app.store import Store
    from vaccination.models import Assessment
    from vaccination.rules import RuleSetRegistry

SEVERITY_ZH = {"block": "阻擋", "warn": "警示", "info": "提示"}
VERDICT = {
    "ok": ("可以報到", "may check in"),
    "needs_reason": ("需填寫原因才能報到", "check-in needs a reason"),
    "blocked": ("不可報到", "check-in refused"),
}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `assess`, `checkin` and `demo`."""
    assess = subparsers.add_parser(
        "assess",
        help="評估一位民眾（不寫入）/ assess one person (changes nothing)",
        description="掃描或輸入證號，顯示預約、劑次與所有提示。"
        "結束碼：0 可報到，1 需原因或不可報到。 "
        "Assess a scanned or typed ID: booking and every flag. Exit 0 when check-in is "
        "allowed, 1 when it needs a reason or is refused.",
    )
    _desk_options(assess)
    assess.set_defaults(handler=run_assess)

    checkin = subparsers.add_parser(
        "checkin",
        help="報到並取得報到號碼 / check in and get a queue number",
        description="報到：成功時印出報到號碼（結束碼 0）；被拒或需原因時印出提示（結束碼 1）。 "
        "Check in: prints the queue number (exit 0), or the flags when refused or a "
        "reason is needed (exit 1).",
    )
    _desk_options(checkin)
    checkin.add_argument("--desk", required=True, help="櫃台代號，例如 A / desk letter, e.g. A")
    checkin.add_argument("--reason", help="警示時的確認原因 / reason to confirm a warning")
    checkin.set_defaults(handler=run_checkin)

    demo = subparsers.add_parser(
        "demo",
        help="示範：暫存資料庫與示範名冊 / demo on a temporary database",
        description="建立暫存資料庫，匯入今天的示範名冊，開啟報到站視窗（示範模式）；"
        "沒有螢幕或加 --cli 時在終端機示範幾種報到情境。 "
        "Creates a temporary database with today's demo roster and opens the station "
        "window in demo mode; with no screen, or with --cli, walks through the check-in "
        "scenarios in the terminal.",
    )
    demo.add_argument("--cli", action="store_true", help="文字介面示範 / terminal demo")
    demo.add_argument("--people", type=int, default=300, help="示範人數 / people on the roster")
    demo.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    demo.set_defaults(handler=run_demo)


def _desk_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("value", metavar="VALUE", help="證號（掃描或輸入）/ ID number")
    parser.add_argument("--db", required=True, type=Path, help="資料庫檔案 / database file")
    parser.add_argument(
        "--at", help="評估時間 ISO 格式，預設現在（臺灣時間）/ ISO date-time, default now"
    )
    parser.add_argument("--site", help="接種地點，預設當天主要地點 / site, default the main site")
    parser.add_argument("--json", action="store_true", help="輸出 JSON / print JSON")


# -- shared by the store commands ---------------------------------------------------------


def open_store(path: Path, *, create: bool) -> Store:
    """Open the database, turning environment errors into one-line user errors."""
    from station_app.store import Store, StoreError

    if not create and not path.is_file():
        raise UserError(f"找不到資料庫檔案 {path} / database file not found: {path}")
    try:
        return Store.open(path)
    except StoreError as exc:
        raise UserError(f"{exc} ({path})") from None


def load_rules() -> RuleSetRegistry:
    """The shipped rule sets; a broken rule file is a user error naming the file."""
    from vaccination.rules import RuleSetError, load_rule_sets

    try:
        return load_rule_sets()
    except RuleSetError as exc:
        raise UserError(f"規則檔有誤 / rule set error: {exc}") from None


def parse_at(text: str | None) -> datetime:
    """`--at` as an aware Taiwan time; a naive value is taken as Taiwan local time."""
    from station_app.store.lookups import TAIPEI

    if text is None:
        return datetime.now(TAIPEI)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"--at 不是 ISO 日期時間：{text!r} / --at is not an ISO date-time: {text!r}"
        ) from None
    return at.replace(tzinfo=TAIPEI) if at.tzinfo is None else at.astimezone(TAIPEI)


def make_service(args: argparse.Namespace, desk: str = "A") -> CheckinService:
    """The CheckinService the command line options describe."""
    from station_app.checkin_service import CheckinService, DeskActionError

    at = parse_at(args.at)
    store = open_store(args.db, create=False)
    site = args.site or store.main_site(at.date())
    if site is None:
        raise UserError(
            f"{at.date()} 沒有任何預約，請用 --site 指定地點 / "
            f"no bookings on {at.date()}; give the site with --site"
        )
    try:
        return CheckinService(store, load_rules(), site, desk, at.date(), clock=lambda: at)
    except DeskActionError as exc:
        raise UserError(str(exc)) from None


def _guarded(fn: Callable[[], int]) -> int:
    from station_app.checkin_service import DeskActionError
    from station_app.store import StoreError

    try:
        return fn()
    except (StoreError, DeskActionError) as exc:
        raise UserError(str(exc)) from None


# -- output -------------------------------------------------------------------------------


def verdict_of(assessment: Assessment) -> str:
    """ "ok", "needs_reason" or "blocked"."""
    if assessment.blocked:
        return "blocked"
    return "needs_reason" if assessment.needs_confirmation else "ok"


def assessment_dict(a: Assessment, site: str) -> dict[str, Any]:
    """The JSON form of an assessment, with the person masked."""
    from vaccination.ids import mask_name

    b = a.booking
    return {
        "input": a.id_check.masked,  # masked as everywhere (only `id check` shows it)
        "id": {
            "valid": a.id_check.valid,
            "kind": a.id_check.kind.value if a.id_check.kind else None,
            "masked": a.id_check.masked,
            "error": a.id_check.error,
        },
        "person": None
        if a.person is None
        else {
            "masked_id": a.id_check.masked,
            "name": mask_name(a.person.name),
            "birth_date": a.person.birth_date.isoformat() if a.person.birth_date else None,
        },
        "booking": None
        if b is None
        else {
            "site": b.site,
            "slot_start": b.slot_start.isoformat(),
            "product": b.product,
            "dose": b.dose,
            "dose_label": b.dose_label or f"第{b.dose}劑",
            "walk_in": b.walk_in,
        },
        "flags": [
            {
                "code": f.code,
                "severity": f.severity.value,
                "message_zh": f.message_zh,
                "message_en": f.message_en,
            }
            for f in a.flags
        ],
        "verdict": verdict_of(a),
        "rule_set_id": a.rule_set_id,
        "rule_set_version": a.rule_set_version,
        "site": site,
        "at": a.assessed_at.isoformat(),
    }


def assessment_lines(a: Assessment) -> list[str]:
    """The assessment as readable lines, zh first."""
    from vaccination.ids import mask_name

    check = a.id_check
    lines = [f"證號 ID       {check.masked}（{check.message_zh or ''} / {check.message_en or ''}）"]
    if a.person is not None:
        birth = a.person.birth_date.isoformat() if a.person.birth_date else "未知 unknown"
        lines.append(f"姓名 Name     {mask_name(a.person.name)}  出生 born {birth}")
    if a.booking is not None:
        b = a.booking
        label = f"第{b.dose}劑"
        if b.dose_label and b.dose_label != label:
            label += f"（名冊 roster: {b.dose_label}）"
        lines.append(
            f"預約 Booking  {b.site} {b.slot_start:%Y-%m-%d %H:%M} {b.product} {label}"
            f"{'（現場加入 walk-in）' if b.walk_in else ''}"
        )
    zh, en = VERDICT[verdict_of(a)]
    lines.append(f"判定 Result   {zh} / {en}")
    for f in a.flags:
        sev = f.severity.value
        lines.append(f"  [{SEVERITY_ZH[sev]} {sev}] {f.code}: {f.message_zh} / {f.message_en}")
    return lines


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- handlers -----------------------------------------------------------------------------


def run_assess(args: argparse.Namespace) -> int:
    """Assess one value without changing anything."""

    def go() -> int:
        svc = make_service(args)
        try:
            a = svc.assess(args.value)
        finally:
            svc.store.close()
        if args.json:
            _print_json(assessment_dict(a, svc.site))
        else:
            print(f"地點 Site     {svc.site}")
            print("\n".join(assessment_lines(a)))
        return 0 if verdict_of(a) == "ok" else 1

    return _guarded(go)


def outcome_dict(out: CheckinOutcome, site: str) -> dict[str, Any]:
    """The JSON form of a check-in attempt."""
    return assessment_dict(out.assessment, site) | {
        "checked_in": out.checked_in,
        "queue_number": out.queue_number,
        "checkin_id": out.checkin_id,
        "needs_reason": out.needs_reason,
    }


def outcome_lines(out: CheckinOutcome) -> list[str]:
    """A check-in attempt as readable lines, zh first."""
    lines = assessment_lines(out.assessment)
    if out.checked_in:
        lines.append(
            f"報到完成，報到號碼 {out.queue_number} / checked in, queue number {out.queue_number}"
        )
    elif out.needs_reason:
        lines.append("有警示：確認後請以 --reason 說明原因再報到 / warning: confirm with --reason")
    else:
        lines.append("未報到 / not checked in")
    return lines


def run_checkin(args: argparse.Namespace) -> int:
    """Check one person in at a desk."""

    def go() -> int:
        svc = make_service(args, desk=args.desk)
        try:
            from vaccination.redact import mask_ids_in_text

            reason = mask_ids_in_text(args.reason) if args.reason else None
            out = svc.check_in(args.value, confirm_reason=reason)
        finally:
            svc.store.close()
        if args.json:
            _print_json(outcome_dict(out, svc.site))
        else:
            print(f"地點 Site     {svc.site}  櫃台 Desk {svc.desk}")
            print("\n".join(outcome_lines(out)))
        return 0 if out.checked_in else 1

    return _guarded(go)


# -- demo ---------------------------------------------------------------------------------


class _DemoClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def run_demo(args: argparse.Namespace) -> int:
    """The station window in demo mode; the terminal demo with --cli or without a screen."""
    if args.people < 1:
        raise UserError("示範人數至少 1 / --people must be at least 1")
    if not args.cli:
        from station_app.app import can_show_window

        if can_show_window():
            from vaxdesk.cmd_app import launch

            return launch(db=None, demo=True, people=args.people,
                          exit_when_ready=args.exit_when_ready)  # fmt: skip
        print(
            "沒有可用的螢幕，改用文字介面示範（有桌面時會開啟報到站視窗）"
            " / no screen: running the terminal demo (on a desktop it opens the station window)",
            flush=True,
        )
    return _guarded(lambda: run_cli_demo(people=args.people))


def run_cli_demo(people: int = 300, out: Callable[[str], None] = print) -> int:
    """Temporary database, today's demo roster, and a walk through its check-in scenarios."""
    from station_app.checkin_service import CheckinService
    from station_app.store.lookups import TAIPEI
    from vaccination.demo_roster import write_demo_roster
    from vaccination.roster_import import read_roster

    rules = load_rules()
    today = datetime.now(TAIPEI).date()
    with tempfile.TemporaryDirectory(prefix="vaxdesk-demo-") as tmp:
        folder = Path(tmp)
        roster_path = folder / f"demo-roster-{today.isoformat()}.csv"
        scenarios = write_demo_roster(roster_path, people, today, "utf-8-sig", 1)
        out(f"== 示範名冊 demo roster: {people} 人 people, {today.isoformat()} ==")
        report = read_roster(roster_path, rules)
        store = open_store(folder / "desk.db", create=True)
        try:
            counts = store.import_entries(report.rows)
            out(
                f"匯入 imported: {counts.bookings_added} 筆預約 bookings, "
                f"{len(report.rejected)} 筆退回 rejected, {len(report.notes)} 則註記 notes"
            )
            site = store.main_site(today)
            if site is None:
                raise UserError("示範名冊沒有今天的預約 / the demo roster has no bookings today")
            clock = _DemoClock(datetime.combine(today, time(8, 0), tzinfo=TAIPEI))
            svc = CheckinService(store, rules, site, "A", today, clock=clock)
            out(f"地點 site: {site}  櫃台 desk: A\n")
            for number, scenario in enumerate(scenarios, start=1):
                _demo_scenario(svc, clock, number, scenario, out)
            c = svc.counters()
            out(
                f"\n計數 counters: 全部 {c.total} / 已報到 {c.checked_in} / 已接種 {c.vaccinated}"
                f" / 醫生不同意 {c.not_approved} / 未到 {c.not_arrived}"
            )
            out(f"待上傳事件 events waiting for the server: {store.outbox.count_pending()}")
        finally:
            store.close()
    return 0


def _demo_scenario(
    svc: CheckinService,
    clock: _DemoClock,
    number: int,
    scenario: Any,
    out: Callable[[str], None],
) -> None:
    """Scan one demo person the way a desk would; vaccinate the first clear one."""
    clock.at = datetime.combine(svc.day, scenario.scan_at, tzinfo=clock.at.tzinfo)
    out(f"--- {number}. {scenario.title_zh} / {scenario.title_en} ({scenario.scan_at:%H:%M}) ---")
    if scenario.setup in ("checkin", "refusal"):
        first = svc.check_in(scenario.raw)
        out(f"  （先報到 checked in first: {first.queue_number}）")
        if scenario.setup == "refusal" and first.checkin_id:
            svc.doctor_decision(
                first.checkin_id, approved=False, reason="血壓過高 high blood pressure"
            )
            out("  （醫師不同意 the doctor refused）")
    result = svc.check_in(scenario.raw)
    if result.needs_reason:
        reason = "已核對證件與小黃卡 documents checked"
        out(f"  （有警示，未報到；填寫原因「{reason}」後再試 / warning: retried with a reason）")
        result = svc.check_in(scenario.raw, confirm_reason=reason)
    out("\n".join(outcome_lines(result)))
    seen = set(result.assessment.codes())
    if not set(scenario.flags) <= seen:
        out(f"  （預期 expected: {', '.join(scenario.flags)}）")
    if result.checked_in and not result.assessment.flags and result.checkin_id:
        booking = result.assessment.booking
        if booking is not None and svc.counters().vaccinated == 0:
            svc.doctor_decision(result.checkin_id, approved=True, reason=None)
            svc.open_vial(booking.product, "DEMO-001-CDC")
            svc.record_vaccination(result.checkin_id, booking.product, "DEMO-001-CDC", booking.dose)
            out(
                f"  醫師同意並接種 approved and vaccinated: {booking.product} 批號 lot DEMO-001-CDC"
            )
