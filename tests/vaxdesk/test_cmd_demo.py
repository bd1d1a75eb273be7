"""`vaxdesk demo --cli`: the terminal demo runs the scenarios of the demo roster end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_demo_walks_through_the_scenarios() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vaxdesk", "demo", "--cli", "--people", "80"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Traceback" not in out + proc.stderr
    assert "報到號碼 A001" in out
    assert "ALREADY_CHECKED_IN" in out and "INVALID_ID" in out and "NOT_ON_ROSTER" in out
    assert "填寫原因" in out  # a warning, confirmed with a reason
    assert "（預期 expected" not in out  # every scenario showed the flags it promises
    assert "計數 counters: 全部" in out and "已接種 1" in out
