"""Printing benchmarks: ticket byte streams, consent PDFs, the 2,500-person roster, enqueue.

Run: .venv/bin/python bench/bench_printing.py
Targets: raster CJK ticket < 10 ms, consent page < 20 ms, 2,500-person roster < 3 s.
Prints figures only; nothing here asserts on time (the machine is shared and noisy).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "printing")]

from roster_rows import DAY, SITE, roster_rows  # noqa: E402  (the tests' roster generator)

from printing.consent import ConsentData, render_consent_pdf  # noqa: E402
from printing.print_queue import PrintQueue  # noqa: E402
from printing.printers import open_printer  # noqa: E402
from printing.roster_pdf import render_roster_pdf  # noqa: E402
from printing.thermal import ThermalProfile  # noqa: E402
from printing.ticket import TicketData, render_ticket  # noqa: E402

NAMES = [
    "王小明",
    "林美玲",
    "陳志強",
    "黃淑芬",
    "張家豪",
    "李怡君",
    "吳建宏",
    "劉雅婷",
    "蔡俊傑",
    "楊小堃",
]


def ticket(n: int) -> TicketData:
    return TicketData.build(
        site_name="臺南市立體育館接種站",
        queue_number=f"A{n % 1000:03d}",
        printed_at=datetime(2026, 11, 22, 9, n % 60),
        product_label="莫德納 Moderna",
        dose_label="第2劑",
        name=NAMES[n % len(NAMES)],
        id_number="A123456789",
        checkin_id=f"3f2c8a1e-5b7d-4c2a-9e1f-{n:012d}",
    )


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median ms, max ms) over `repeat` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def bench_tickets() -> None:
    for label, profile in (
        ("raster 80 mm", ThermalProfile(paper_mm=80, mode="raster")),
        ("raster 58 mm", ThermalProfile(escpos_profile="POS-5890", paper_mm=58, mode="raster")),
        ("text 80 mm (Big5)", ThermalProfile(escpos_profile="TM-T88V", paper_mm=80, mode="text")),
    ):
        start = time.perf_counter()
        size = len(render_ticket(ticket(0), profile))
        cold = (time.perf_counter() - start) * 1000
        numbers = iter(range(1, 10_000))  # other numbers and names: no cached drawing helps
        median, worst = timed(
            lambda p=profile, c=numbers: render_ticket(ticket(next(c)), p),  # type: ignore[misc]
            200,
        )
        print(
            f"ticket {label:18s} {median:6.2f} ms median, {worst:6.2f} ms max, "
            f"first {cold:6.1f} ms (escpos import, font load), {size / 1024:5.1f} KB"
        )


def bench_consent() -> None:
    data = ConsentData(
        site_name="臺南市立體育館接種站",
        name="林美玲",
        id_number="A223456781",
        birth_date=date(1946, 4, 11),
        product_code="CoV_AZ",
        product_label="AZ (AstraZeneca)",
        dose_label="第2劑",
        queue_number="B017",
        day=date(2026, 11, 22),
    )
    render_consent_pdf(data)  # font registration, once per process
    median, worst = timed(lambda: render_consent_pdf(data), 30)
    print(f"consent PDF, 1 page (font subset embedded)   {median:6.2f} ms median, {worst:6.2f} max")
    batch = [data] * 50
    median, _ = timed(lambda: render_consent_pdf(batch), 3)
    print(f"consent PDF, 50 pages in one file            {median / 50:6.2f} ms a page")


def bench_roster() -> None:
    rows = roster_rows(2500)
    render_roster_pdf(rows[:10], SITE, DAY)
    median, worst = timed(lambda: render_roster_pdf(rows, SITE, DAY), 3)
    size = len(render_roster_pdf(rows, SITE, DAY))
    print(f"roster PDF, 2,500 people                     {median / 1000:6.2f} s median, "
          f"{worst / 1000:5.2f} s max, {size / 1024:.0f} KB")  # fmt: skip


def bench_enqueue() -> None:
    with tempfile.TemporaryDirectory() as folder:
        queue = PrintQueue(Path(folder) / "desk.db", open_printer(f"pdf://{folder}/out"))
        counter = iter(range(10_000))
        median, worst = timed(lambda: queue.enqueue_ticket(ticket(next(counter))), 300)
        print(f"enqueue a ticket (SQLite insert, caller side) {median:5.2f} ms median, "
              f"{worst:5.2f} ms max")  # fmt: skip


if __name__ == "__main__":
    bench_tickets()
    bench_consent()
    bench_roster()
    bench_enqueue()
