"""Serial (RS-232 / USB CDC) barcode scanners read with pyserial on their own thread.

The source opens the configured port (a name such as /dev/ttyACM0 or COM5, or a USB
VID:PID such as 0C2E:0B61 that is looked up on every attempt), frames the byte stream
into codes (see line_framer.py), and survives the cable being pulled: it reports
WAITING, drops the half-received code, and reopens the port by itself when the device
returns, under the same name or, for a VID:PID, under a new one.
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from hardware.line_framer import LineFramer, Terminator
from hardware.scan import Deduplicator, ScanCallback, SourceStatus, StateCallback
from hardware.serial_ports import PortLister, find_by_vid_pid, list_serial_ports, parse_vid_pid
from hardware.source import ScanSource

log = logging.getLogger(__name__)

PARITIES = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S"}
STOP_BITS = (1, 1.5, 2)
BYTE_SIZES = (5, 6, 7, 8)


@dataclass(frozen=True)
class SerialConfig:
    """Everything a serial scanner needs; defaults match most scanners' factory setup."""

    port: str  # "/dev/ttyACM0", "COM5", or a USB "VID:PID" such as "0C2E:0B61"
    baudrate: int = 9600
    parity: str = "none"  # none | even | odd | mark | space
    stopbits: float = 1
    bytesize: int = 8
    terminator: Terminator = Terminator.CR
    inter_char_timeout: float = 0.05  # ends a code when terminator is NONE
    stale_after: float = 0.5  # a partial code idle this long is garbage
    prefix: str = ""
    suffix: str = ""
    aim_ids: bool = False  # the scanner prefixes AIM symbology identifiers ("]A0")
    reconnect_interval: float = 0.5
    dedup_window: float = 1.0
    name: str = field(default="")

    def __post_init__(self) -> None:
        problems = []
        if self.baudrate <= 0:
            problems.append(f"baud rate {self.baudrate}")
        if self.parity not in PARITIES:
            problems.append(f"parity {self.parity!r} (use {', '.join(PARITIES)})")
        if self.stopbits not in STOP_BITS:
            problems.append(f"stop bits {self.stopbits} (use 1, 1.5, 2)")
        if self.bytesize not in BYTE_SIZES:
            problems.append(f"data bits {self.bytesize} (use 5-8)")
        if not self.port.strip():
            problems.append("empty port")
        if problems:
            raise ValueError("序列埠設定錯誤 / invalid serial setting: " + "; ".join(problems))
        object.__setattr__(self, "terminator", Terminator(self.terminator))

    @property
    def vid_pid(self) -> tuple[int, int] | None:
        return parse_vid_pid(self.port)


class SerialScanSource(ScanSource):
    """A serial scanner. Scans and state changes are delivered from the reader thread."""

    def __init__(
        self,
        config: SerialConfig,
        on_scan: ScanCallback,
        on_state: StateCallback | None = None,
        deduplicator: Deduplicator | None = None,
        port_lister: PortLister = list_serial_ports,
    ) -> None:
        super().__init__(
            config.name or f"serial:{config.port}",
            on_scan,
            on_state,
            deduplicator,
            dedup_window=config.dedup_window,
        )
        self.config = config
        self._port_lister = port_lister
        self._serial: object | None = None
        self.framer = LineFramer(
            config.terminator,
            inter_char_timeout=config.inter_char_timeout,
            stale_after=config.stale_after,
            prefix=config.prefix,
            suffix=config.suffix,
            aim_ids=config.aim_ids,
        )
        self.connected_device: str | None = None

    def _wake(self) -> None:
        port = self._serial
        if port is not None:
            try:
                port.cancel_read()  # type: ignore[attr-defined]
            except Exception:  # the port may be half-closed by now; stop() goes on anyway
                log.debug("cancel_read failed", exc_info=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            device = self._resolve_device()
            if device is None:
                self._stop.wait(self.config.reconnect_interval)
                continue
            port = self._open(device)
            if port is None:
                self._stop.wait(self.config.reconnect_interval)
                continue
            self._read_until_gone(port, device)

    def _resolve_device(self) -> str | None:
        wanted = self.config.vid_pid
        if wanted is None:
            return self.config.port
        found = find_by_vid_pid(*wanted, lister=self._port_lister)
        if found is None:
            self._set_state(
                SourceStatus.WAITING,
                f"找不到掃描器（USB {self.config.port.upper()}），請插上",
                f"scanner (USB {self.config.port.upper()}) not found; plug it in",
            )
            return None
        return found.device

    def _open(self, device: str) -> Any:
        import serial

        cfg = self.config
        poll = min(0.1, cfg.inter_char_timeout / 2) if cfg.terminator is Terminator.NONE else 0.1
        try:
            port = serial.Serial(
                device,
                baudrate=cfg.baudrate,
                parity=PARITIES[cfg.parity],
                stopbits=cfg.stopbits,
                bytesize=cfg.bytesize,
                timeout=poll,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            status, zh, en = describe_open_error(device, exc)
            self._set_state(status, zh, en)
            return None
        try:
            port.reset_input_buffer()  # bytes from before we listened are not a whole code
        except (serial.SerialException, OSError):
            log.debug("reset_input_buffer failed on %s", device, exc_info=True)
        self.connected_device = device
        self._serial = port
        self._set_state(
            SourceStatus.CONNECTED, f"掃描器已連線（{device}）", f"scanner ready ({device})"
        )
        return port

    def _read_until_gone(self, port: object, device: str) -> None:
        import serial

        assert isinstance(port, serial.Serial)
        try:
            while not self._stop.is_set():
                data = port.read(1)
                if data:
                    waiting = port.in_waiting
                    if waiting:
                        data += port.read(waiting)
                now = time.monotonic()
                for code in self.framer.feed(data, now):
                    self._emit(code.text, code.symbology)
        except (serial.SerialException, OSError, TypeError) as exc:
            # TypeError: pyserial on some platforms when the handle vanishes mid-read.
            log.info("%s: read failed (%s)", self.name, exc)
            if not self._stop.is_set():
                self._set_state(
                    SourceStatus.WAITING,
                    f"掃描器連線中斷（{device}），等待重新插上",
                    f"scanner disconnected ({device}); waiting for it to come back",
                )
        finally:
            self.framer.reset()
            self._serial = None
            self.connected_device = None
            try:
                port.close()
            except (serial.SerialException, OSError):
                log.debug("close failed on %s", device, exc_info=True)


def describe_open_error(device: str, exc: BaseException) -> tuple[SourceStatus, str, str]:
    """Why a port could not be opened, as (status, zh, en); a missing port is WAITING."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    lowered = text.lower()
    if code == errno.ENOENT or "filenotfound" in lowered or "no such file" in lowered:
        return (
            SourceStatus.WAITING,
            f"找不到掃描器 {device}，請插上",
            f"scanner {device} not found; plug it in",
        )
    if code == errno.EBUSY or "exclusively lock" in lowered or "busy" in lowered:
        return (
            SourceStatus.ERROR,
            f"{device} 正被其他程式使用，請關閉該程式",
            f"{device} is in use by another program; close it",
        )
    if code == errno.EACCES or "permission" in lowered or "access is denied" in lowered:
        # On Windows "access denied" is what a port held by another program reports.
        return (
            SourceStatus.ERROR,
            f"無法開啟 {device}：沒有權限或正被其他程式使用（Linux 請將使用者加入 dialout 群組）",
            f"cannot open {device}: no permission or in use by another program "
            "(Linux: add the user to the dialout group)",
        )
    return (
        SourceStatus.ERROR,
        f"無法開啟 {device}：{text}",
        f"cannot open {device}: {text}",
    )
