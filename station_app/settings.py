"""The desk's settings, declared once (type, default, description) and kept per desk PC.

Stored as JSON in the user's config folder (VAXDESK_CONFIG_DIR overrides it; tests use
a temporary folder). Unknown keys are ignored and wrong types fall back to the default,
so a hand-edited or older file never stops the desk from starting.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
LANGUAGES = ("zh_TW", "en")


def _spec(default: Any, zh: str, en: str) -> Any:
    return field(default=default, metadata={"zh": zh, "en": en})


@dataclass(frozen=True)
class DeskSettings:
    """Everything a desk PC remembers. Each field's metadata holds its zh/en description."""

    site: str = _spec("", "接種站名稱（與名冊的接種地點相同）", "site name as on the roster")
    desk: str = _spec("A", "櫃台代號（一個英文字母，報到號碼的字首）", "desk letter (queue prefix)")
    language: str = _spec("zh_TW", "介面語言（zh_TW 或 en）", "interface language (zh_TW or en)")
    database: str = _spec("", "本機資料庫檔案（空白：設定資料夾內）", "local database file")
    auto_checkin: bool = _spec(
        True, "無警示時掃描即報到（否：按 Enter 才報到）", "check in at once when all clear"
    )
    sounds: bool = _spec(True, "播放提示音", "play sounds")
    observation_minutes: int = _spec(
        30, "接種後留觀時間（分鐘）", "observation time after the dose (minutes)"
    )
    vial_warning_minutes: int = _spec(
        30, "開瓶疫苗到期前提醒（分鐘）", "warn before an open vial expires (minutes)"
    )
    wedge_enabled: bool = _spec(True, "使用 USB 鍵盤式掃描器", "USB keyboard-wedge scanner")
    wedge_max_gap_ms: float = _spec(30.0, "掃描器字元最大間隔（毫秒）", "scanner max key gap (ms)")
    wedge_min_length: int = _spec(6, "掃描條碼最短長度", "shortest scanned code")
    serial_port: str = _spec("", "序列埠掃描器（例如 COM3）", "serial scanner port (e.g. COM3)")
    camera: str = _spec("", "攝影機掃描（裝置編號）", "webcam scanner (device number)")
    ticket_printer: str = _spec(
        "", "號碼單印表機（例如 tcp://192.0.2.5:9100）", "ticket printer URI"
    )
    form_printer: str = _spec(
        "", "同意書印表機（每次報到列印套印同意書，例如 pdf:///tmp/forms）", "consent form printer"
    )
    ticket_drop_minutes: int = _spec(
        0,
        "卡紙後超過幾分鐘的號碼單不再列印（0：全部列印），改為補印",
        "after a jam, drop tickets older than this many minutes (0: print all); reprint them",
    )
    lock_idle_minutes: int = _spec(
        5,
        "閒置幾分鐘後鎖定畫面，須重新登入（0：不鎖定；只在有工作人員名單時）",
        "lock the screen after this many idle minutes (0: never; only with a staff list)",
    )
    server_url: str = _spec("", "衛生局同步伺服器網址", "health bureau sync server URL")
    hub_url: str = _spec(
        "",
        "站內中繼網址（vaxdesk hub；有設定時優先使用，連不上時直接連衛生局）",
        "site hub URL (vaxdesk hub; used first, the bureau directly when it cannot be reached)",
    )
    hub_fingerprint: str = _spec(
        "",
        "站內中繼憑證指紋（vaxdesk hub --tls 啟動時顯示；只信任這張憑證）",
        "site hub certificate fingerprint (shown by vaxdesk hub --tls; only it is trusted)",
    )
    host_hub: bool = _spec(
        False,
        "這台電腦同時執行站內中繼（其他櫃台的站內中繼網址設為本機位址）",
        "this PC also runs the site hub (the other desks' hub URL is this PC's address)",
    )
    hub_token_file: str = _spec(
        "", "站內中繼憑證檔（衛生局登記中繼站時取得）", "site hub token file (from the bureau)"
    )
    hub_port: int = _spec(8000, "站內中繼連接埠", "site hub port")
    desk_token_file: str = _spec(
        "", "櫃台憑證檔（憑證本身不存在設定中）", "desk token file (the token is not kept here)"
    )
    ca_bundle: str = _spec(
        "", "衛生局憑證機構檔（空白：系統預設）", "bureau CA bundle (blank: system default)"
    )
    rules_max_age_hours: int = _spec(
        24,
        "超過幾小時沒有收到衛生局的規則，就提醒規則可能不是最新",
        "warn that the rules may be out of date after this many hours without the bureau",
    )

    @property
    def configured(self) -> bool:
        """False on a fresh desk PC: the first-run setup has not been completed."""
        return bool(self.site.strip())

    def validated(self) -> DeskSettings:
        """A copy with out-of-range values replaced by their defaults."""
        fixed = self
        desk = self.desk.strip().upper()
        if len(desk) != 1 or not desk.isalpha():
            desk = "A"
        fixed = replace(fixed, desk=desk)
        if self.language not in LANGUAGES:
            fixed = replace(fixed, language="zh_TW")
        if not 1 <= self.wedge_max_gap_ms <= 500:
            fixed = replace(fixed, wedge_max_gap_ms=30.0)
        if not 0 <= self.ticket_drop_minutes <= 120:
            fixed = replace(fixed, ticket_drop_minutes=0)
        if not 0 <= self.lock_idle_minutes <= 240:
            fixed = replace(fixed, lock_idle_minutes=5)
        if not 1024 <= self.hub_port <= 65535:
            fixed = replace(fixed, hub_port=8000)
        if not 5 <= self.observation_minutes <= 120:
            fixed = replace(fixed, observation_minutes=30)
        if not 5 <= self.vial_warning_minutes <= 120:
            fixed = replace(fixed, vial_warning_minutes=30)
        if not 1 <= self.wedge_min_length <= 64:
            fixed = replace(fixed, wedge_min_length=6)
        return fixed


def describe() -> list[tuple[str, type, Any, str, str]]:
    """(name, type, default, description zh, description en) of every setting."""
    types = {"str": str, "bool": bool, "int": int, "float": float}
    return [
        (f.name, types[str(f.type)], f.default, f.metadata["zh"], f.metadata["en"])
        for f in fields(DeskSettings)
    ]


def config_dir() -> Path:
    """Where this desk PC keeps its settings and (by default) its database."""
    override = os.environ.get("VAXDESK_CONFIG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        return base / "VaxDesk"
    base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "vaxdesk"


def _coerce(value: Any, kind: type, default: Any) -> Any:
    if kind is bool:
        return value if isinstance(value, bool) else default
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if ok else default
    if kind is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else default
    return value if isinstance(value, str) else default


def load_settings(directory: Path | None = None) -> DeskSettings:
    """The saved settings, or the defaults when there are none or the file is unreadable."""
    path = (directory or config_dir()) / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DeskSettings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return DeskSettings()
    if not isinstance(data, dict):
        return DeskSettings()
    values = {
        name: _coerce(data[name], kind, default)
        for name, kind, default, _zh, _en in describe()
        if name in data
    }
    return DeskSettings(**values).validated()


def save_settings(settings: DeskSettings, directory: Path | None = None) -> Path:
    """Write the settings atomically (a crash never leaves half a file)."""
    folder = directory or config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def database_path(settings: DeskSettings, directory: Path | None = None) -> Path:
    """The desk's SQLite file."""
    if settings.database:
        return Path(settings.database)
    return (directory or config_dir()) / "vaxdesk.db"
