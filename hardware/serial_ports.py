"""Serial port discovery: which ports exist, what is plugged into them, and USB VID:PID.

Settings offer "Honeywell 1900 (0C2E:0B61)" instead of /dev/ttyACM0 or COM5, and a source
configured by VID:PID finds its scanner again when it comes back under a new port name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_VID_PID = re.compile(r"^\s*([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})\s*$")


@dataclass(frozen=True)
class PortInfo:
    device: str
    description: str = ""
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    manufacturer: str | None = None

    @property
    def vid_pid(self) -> str | None:
        if self.vid is None or self.pid is None:
            return None
        return f"{self.vid:04X}:{self.pid:04X}"

    @property
    def label(self) -> str:
        """What a settings list shows: the device's own name first, the port name last."""
        name = self.description if self.description and self.description != "n/a" else ""
        name = name or self.manufacturer or self.device
        usb = f" ({self.vid_pid})" if self.vid_pid else ""
        return f"{name}{usb} — {self.device}" if name != self.device else f"{name}{usb}"

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.device,
            "description": self.description,
            "vid_pid": self.vid_pid,
            "serial_number": self.serial_number,
            "manufacturer": self.manufacturer,
            "label": self.label,
        }


PortLister = Callable[[], list[PortInfo]]


def parse_vid_pid(text: str) -> tuple[int, int] | None:
    """`"0c2e:0b61"` -> (0x0C2E, 0x0B61); anything else -> None (it is a port name)."""
    match = _VID_PID.match(text)
    if match is None:
        return None
    return int(match.group(1), 16), int(match.group(2), 16)


def list_serial_ports() -> list[PortInfo]:
    """Every serial port the OS knows, USB ones (with VID:PID) first."""
    from serial.tools import list_ports

    found = [
        PortInfo(
            device=p.device,
            description=p.description or "",
            vid=p.vid,
            pid=p.pid,
            serial_number=p.serial_number,
            manufacturer=p.manufacturer,
        )
        for p in list_ports.comports()
    ]
    return sorted(found, key=lambda p: (p.vid is None, p.device))


def find_by_vid_pid(
    vid: int, pid: int, lister: PortLister = list_serial_ports, serial_number: str | None = None
) -> PortInfo | None:
    """The first port whose USB VID:PID (and serial number, if given) match."""
    for port in lister():
        same_device = port.vid == vid and port.pid == pid
        if same_device and serial_number in (None, port.serial_number):
            return port
    return None
