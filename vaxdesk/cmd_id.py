"""`vaxdesk id check`: validate national ID, resident certificate and passport numbers."""

from __future__ import annotations

import argparse
import json

from vaccination.models import IdKind  # plain enums: cheap enough for the parser

_KINDS = tuple(k.value for k in IdKind)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `id check`."""
    id_parser = subparsers.add_parser("id", help="身分證號工具 / ID number tools")
    id_sub = id_parser.add_subparsers(dest="id_command", metavar="COMMAND", required=True)
    check = id_sub.add_parser(
        "check",
        help="檢查證號 / check ID numbers",
        description="檢查身分證、居留證或護照號碼；全部有效時結束碼為 0，否則為 1。 "
        "Check ID, resident certificate or passport numbers; exit 0 when all are valid, else 1.",
    )
    check.add_argument("values", metavar="VALUE", nargs="+", help="證號 / ID number")
    check.add_argument(
        "--kind",
        choices=_KINDS,
        default=None,
        help="證件類別；護照號碼只有指定 passport 才接受 / the document type; a passport "
        "number is accepted only with --kind passport",
    )
    check.add_argument("--json", action="store_true", help="輸出 JSON / print JSON")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Check every value; print one result per value."""
    from vaccination.ids import check_id

    kind = IdKind(args.kind) if args.kind else None
    results = [check_id(v, kind) for v in args.values]
    if args.json:
        out = [
            {
                "input": r.input,
                "valid": r.valid,
                "kind": r.kind.value if r.kind else None,
                "normalized": r.normalized,
                "masked": r.masked,
                "error": r.error,
                "message_zh": r.message_zh,
                "message_en": r.message_en,
            }
            for r in results
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for r in results:
            verdict = "有效 valid" if r.valid else "無效 INVALID"
            label = f" [{r.kind.value}]" if r.kind else ""
            message = f"{r.message_zh or ''} / {r.message_en or ''}".strip(" /")
            print(f"{r.input!s:<14} {r.masked:<12} {verdict}{label}  {message}")
    return 0 if all(r.valid for r in results) else 1
