"""Typed printer errors and printer states, each with a message in Traditional Chinese and English.

Transports turn OS and device failures (refused, timeout, device missing, permission
denied, out of paper) into `PrinterError`; the print queue turns them into a
`PrinterStatus` for the desk's status bar. Nothing here imports a printer library.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class PrinterState(StrEnum):
    """What the status bar shows about the printer."""

    OK = "ok"
    OFFLINE = "offline"
    OUT_OF_PAPER = "out_of_paper"
    ERROR = "error"


class ErrorKind(StrEnum):
    """Stable reason codes of printer errors."""

    REFUSED = "refused"
    TIMEOUT = "timeout"
    DEVICE_MISSING = "device_missing"
    PERMISSION_DENIED = "permission_denied"
    OUT_OF_PAPER = "out_of_paper"
    COVER_OPEN = "cover_open"
    CONNECTION_LOST = "connection_lost"
    NO_CUPS = "no_cups"
    CUPS_FAILED = "cups_failed"
    BAD_URI = "bad_uri"
    IO_ERROR = "io_error"


# (zh, en) per kind; `{target}` names the printer, `{detail}` the OS message.
_MESSAGES: Final[dict[ErrorKind, tuple[str, str]]] = {
    ErrorKind.REFUSED: (
        "印表機 {target} 拒絕連線：請確認印表機已開機並接上網路。",
        "Printer {target} refused the connection: check that it is on and connected.",
    ),
    ErrorKind.TIMEOUT: (
        "印表機 {target} 沒有回應（逾時）：請確認電源與網路線。",
        "Printer {target} did not answer (timeout): check power and network cable.",
    ),
    ErrorKind.DEVICE_MISSING: (
        "找不到印表機 {target}：請確認傳輸線已接上、裝置名稱正確。",
        "Printer {target} not found: check the cable and the device name.",
    ),
    ErrorKind.PERMISSION_DENIED: (
        "沒有權限使用印表機 {target}：請將使用者加入 lp/dialout 群組或洽管理員。",
        "No permission to use printer {target}: add the user to the lp/dialout group.",
    ),
    ErrorKind.OUT_OF_PAPER: (
        "印表機 {target} 缺紙：請換上新的紙捲，排隊中的號碼牌會接著印出。",
        "Printer {target} is out of paper: load a new roll; waiting tickets will follow.",
    ),
    ErrorKind.COVER_OPEN: (
        "印表機 {target} 上蓋未關：請關好上蓋。",
        "Printer {target} cover is open: close it.",
    ),
    ErrorKind.CONNECTION_LOST: (
        "列印途中與印表機 {target} 斷線，將整張重印。",
        "Connection to printer {target} was lost during printing; the job will be reprinted.",
    ),
    ErrorKind.NO_CUPS: (
        "本機沒有 CUPS 列印指令 lp：請安裝 cups-client，或改用 tcp:// 或 usb:// 印表機。",
        "The CUPS command lp is not installed: install cups-client, or use a tcp:// or "
        "usb:// printer.",
    ),
    ErrorKind.CUPS_FAILED: (
        "CUPS 無法送出到佇列 {target}：{detail}",
        "CUPS could not send to queue {target}: {detail}",
    ),
    ErrorKind.BAD_URI: (
        "印表機位址 {target} 無法辨識：{detail}",
        "Printer address {target} is not understood: {detail}",
    ),
    ErrorKind.IO_ERROR: (
        "印表機 {target} 發生錯誤：{detail}",
        "Printer {target} failed: {detail}",
    ),
}

_STATE_OF_KIND: Final[dict[ErrorKind, PrinterState]] = {
    ErrorKind.REFUSED: PrinterState.OFFLINE,
    ErrorKind.TIMEOUT: PrinterState.OFFLINE,
    ErrorKind.DEVICE_MISSING: PrinterState.OFFLINE,
    ErrorKind.CONNECTION_LOST: PrinterState.OFFLINE,
    ErrorKind.OUT_OF_PAPER: PrinterState.OUT_OF_PAPER,
}


class PrinterError(Exception):
    """A failure the environment causes; `message_zh` / `message_en` are for the user."""

    def __init__(
        self, kind: ErrorKind, target: str, detail: str = "", detail_zh: str | None = None
    ) -> None:
        self.kind = kind
        self.target = target
        self.detail = detail
        zh, en = _MESSAGES[kind]
        self.message_zh = zh.format(target=target, detail=detail_zh or detail)
        self.message_en = en.format(target=target, detail=detail)
        super().__init__(f"{self.message_zh} / {self.message_en}")

    @property
    def state(self) -> PrinterState:
        """The status-bar state this error puts the printer in."""
        return _STATE_OF_KIND.get(self.kind, PrinterState.ERROR)


@dataclass(frozen=True)
class PrinterStatus:
    """What the status bar shows: the state, a reason in both languages, and the backlog."""

    state: PrinterState
    message_zh: str = ""
    message_en: str = ""
    waiting_jobs: int = 0

    @classmethod
    def from_error(cls, error: PrinterError, waiting_jobs: int = 0) -> PrinterStatus:
        """The status for a failed attempt."""
        return cls(error.state, error.message_zh, error.message_en, waiting_jobs)
