"""Serial latency: time from the scanner's last byte to the Scan record, on a real pty.

Prints figures only: `.venv/bin/python bench/bench_serial.py [--reads N]`.
Target: < 5 ms with a terminator. A pty has no baud rate and no USB stack; a real
FTDI adapter adds up to 16 ms of its own (latency timer) unless that is lowered to 1 ms.
With terminator NONE the code ends only after the inter-character pause, by design.
"""

from __future__ import annotations

import argparse
import queue
import statistics
import tempfile
from pathlib import Path

from hardware.pty_scanner import PtyScanner
from hardware.scan import Scan, SourceState, SourceStatus
from hardware.serial_source import SerialConfig, SerialScanSource


def measure(terminator: str, reads: int, char_delay: float) -> list[float]:
    scans: queue.Queue[Scan] = queue.Queue()
    states: queue.Queue[SourceState] = queue.Queue()
    with tempfile.TemporaryDirectory() as tmp, PtyScanner(Path(tmp) / "tty") as pty:
        config = SerialConfig(
            port=str(pty.link), terminator=terminator, inter_char_timeout=0.02, dedup_window=0
        )
        with SerialScanSource(config, scans.put, states.put):
            while states.get(timeout=5).status is not SourceStatus.CONNECTED:
                pass
            ending = {"cr": b"\r", "crlf": b"\r\n", "none": b""}[terminator]
            latencies = []
            for i in range(reads):
                sent = pty.send(f"A{i:09d}".encode() + ending, char_delay=char_delay)
                scan = scans.get(timeout=5)
                latencies.append((scan.monotonic - sent) * 1000)
            return latencies


def report(label: str, values: list[float]) -> None:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    print(
        f"{label:<42} median {statistics.median(values):6.3f} ms  p95 {p95:6.3f} ms"
        f"  max {values[-1]:6.3f} ms  (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args()
    report("CR terminator, one burst", measure("cr", args.reads, 0.0))
    report("CR terminator, 1 ms between bytes", measure("cr", args.reads // 3, 0.001))
    report("CRLF terminator, one burst", measure("crlf", args.reads, 0.0))
    report("NONE, 20 ms inter-char timeout", measure("none", args.reads // 3, 0.0))


if __name__ == "__main__":
    main()
