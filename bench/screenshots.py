"""Render each view of the desk with the demo roster to PNG files (offscreen, no screen needed).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/screenshots.py [--out DIR] [--docs]
        [--size WxH]

Drives the real window over the real service on a temporary database: scans a few demo
scenarios (all clear, a warning, a block), lets the doctor approve, refuse and record a
dose, opens a vial. --size is the window (default 1366x698: a 1366x768 screen, maximised,
less the taskbar and title bar; 1024x530 for a 1024x600 one). --docs also writes the
README pictures to docs/.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, datetime, time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from station_app.app import build_desk, make_application  # noqa: E402
from station_app.i18n import install_language  # noqa: E402
from station_app.settings import DeskSettings  # noqa: E402
from station_app.sounds import SoundPlayer  # noqa: E402
from station_app.store import Store  # noqa: E402
from station_app.store.lookups import TAIPEI  # noqa: E402
from vaccination.demo_roster import MAIN_SITE, SCENARIOS_BY_KEY, write_demo_roster  # noqa: E402
from vaccination.rules import load_rule_sets  # noqa: E402

DOCS = {
    "checkin-ok.png": "docs/screenshot-checkin.png",
    "checkin-warn.png": "docs/screenshot-warn.png",
    "manager.png": "docs/screenshot-manager.png",
    "doctor.png": "docs/screenshot-doctor.png",
}


def _save(widget: QWidget, path: Path) -> None:
    for _ in range(3):
        QApplication.processEvents()
    widget.grab().save(str(path))
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def render(
    out: Path, day: date, people: int, language: str, size: tuple[int, int] = (1366, 698)
) -> list[Path]:
    app = make_application()
    install_language(app, language)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if language == "zh_TW" else "-en"
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="vaxdesk-shots-") as tmp:
        folder = Path(tmp)
        roster = folder / "demo.csv"
        write_demo_roster(roster, people, day, "utf-8-sig", 7)
        store = Store.open(folder / "desk.db")
        rules = load_rule_sets()
        at = datetime.combine(day, time(9, 10), tzinfo=TAIPEI)
        desk = build_desk(
            store,
            DeskSettings(site=MAIN_SITE, desk="A"),
            day=day,
            clock=lambda: at,
            sounds=SoundPlayer(enabled=False),
            rules=rules,
            folder=folder,
        )
        desk.service.import_roster(roster)
        w = desk.window
        w.refresh_counters()
        w.resize(*size)
        w.show()
        view = w.checkin_view
        # A morning's worth of traffic first, so the counters and queue look real.
        for row in desk.service.roster()[:40]:
            if not row.flags:
                view.handle_scan(row.id_number)

        def shot(name: str) -> None:
            w.background.wait(60_000)
            path = out / name.replace(".png", f"{suffix}.png")
            _save(w, path)
            written.append(path)

        view.handle_scan(SCENARIOS_BY_KEY["ok"].raw)
        shot("checkin-ok.png")
        view.handle_scan(SCENARIOS_BY_KEY["brand_change"].raw)
        shot("checkin-warn.png")
        if view.reason_dialog is not None:
            path = out / f"reason-dialog{suffix}.png"
            _save(view.reason_dialog, path)
            written.append(path)
            view.reason_dialog.reject()
        view.handle_scan(SCENARIOS_BY_KEY["interval_short"].raw)
        shot("checkin-block.png")

        w.show_view(3)
        lots = w.lots_view
        for code, lot in (("CoV_Moderna", "MOD2611A-CDC"), ("CoV_BNT", "BNT2611K-CDC")):
            lots.product_box.setCurrentIndex(lots.product_box.findData(code))
            lots.lot_edit.setText(lot)
            lots.open_vial()
        w.show_view(1)
        doctor = w.doctor_view
        for i, entry in enumerate(doctor.entries[:12]):
            doctor.select_checkin(entry.checkin_id)
            if i == 3:
                doctor.reason_box.setCurrentText(doctor.reason_box.itemText(2))
                doctor.refuse()
                continue
            if i % 2 == 0 and entry.product in ("CoV_Moderna", "CoV_BNT"):
                lot = "MOD2611A-CDC" if "Moderna" in entry.product else "BNT2611K-CDC"
                doctor.lot_box.setCurrentIndex(doctor.lot_box.findData(lot))
                doctor.vaccinate()
            else:
                doctor.approve()
        doctor.table.selectRow(min(13, len(doctor.entries) - 1))
        shot("doctor.png")
        w.show_view(2)
        shot("manager.png")
        w.show_view(3)
        shot("lots.png")
        desk.close()
        store.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "screenshots")
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--docs", action="store_true", help="also copy the pictures to docs/")
    parser.add_argument("--size", default="1366x698", help="window size WxH")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    day = datetime.now(TAIPEI).date()
    written = render(args.out, day, args.people, "zh_TW", (width, height))
    written += render(args.out, day, args.people, "en", (width, height))
    if args.docs:
        from PIL import Image

        for name, target in DOCS.items():
            # A 256-colour palette keeps the README pictures small (< 300 KB) and crisp.
            with Image.open(args.out / name) as image:
                small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
                small.save(ROOT / target, optimize=True)
            print(f"copied {name} -> {target} ({(ROOT / target).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
