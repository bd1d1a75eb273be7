"""Root of the test tree: the import path every test package can rely on.

Test folders are not packages: pytest (prepend import mode) puts a folder on sys.path when
it collects a test or conftest there, tests/ itself included. tests/ holds folders named
like the real packages (tests/vaxdesk, tests/printing ...), which would be taken for
namespace packages unless the project root comes first; so the root goes first here.
The store fixtures (tests/station_app/store_fixtures.py), the live sync server
(tests/sync_server/live_server.py) and the ESC/POS reader (tests/printing/escpos_reader.py,
which reads the site day's tickets) serve other folders too: their folders go on sys.path
here, whatever subset of the tests runs and in whatever order.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent

sys.path.insert(0, str(_TESTS.parent))
for _folder in (_TESTS / "station_app", _TESTS / "sync_server", _TESTS / "printing"):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))
