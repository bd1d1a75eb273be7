"""Port and camera discovery, and the messages for ports and cameras that cannot be used."""

from __future__ import annotations

import errno

import serial

from hardware.cameras import CameraInfo, camera_missing, describe_camera_problem, list_cameras
from hardware.scan import SourceStatus
from hardware.serial_ports import PortInfo, find_by_vid_pid, list_serial_ports, parse_vid_pid
from hardware.serial_source import describe_open_error

SCANNER = PortInfo("/dev/ttyACM0", "Honeywell 1900", 0x0C2E, 0x0B61, "A1", "Honeywell")


def test_port_label_names_the_device_before_the_port() -> None:
    assert SCANNER.vid_pid == "0C2E:0B61"
    assert SCANNER.label == "Honeywell 1900 (0C2E:0B61) — /dev/ttyACM0"
    assert PortInfo("/dev/ttyS0", "n/a").label == "/dev/ttyS0"
    assert PortInfo("COM5", "", manufacturer="FTDI").label == "FTDI — COM5"
    assert SCANNER.to_json()["vid_pid"] == "0C2E:0B61"


def test_parse_vid_pid() -> None:
    assert parse_vid_pid("0c2e:0B61") == (0x0C2E, 0x0B61)
    assert parse_vid_pid("/dev/ttyACM0") is None
    assert parse_vid_pid("COM5") is None


def test_find_by_vid_pid_and_serial_number() -> None:
    other = PortInfo("/dev/ttyUSB0", "FT232R", 0x0403, 0x6001)
    twin = PortInfo("/dev/ttyACM1", "Honeywell 1900", 0x0C2E, 0x0B61, "B2")
    ports = [other, SCANNER, twin]
    assert find_by_vid_pid(0x0C2E, 0x0B61, lambda: ports) == SCANNER
    assert find_by_vid_pid(0x0C2E, 0x0B61, lambda: ports, serial_number="B2") == twin
    assert find_by_vid_pid(0x1234, 0x5678, lambda: ports) is None


def test_real_port_listing_returns_port_infos() -> None:
    ports = list_serial_ports()
    assert all(isinstance(p, PortInfo) and p.device for p in ports)
    usb_first = [p.vid is None for p in ports]
    assert usb_first == sorted(usb_first)


def test_open_errors_become_advice() -> None:
    missing = serial.SerialException(errno.ENOENT, "could not open port x: No such file")
    assert describe_open_error("/dev/ttyACM0", missing)[0] is SourceStatus.WAITING
    locked = serial.SerialException("Could not exclusively lock port /dev/ttyACM0")
    status, zh, en = describe_open_error("/dev/ttyACM0", locked)
    assert status is SourceStatus.ERROR and "其他程式" in zh and "another program" in en
    denied = serial.SerialException(errno.EACCES, "Permission denied")
    assert "dialout" in describe_open_error("/dev/ttyACM0", denied)[2]
    windows = serial.SerialException(
        "could not open port 'COM5': PermissionError(13, 'Access is denied.')"
    )
    assert "其他程式" in describe_open_error("COM5", windows)[1]


def test_camera_listing_and_missing_camera() -> None:
    cameras = list_cameras()
    assert all(isinstance(c, CameraInfo) for c in cameras)
    assert camera_missing(97) is True


def test_camera_problem_messages_tell_missing_from_taken() -> None:
    status, zh, en = describe_camera_problem(0, missing=True)
    assert status is SourceStatus.WAITING and "找不到攝影機" in zh and "No camera found" in en
    status, zh, en = describe_camera_problem(0, missing=False)
    assert status is SourceStatus.ERROR and "其他程式" in zh and "another program" in en
    assert "或已被其他程式占用" in describe_camera_problem(0, missing=None)[1]
