"""The desk's log file, so a technician can read what happened after the fact.

A desk started from the desktop menu has no terminal: without a file, the tracebacks the
crash guard records and the printer and sync warnings would go nowhere. The file sits in
the desk's config folder, rotates at 1 MB and keeps five old files. Nothing logged by
VaxDesk carries a full ID number (they are masked before they reach a log call).
Times are the site's (Asia/Taipei, with its offset), whatever the PC's clock zone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from zoneinfo import ZoneInfo

LOG_FILE = "vaxdesk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SITE_ZONE = ZoneInfo("Asia/Taipei")


class SiteTimeFormatter(logging.Formatter):
    """Log lines stamped in the site's time zone, e.g. `2026-11-23 09:05:01+0800`."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        at = datetime.fromtimestamp(record.created, SITE_ZONE)
        return at.strftime(datefmt or "%Y-%m-%d %H:%M:%S%z")


# Our own packages log INFO to the file; libraries (Alembic's plugin chatter, httpx's
# every request) only from WARNING up.
OWN_LOGGERS = ("station_app", "printing", "hardware", "vaccination", "vaxdesk")


def install_log_file(directory: Path) -> Path:
    """Also write VaxDesk's INFO and above to `directory/vaxdesk.log`; returns its path.

    The handlers already present (the terminal's) keep the level they had, so the console
    stays as quiet as before. Installing twice for one file adds no second handler.
    """
    path = directory / LOG_FILE
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    directory.mkdir(parents=True, exist_ok=True)
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            handler.setLevel(root.level)
    to_file = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    to_file.setLevel(logging.INFO)
    to_file.setFormatter(SiteTimeFormatter(FORMAT))
    root.addHandler(to_file)
    for name in OWN_LOGGERS:
        own = logging.getLogger(name)
        if own.getEffectiveLevel() > logging.INFO:
            own.setLevel(logging.INFO)
    return path
