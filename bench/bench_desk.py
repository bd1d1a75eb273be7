"""Time the desk window with a 100,000-person roster. Prints figures only (no assertions).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_desk.py [--people 100000]

1. scan-to-card-shown: a keyboard-wedge burst typed into the real window (QTest key
   events, search field focused); timed from the terminating Enter until the card is
   updated and the event loop has laid out and painted what changed (and run the work
   the window leaves until after that paint). Each scan is a real check-in (one write).
   The benchmark counts the card's paint events and warns if a scan's card was not
   painted inside the timed span.
   scan-to-counters-and-history-updated: from the same Enter until every read the scan
   started has finished and its result is on screen: the counters on top, the dose
   history on the card, the outbox count in the status bar. Printed for the first and
   the last 50 scans too: a read that walks the whole roster once per check-in shows
   as growth from the one to the other.
2. cold start: `vaxdesk app --db ... --exit-when-ready` in a fresh process, until the
   window is shown and waiting for scans (and the whole process, for comparison), with
   the modules compiled as on a desk PC (one start, not counted, writes them).
3. memory: resident set size of a fresh desk process once the manager table holds all
   rows (a separate process, so the benchmark's own data does not count).
4. filter keystroke: the manager table's search, one key at a time, model reset and
   repaint included.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QEvent, QObject

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SITE = "臺南市立體育館"
DAY = date(2026, 11, 23)
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高"
GIVEN = "家宜志明淑芬俊傑怡君建宏雅婷冠宇佩珊宗翰承恩子涵柏翰"
PRODUCTS = ("CoV_Moderna", "CoV_BNT", "CoV_Novavax")


def make_db(path: Path, people: int) -> None:
    """A store with `people` adults booked at SITE on DAY, slots 08:00-17:30."""
    from station_app.store import Store
    from vaccination.ids import make_national_id
    from vaccination.models import Booking, DoseRecord, Person
    from vaccination.roster_import import RosterEntry

    entries = []
    letters = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
    for n in range(people):
        id_number = make_national_id(letters[n % 26], 1 + n % 2, 1_000_000 + n)
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 3) % 17]
        product = PRODUCTS[n % 3]
        dose = 1 + n % 3
        history = tuple(
            DoseRecord(product, date(2025, 1, 10) + timedelta(days=100 * k))
            for k in range(dose - 1)
        )
        minutes = 8 * 60 + (n % 19) * 30
        entries.append(
            RosterEntry(
                Person(id_number, name, date(1950 + n % 50, 1 + n % 12, 1 + n % 28), f"09{n:08d}"),
                Booking(
                    id_number=id_number,
                    site=SITE,
                    slot_start=datetime(DAY.year, DAY.month, DAY.day, minutes // 60, minutes % 60),
                    product=product,
                    dose=dose,
                    dose_label=f"第{dose}劑",
                    row_number=n + 1,
                ),
                history,
                "；".join(f"{d.product} {d.given_on.isoformat()}" for d in history),
            )
        )
    store = Store.open(path)
    store.import_entries(entries)
    store.close()


class _PaintCounter(QObject):
    """Counts paint events of the widget it filters."""

    count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def desk_memory(db: Path) -> None:
    """Child process: open the desk, show the manager table with every row, print RSS."""
    from PySide6.QtTest import QTest

    from station_app.app import build_desk, make_application
    from station_app.settings import DeskSettings
    from station_app.sounds import SoundPlayer
    from station_app.store import Store

    make_application()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(db)
        desk = build_desk(
            store,
            DeskSettings(site=SITE),
            day=DAY,
            sounds=SoundPlayer(enabled=False),
            folder=Path(folder),
        )
        desk.window.show()
        QTest.qWaitForWindowExposed(desk.window)
        desk.window.show_view(2)
        desk.window.background.wait(120_000)
        gc.collect()
        rows = len(desk.window.manager_view.model.all_rows())
        print(f"{rows} {rss_mb():.0f}")
        desk.close()


def cold_start(db: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Per run: ms to ready-to-scan, ms of the whole process, CPU ms of the whole process."""
    inner, outer, cpu = [], [], []
    with tempfile.TemporaryDirectory() as cfg:
        Path(cfg, "settings.json").write_text(json.dumps({"site": SITE, "desk": "B"}), "utf-8")
        env = dict(os.environ, VAXDESK_CONFIG_DIR=cfg, QT_QPA_PLATFORM="offscreen")
        # A desk PC runs compiled modules (the installer's pip writes them, or the first
        # start does): a PYTHONDONTWRITEBYTECODE of the machine would have every start
        # compile the app's modules again (about 0.15 s here). One start, not counted,
        # writes them.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cmd = [str(ROOT / ".venv/bin/vaxdesk"), "app", "--db", str(db), "--exit-when-ready"]
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        for _ in range(runs):
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            outer.append((time.perf_counter() - started) * 1000)
            now = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append((now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime) * 1000)
            line = next(li for li in out.stdout.splitlines() if li.startswith("ready"))
            inner.append(float(line.split()[1]))
    return inner, outer, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description="desk window benchmark")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--make-db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory-of", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_db:
        make_db(args.make_db, args.people)
        return 0
    if args.memory_of:
        desk_memory(args.memory_of)
        return 0

    print(f"machine load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="vaxdesk-bench-") as tmp:
        db = Path(tmp) / "desk.db"
        started = time.perf_counter()
        # A child process builds the database so its memory does not count below.
        subprocess.run(
            [sys.executable, __file__, "--make-db", str(db), "--people", str(args.people)],
            check=True,
        )
        print(f"roster: {args.people:,} people written in {time.perf_counter() - started:.1f} s")

        inner, outer, cpu = cold_start(db, 5)
        child = subprocess.run(
            [sys.executable, __file__, "--memory-of", str(db)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows, mb = child.stdout.split()[-2:]
        print(
            f"memory of the desk with {int(rows):,} people in the manager table: {mb} MB resident"
        )
        print(
            f"cold start to ready-to-scan: median {statistics.median(inner):.0f} ms "
            f"(from command start; whole process incl. interpreter and exit: "
            f"{statistics.median(outer):.0f} ms, CPU {statistics.median(cpu):.0f} ms)"
        )

        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        from station_app.app import build_desk, make_application, warm_up
        from station_app.settings import DeskSettings
        from station_app.sounds import SoundPlayer
        from station_app.store import Store
        from station_app.store.lookups import TAIPEI

        app = make_application()
        store = Store.open(db, background_checkpoint=True)  # as the desk opens it
        clock_at = datetime(DAY.year, DAY.month, DAY.day, 9, 5, tzinfo=TAIPEI)
        desk = build_desk(
            store,
            DeskSettings(site=SITE, desk="A"),
            day=DAY,
            clock=lambda: clock_at,
            sounds=SoundPlayer(enabled=False),
            folder=Path(tmp),
        )
        window = desk.window
        window.show()
        QTest.qWaitForWindowExposed(window)
        window.activateWindow()
        view = window.checkin_view
        view.search_edit.setFocus()
        app.processEvents()
        if QApplication.focusWidget() is not view.search_edit:
            print("warning: search field has no focus; keys go to", QApplication.focusWidget())

        t0 = time.perf_counter()
        roster = desk.service.roster()
        roster_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        desk.service.counters()
        counters_ms = (time.perf_counter() - t0) * 1000
        print(
            f"service reads at {len(roster):,} rows (off the GUI thread in the app): "
            f"roster() {roster_ms:.0f} ms, counters() {counters_ms:.0f} ms"
        )
        # People booked near the desk clock (09:05), so each scan is a plain check-in.
        near = [r for r in roster if r.slot_start.hour == 9 and r.slot_start.minute == 0]
        ids = [r.id_number for r in near[:: max(1, len(near) // args.scans)]][: args.scans]
        roster_size = len(roster)
        del roster, near  # only the desk's own data stays, as in the app
        # As at a real desk: the manager table was opened once (100,000 rows held), and
        # the app's post-start warm-up (the roster reader) has run.
        window.show_view(2)
        app.processEvents()
        window.background.wait(120_000)
        window.show_view(0)
        warm_up()
        view.search_edit.setFocus()
        app.processEvents()
        window.background.wait(60_000)
        samples: list[float] = []
        settle: list[float] = []
        paints = _PaintCounter()
        view.card.installEventFilter(paints)
        unpainted = 0
        fake_now = [0.0]
        desk.wedge.detector.clock = lambda: fake_now[0]
        for i, id_number in enumerate(ids):
            for ch in id_number:
                fake_now[0] += 0.004
                QTest.keyClick(view.search_edit, ch)
            fake_now[0] += 0.004
            before = len(view.timings_ms)
            paints.count = 0
            t0 = time.perf_counter()
            QTest.keyClick(view.search_edit, Qt.Key.Key_Return)
            app.processEvents()  # layout and paint of what changed, as the event loop does
            samples.append((time.perf_counter() - t0) * 1000)
            unpainted += paints.count == 0
            # People arrive seconds apart: the previous scan's background reads are done,
            # and what they changed is painted.
            window.background.wait(60_000)
            app.processEvents()
            settle.append((time.perf_counter() - t0) * 1000)
            if i == 0 and (len(view.timings_ms) == before or not view.card.queue_label.text()):
                print("warning: the burst did not check anyone in")
        checked = desk.service.counters().checked_in
        print(
            f"scan-to-card-shown ({len(samples)} scans, {checked} checked in, "
            f"{roster_size:,} on roster): p50 {pct(samples, 50):.1f} ms, "
            f"p99 {pct(samples, 99):.1f} ms, max {max(samples):.1f} ms"
        )
        if unpainted:
            print(f"warning: {unpainted} scans ended the timed span before the card was painted")
        print(
            f"scan-to-counters-and-history-updated (background): p50 {pct(settle, 50):.0f} ms, "
            f"p99 {pct(settle, 99):.0f} ms; p50 of the first 50 scans "
            f"{pct(settle[:50], 50):.0f} ms, of the last 50 {pct(settle[-50:], 50):.0f} ms"
        )

        window.show_view(2)
        app.processEvents()
        window.background.wait(120_000)
        manager = window.manager_view
        keystrokes, keystroke_cpu = [], []
        for needle in (ids[5], "0900001234", "王家", "第2劑"):
            for k in range(1, len(needle) + 1):
                manager.search_edit.setText(needle[:k])
                c0, t0 = time.process_time(), time.perf_counter()
                manager.apply_filter()
                app.processEvents()
                keystrokes.append((time.perf_counter() - t0) * 1000)
                keystroke_cpu.append((time.process_time() - c0) * 1000)
            manager.search_edit.setText("")
            manager.apply_filter()
        print(
            f"manager filter keystroke at {len(manager.model.all_rows()):,} rows "
            f"({len(keystrokes)} keys): p50 {pct(keystrokes, 50):.1f} ms, "
            f"p99 {pct(keystrokes, 99):.1f} ms; CPU p50 {pct(keystroke_cpu, 50):.1f} ms, "
            f"p99 {pct(keystroke_cpu, 99):.1f} ms "
            f"(filter alone last: {manager.last_filter_ms:.1f} ms)"
        )
        desk.close()
        store.close()
    print(f"machine load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
