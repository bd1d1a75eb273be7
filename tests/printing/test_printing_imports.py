"""The desk imports the printing API at start-up: that must not load the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_printing_api_and_opening_a_printer_load_no_heavy_library() -> None:
    probe = (
        "import sys, json\n"
        "import printing.print_queue, printing.printers, printing.ticket, printing.consent\n"
        "import printing.roster_pdf, printing.errors\n"
        "from printing.printers import open_printer\n"
        "open_printer('tcp://192.0.2.1:9100?profile=TM-T88V&paper=58')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(json.loads(out.stdout))
    assert loaded & {"escpos", "reportlab", "PIL", "serial", "zxingcpp", "qrcode"} == set()
