"""`vaxdesk server` (run, migrate, admin, user, audit, site, staff, desk, rules) and
`vaxdesk export`.

The database is chosen by `--db URL` or VAXDESK_SERVER_DATABASE_URL (SQLite file by
default, `postgresql+psycopg://...` in production). Tokens are printed once and
never stored in clear.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from vaccination.private_file import write_private
from vaxdesk.cli import UserError


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="資料庫 URL / database URL (default: $VAXDESK_SERVER_DATABASE_URL or "
        "sqlite:///vaxdesk_server.db)",
    )


def _group(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """A `server NAME COMMAND` group; returns the action its commands are added to."""
    group = sub.add_parser(name, help=help_text)
    return group.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)


def _db_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    """A sub-command working on the server database: it takes --db and runs `handler`."""
    parser = sub.add_parser(name, help=help_text)
    _db_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `server ...` and `export ...`."""
    from vaccination.staff import StaffRole

    server = subparsers.add_parser(
        "server",
        help="衛生局同步伺服器 / the health bureau's sync server",
        description="啟動同步伺服器（OpenAPI 文件在 /docs）。 "
        "Start the sync server (docs at /docs).",
    )
    _db_option(server)
    server.add_argument("--host", default="127.0.0.1", help="listen address")
    server.add_argument("--port", type=int, default=8000, help="listen port")
    server.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: one per CPU on PostgreSQL, 1 on SQLite)",
    )
    server.set_defaults(handler=run_server)
    sub = server.add_subparsers(dest="server_command", metavar="COMMAND")

    _db_command(sub, "migrate", "更新資料庫結構 / upgrade the database schema", run_migrate)

    admin_sub = _group(sub, "admin", "帳號 / accounts")
    create = _db_command(
        admin_sub, "create", "建立帳號並顯示憑證 / create an account", run_admin_create
    )
    create.add_argument("--name", required=True)
    create.add_argument(
        "--role",
        default="bureau_admin",
        choices=["bureau_admin", "bureau_staff", "site_manager"],
    )
    create.add_argument("--site", help="site code (site_manager)")
    renew = _db_command(admin_sub, "renew", "延長帳號一年 / renew an account", run_admin_renew)
    renew.add_argument("account_id", type=int)

    site_sub = _group(sub, "site", "接種場所 / sites")
    add = _db_command(site_sub, "add", "新增場所 / add a site", run_site_add)
    add.add_argument("--code", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--institution", required=True, help="十碼院所代碼 / 10-digit code")

    user_sub = _group(sub, "user", "網頁登入帳號 / web page accounts")
    user = _db_command(
        user_sub, "add", "建立以密碼登入的帳號 / add an account with a password", run_user_add
    )
    user.add_argument("--login", required=True, help="登入帳號 / login name")
    user.add_argument("--name", default="", help="顯示名稱 / display name (default: the login)")
    user.add_argument(
        "--role", required=True, choices=["bureau_admin", "bureau_staff", "site_manager"]
    )
    user.add_argument("--site", help="場所代碼 / site code (site_manager)")
    user.add_argument(
        "--allow",
        default="",
        help="只允許這些網段登入 / sign-in only from these networks (e.g. 10.1.0.0/16)",
    )
    user.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="從標準輸入讀密碼 / read the password from standard input (never an argument)",
    )

    audit_sub = _group(sub, "audit", "稽核紀錄 / the audit log")
    _db_command(
        audit_sub,
        "verify",
        "檢查稽核紀錄的雜湊鏈 / check the audit log's hash chain",
        run_audit_verify,
    )

    staff_sub = _group(sub, "staff", "接種站工作人員 / a site's staff (desk sign-in)")
    staff_add = _db_command(
        staff_sub, "add", "新增工作人員 / add a member who signs in at desks", run_staff_add
    )
    staff_add.add_argument("--site", required=True, help="場所代碼 / site code")
    staff_add.add_argument("--name", required=True, help="姓名 / name")
    staff_add.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    staff_add.add_argument(
        "--pin-stdin",
        action="store_true",
        required=True,
        help="從標準輸入第一行讀 PIN / read the PIN from the first line of standard input",
    )
    staff_add.add_argument(
        "--card-stdin",
        action="store_true",
        help="第二行是員工卡條碼 / the second line is the staff card's code",
    )
    staff_list = _db_command(staff_sub, "list", "列出工作人員 / list the staff", run_staff_list)
    staff_list.add_argument("--site", required=True, help="場所代碼 / site code")
    staff_off = _db_command(
        staff_sub, "disable", "停用工作人員 / stop a member signing in", run_staff_disable
    )
    staff_off.add_argument("--site", required=True, help="場所代碼 / site code")
    staff_off.add_argument("staff_id", help="例如 S3 / e.g. S3")

    desk_sub = _group(sub, "desk", "櫃台 / desks")
    enrol = _db_command(desk_sub, "add", "登記櫃台並顯示憑證 / enrol a desk", run_desk_add)
    enrol.add_argument("--site", required=True)
    enrol.add_argument("--desk", required=True)
    enrol.add_argument("--token-out", type=Path, help="寫入憑證檔 / write the token to a file")

    hub_sub = _group(sub, "hub", "站內中繼 / site hubs (vaxdesk hub)")
    hub_add = _db_command(
        hub_sub, "add", "登記場所的中繼站並顯示憑證 / enrol a site's hub", run_hub_add
    )
    hub_add.add_argument("--site", required=True, help="場所代碼 / site code")
    hub_add.add_argument("--token-out", type=Path, help="寫入憑證檔 / write the token to a file")

    rules_sub = _group(sub, "rules", "規則集 / rule sets the desks download")
    publish = _db_command(
        rules_sub,
        "publish",
        "發布新版規則集（舊版保留） / publish a new rule set version (old ones kept)",
        run_rules_publish,
    )
    publish.add_argument("file", type=Path, help="規則集檔案 / rule set file (JSON)")
    publish.add_argument("--by", default="vaxdesk server rules publish", help="發布者 / publisher")
    _db_command(rules_sub, "list", "列出已發布版本 / list published versions", run_rules_list)

    from vaxdesk import server_day

    server_day.register(sub, _db_command)

    export = subparsers.add_parser(
        "export",
        help="匯出 NIIS、庫存、對帳 / export NIIS, stock, reconciliation",
        description="從伺服器資料庫匯出一個場所一天的檔案。 "
        "Export a site's day from the server database.",
    )
    export.add_argument("what", choices=["niis", "stock", "reconciliation"])
    export.add_argument("--site", required=True, help="site code")
    export.add_argument("--date", required=True, help="YYYY-MM-DD")
    export.add_argument(
        "--out", required=True, type=Path, help="output file (.csv; .json/.xlsx for reconciliation)"
    )
    _db_option(export)
    export.set_defaults(handler=run_export)


def _url(args: argparse.Namespace) -> str:
    from sync_server.core.config import load_settings

    return str(args.db or load_settings().database_url)


def _engine(args: argparse.Namespace) -> Any:
    from sqlalchemy.exc import OperationalError

    from sync_server.db.engine import make_engine
    from sync_server.db.migrate import upgrade

    engine = make_engine(_url(args))
    try:
        upgrade(engine)
    except OperationalError as exc:
        raise UserError(
            f"無法開啟資料庫 / cannot open the database: {exc.orig.__class__.__name__}"
        ) from None
    return engine


def _service(fn: Any) -> Any:
    from sync_server.errors import ServiceError

    try:
        return fn()
    except ServiceError as exc:
        raise UserError(f"{exc.message_zh} / {exc.message_en}") from None


def _create_account(
    args: argparse.Namespace, *, name: str, role: Any, site_code: str | None, desk: str | None
) -> Any:
    """Create an account with the configured lifetime; the result carries its token."""
    from sync_server.core.config import load_settings
    from sync_server.services.accounts import create_account

    engine = _engine(args)
    with engine.begin() as conn:
        return _service(
            lambda: create_account(
                conn,
                name=name,
                role=role,
                site_code=site_code,
                desk=desk,
                lifetime_days=load_settings().account_lifetime_days,
            )
        )


# Longer than the desks' HTTP clients keep an idle connection (httpx: 5 s), so a desk
# coming back after Retry-After never reuses a connection the server is closing.
KEEP_ALIVE_SECONDS = 30
# On SIGTERM, requests still open after this long are cut: a client that never finishes
# its request cannot keep the server from stopping.
GRACEFUL_SHUTDOWN_SECONDS = 10


def server_workers(args: argparse.Namespace) -> int:
    """--workers, or the default: one per CPU on PostgreSQL, one on SQLite (a single writer)."""
    from sync_server.db.engine import is_sqlite

    if args.workers is not None:
        if args.workers < 1:
            raise UserError("--workers 至少 1 / --workers must be at least 1")
        return int(args.workers)
    return 1 if is_sqlite(_url(args)) else os.cpu_count() or 1


def run_server(args: argparse.Namespace) -> int:
    """Start uvicorn with the app factory (uvloop and httptools, as installed)."""
    import uvicorn

    if args.db:
        os.environ["VAXDESK_SERVER_DATABASE_URL"] = args.db
    workers = server_workers(args)
    if workers > 1:
        # Migrate once here, not racing in every worker.
        from sync_server.db.engine import make_engine
        from sync_server.db.migrate import upgrade

        engine = make_engine(_url(args))
        upgrade(engine)
        engine.dispose()
        os.environ["VAXDESK_SERVER_MIGRATE_ON_START"] = "false"
    uvicorn.run(
        "sync_server.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        ws="none",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_level="info",
    )
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """Upgrade the schema and say to which revision."""
    from sync_server.db.migrate import current_revision

    engine = _engine(args)
    print(f"資料庫版本 / schema revision: {current_revision(engine)}")
    return 0


def run_admin_create(args: argparse.Namespace) -> int:
    """Create an account; print its token once."""
    from sync_server.services.accounts import Role

    new = _create_account(
        args, name=args.name, role=Role(args.role), site_code=args.site, desk=None
    )
    print(f"帳號 / account {new.id} ({new.role.value}) 到期 / expires {new.expires_at:%Y-%m-%d}")
    print(f"憑證只顯示這一次 / token, shown once: {new.token}")
    return 0


def run_admin_renew(args: argparse.Namespace) -> int:
    """Extend an account."""
    from sync_server.core.config import load_settings
    from sync_server.services.accounts import renew_account

    engine = _engine(args)
    with engine.begin() as conn:
        expires = _service(
            lambda: renew_account(conn, args.account_id, load_settings().account_lifetime_days)
        )
    print(f"帳號 / account {args.account_id} 到期 / expires {expires:%Y-%m-%d}")
    return 0


def run_user_add(args: argparse.Namespace) -> int:
    """Create a password account; the password is the first line of standard input."""
    import sys

    from sync_server.core.config import load_settings
    from sync_server.services import audit, passwords
    from sync_server.services.accounts import Role

    settings = load_settings()
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("標準輸入沒有密碼 / no password on standard input")
    engine = _engine(args)
    try:
        with engine.begin() as conn:
            new = _service(
                lambda: passwords.create_password_account(
                    conn,
                    passwords.hasher_for(settings),
                    login=args.login,
                    name=args.name,
                    role=Role(args.role),
                    site_code=args.site,
                    password=password,
                    networks=passwords.parse_networks(args.allow),
                    lifetime_days=settings.account_lifetime_days,
                )
            )
            actor = audit.Actor("vaxdesk server user add", None, "local")
            audit.record(conn, actor, "account_created", args.login, {"role": args.role})
    finally:
        engine.dispose()
    print(
        f"帳號 / account {new.id} {args.login} ({new.role.value}) "
        f"到期 / expires {new.expires_at:%Y-%m-%d}"
    )
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    """Walk the audit log's hash chain; exit 1 when an entry was altered or removed."""
    from sync_server.services import audit

    engine = _engine(args)
    try:
        with engine.connect() as conn:
            result = audit.verify(conn)
    finally:
        engine.dispose()
    for problem in result.problems:
        print(problem)
    if not result.ok:
        print(f"稽核紀錄遭竄改 / the audit log was tampered with ({result.checked} entries)")
        return 1
    print(f"稽核紀錄完整 / the audit log is intact: {result.checked} entries")
    return 0


def run_rules_publish(args: argparse.Namespace) -> int:
    """Publish a rule set file; refused with the parser's reason when it cannot be used."""
    from sync_server.services import audit, rule_sets
    from vaccination.rules import load_rule_sets

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise UserError(f"無法讀取 / cannot read {args.file}: {exc.strerror}") from None
    engine = _engine(args)
    try:
        with engine.begin() as conn:
            actor = audit.Actor(args.by, None, "local")
            info = _service(
                lambda: rule_sets.publish(conn, data, args.file.name, actor, load_rule_sets())
            )
    finally:
        engine.dispose()
    print(
        f"已發布 / published: {info.rule_set_id} {info.version}，"
        f"{info.effective_from} 起生效 / effective from {info.effective_from}"
    )
    return 0


def run_rules_list(args: argparse.Namespace) -> int:
    """Every published version, newest publication first."""
    from sync_server.services import rule_sets

    engine = _engine(args)
    try:
        with engine.connect() as conn:
            found = rule_sets.listing(conn)
    finally:
        engine.dispose()
    if not found:
        print("尚未發布規則集 / no rule set published")
    for r in found:
        print(
            f"{r.rule_set_id}\t{r.version}\t{r.effective_from}\t{r.name_zh}\t"
            f"{r.published_by}\t{r.published_at:%Y-%m-%d %H:%M}"
        )
    return 0


def run_site_add(args: argparse.Namespace) -> int:
    """Register a site."""
    from sync_server.services.accounts import create_site

    engine = _engine(args)
    try:
        with engine.begin() as conn:
            site = _service(lambda: create_site(conn, args.code, args.name, args.institution))
    finally:
        engine.dispose()  # no pooled PostgreSQL connection left behind
    print(f"場所 / site {site.code} {site.name} ({site.institution_code})")
    return 0


def run_desk_add(args: argparse.Namespace) -> int:
    """Enrol a desk; print (or write) its token once."""
    from sync_server.services.accounts import Role

    new = _create_account(
        args, name=f"{args.site} {args.desk}", role=Role.DESK, site_code=args.site, desk=args.desk
    )
    if args.token_out:
        write_private(args.token_out, (new.token + "\n").encode())
        print(
            f"櫃台 / desk {args.site} {args.desk}: 憑證已寫入 / token written to {args.token_out}"
        )
    else:
        print(
            f"櫃台 / desk {args.site} {args.desk}: "
            f"憑證只顯示這一次 / token, shown once: {new.token}"
        )
    return 0


def run_hub_add(args: argparse.Namespace) -> int:
    """Enrol a site hub; print (or write) its token once."""
    from sync_server.services.accounts import Role

    new = _create_account(
        args, name=f"{args.site} hub", role=Role.HUB, site_code=args.site, desk=None
    )
    if args.token_out:
        write_private(args.token_out, (new.token + "\n").encode())
        print(f"中繼站 / hub {args.site}: 憑證已寫入 / token written to {args.token_out}")
    else:
        print(f"中繼站 / hub {args.site}: 憑證只顯示這一次 / token, shown once: {new.token}")
    return 0


def run_staff_add(args: argparse.Namespace) -> int:
    """Add a site's staff member; the PIN (and the card's code) come from standard input."""
    import sys

    from sync_server.core.config import load_settings
    from sync_server.services import audit, passwords, staff
    from sync_server.services.accounts import site_by_code
    from vaccination.staff import StaffRole

    pin = sys.stdin.readline().rstrip("\r\n")
    card = sys.stdin.readline().rstrip("\r\n") if args.card_stdin else None
    if not pin:
        raise UserError("標準輸入沒有 PIN / no PIN on standard input")
    if args.card_stdin and not card:
        raise UserError("標準輸入第二行沒有卡號 / no card code on the second stdin line")
    engine = _engine(args)
    try:
        with engine.begin() as conn:
            site = _service(lambda: site_by_code(conn, args.site))
            new = _service(
                lambda: staff.add_staff(
                    conn,
                    passwords.hasher_for(load_settings()),
                    site,
                    name=args.name,
                    role=StaffRole(args.role),
                    pin=pin,
                    card=card,
                )
            )
            actor = audit.Actor("vaxdesk server staff add", None, "local")
            audit.record(conn, actor, "staff_added", new.staff_id, {"role": args.role})
    finally:
        engine.dispose()
    card_note = "，含員工卡 / with a staff card" if new.has_card else ""
    print(f"工作人員 / staff {new.staff_id} {new.name} ({new.role.value}) @ {site.code}{card_note}")
    return 0


def run_staff_list(args: argparse.Namespace) -> int:
    """Print a site's staff (ids, names, roles; never a PIN)."""
    from sync_server.services import staff
    from sync_server.services.accounts import site_by_code

    engine = _engine(args)
    try:
        with engine.connect() as conn:
            site = _service(lambda: site_by_code(conn, args.site))
            members = staff.staff_list(conn, site)
    finally:
        engine.dispose()
    for m in members:
        card = "  員工卡 / card" if m.card_digest else ""
        print(f"{m.staff_id}\t{m.name}\t{m.role.value}{card}")
    return 0


def run_staff_disable(args: argparse.Namespace) -> int:
    """Stop a member signing in at the site's desks."""
    from sync_server.services import staff
    from sync_server.services.accounts import site_by_code

    engine = _engine(args)
    try:
        with engine.begin() as conn:
            site = _service(lambda: site_by_code(conn, args.site))
            _service(lambda: staff.disable_staff(conn, site, args.staff_id))
    finally:
        engine.dispose()
    print(f"工作人員 / staff {args.staff_id} 已停用 / disabled")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write a site's day to a file."""
    from sync_server.services import closing, exports, reconcile
    from sync_server.services.accounts import site_by_code
    from vaccination.rules import load_rule_sets

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise UserError(f"日期格式應為 YYYY-MM-DD / date must be YYYY-MM-DD: {args.date}") from None
    rules = load_rule_sets()
    engine = _engine(args)
    with engine.begin() as conn:
        site = _service(lambda: site_by_code(conn, args.site))
        if args.what == "niis":  # a closed day's files: as frozen when it was closed
            data = closing.day_niis_csv(conn, site, day, rules)
        elif args.what == "stock":
            data = exports.stock_csv(conn, site, day, rules)
        else:
            rec = closing.day_reconciliation(conn, site, day, rules)[0]
            suffix = args.out.suffix.lower()
            if suffix == ".xlsx":
                data = reconcile.to_xlsx(rec)
            elif suffix == ".json":
                import json

                body = closing.day_reconciliation_dict(conn, site, day, rules)
                data = json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")
            else:
                data = reconcile.to_csv(rec)
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        raise UserError(f"無法寫入 / cannot write {args.out}: {exc.strerror}") from None
    print(f"已寫入 / written: {args.out}")
    return 0
