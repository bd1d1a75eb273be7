"""Which cameras this machine has, and why one cannot be used (missing or taken), zh and en."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from hardware.scan import SourceStatus

_SYSFS = Path("/sys/class/video4linux")


@dataclass(frozen=True)
class CameraInfo:
    index: int
    device: str  # /dev/video0 on Linux, "camera 0" elsewhere
    name: str

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "device": self.device, "name": self.name}


def list_cameras(max_probe: int = 4) -> list[CameraInfo]:
    """Cameras found; on Linux from sysfs without opening them (a camera in use stays so)."""
    if sys.platform.startswith("linux"):
        return _linux_cameras()
    return _probe_cameras(max_probe)


def _linux_cameras() -> list[CameraInfo]:
    found = []
    for node in sorted(Path("/dev").glob("video*")):
        suffix = node.name[len("video") :]
        if not suffix.isdigit():
            continue
        sysfs = _SYSFS / node.name
        # UVC cameras expose a second node for metadata (index 1); it yields no frames.
        if _read(sysfs / "index") not in ("", "0"):
            continue
        found.append(CameraInfo(int(suffix), str(node), _read(sysfs / "name") or node.name))
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _probe_cameras(max_probe: int) -> list[CameraInfo]:
    import cv2

    found = []
    for index in range(max_probe):
        capture = cv2.VideoCapture(index)
        try:
            if capture.isOpened():
                found.append(CameraInfo(index, f"camera {index}", f"camera {index}"))
        finally:
            capture.release()
    return found


def camera_missing(device: int | str) -> bool | None:
    """True when the OS shows no such camera; None where we cannot tell (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    path = Path(f"/dev/video{device}") if isinstance(device, int) else Path(device)
    return not path.exists()


def describe_camera_problem(
    device: int | str, missing: bool | None
) -> tuple[SourceStatus, str, str]:
    """The message for a camera that did not deliver a frame: not there, taken, or either."""
    label = f"裝置 {device}" if isinstance(device, int) else str(device)
    label_en = f"device {device}" if isinstance(device, int) else str(device)
    if missing:
        return (
            SourceStatus.WAITING,
            f"找不到攝影機（{label}），請確認已接上",
            f"No camera found ({label_en}); check that it is plugged in",
        )
    if missing is None:
        return (
            SourceStatus.WAITING,
            f"找不到攝影機（{label}），或已被其他程式占用",
            f"No camera found ({label_en}), or it is taken by another program",
        )
    return (
        SourceStatus.ERROR,
        f"攝影機（{label}）無法使用：可能正被其他程式（如視訊會議）占用，請關閉該程式",
        f"Camera ({label_en}) cannot be used: it may be taken by another program "
        "(e.g. a video call); close that program",
    )
