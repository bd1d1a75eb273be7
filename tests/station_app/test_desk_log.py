"""The desk's log file: what a technician finds after a nurse saw a calm error dialog."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from station_app.crash_guard import CrashGuard
from station_app.desk_log import OWN_LOGGERS, install_log_file


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger as `vaxdesk` leaves it (a console at WARNING), restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_levels, saved_level = (
        list(root.handlers),
        [h.level for h in root.handlers],
        root.level,
    )
    own_levels = {name: logging.getLogger(name).level for name in OWN_LOGGERS}
    root.handlers = []
    root.setLevel(logging.WARNING)
    yield root
    for name, level in own_levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in root.handlers:
        if handler not in saved_handlers:
            handler.close()
    root.handlers = saved_handlers
    for handler, level in zip(saved_handlers, saved_levels, strict=True):
        handler.setLevel(level)
    root.setLevel(saved_level)


def test_log_file_gets_info_while_the_console_stays_at_warning(
    root_logger: logging.Logger, tmp_path: Path
) -> None:
    console = io.StringIO()
    root_logger.addHandler(logging.StreamHandler(console))

    path = install_log_file(tmp_path / "config")
    logging.getLogger("station_app.checkin_service").info("check-in A001 A12****789 at desk A")
    logging.getLogger("printing.print_queue").warning("printer tcp://10.0.0.5:9100 is off")
    logging.getLogger("station_app.sync_client").debug("cursor 42")
    logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate")

    text = path.read_text(encoding="utf-8")
    assert "check-in A001 A12****789" in text
    assert "WARNING printing.print_queue: printer tcp://10.0.0.5:9100 is off" in text
    assert "cursor 42" not in text
    assert "setup plugin" not in text
    assert console.getvalue() == "printer tcp://10.0.0.5:9100 is off\n"


def test_crash_guard_traceback_lands_in_the_file(
    root_logger: logging.Logger, tmp_path: Path
) -> None:
    path = install_log_file(tmp_path)
    guard = CrashGuard()
    try:
        raise ZeroDivisionError("division by zero in a counter")
    except ZeroDivisionError as exc:
        guard(ZeroDivisionError, exc, exc.__traceback__)
    if guard.last_dialog is not None:
        guard.last_dialog.close()

    text = path.read_text(encoding="utf-8")
    assert "ERROR vaxdesk.crash: unexpected error" in text
    assert "Traceback (most recent call last)" in text
    assert "ZeroDivisionError: division by zero in a counter" in text


def test_installing_twice_writes_each_line_once(
    root_logger: logging.Logger, tmp_path: Path
) -> None:
    install_log_file(tmp_path)
    path = install_log_file(tmp_path)
    logging.getLogger("station_app.sounds").warning("cannot play ok.wav")
    assert path.read_text(encoding="utf-8").count("cannot play ok.wav") == 1


def test_log_times_are_the_sites_whatever_the_pcs_zone() -> None:
    from station_app.desk_log import FORMAT, SiteTimeFormatter

    record = logging.LogRecord("station_app", logging.INFO, __file__, 1, "check-in", None, None)
    record.created = 0.0  # 1970-01-01 00:00 UTC
    assert SiteTimeFormatter(FORMAT).format(record).startswith("1970-01-01 08:00:00+0800 INFO")
