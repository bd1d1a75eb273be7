"""Transports against real endpoints: a TCP 9100 emulator, a pseudo-terminal, files, lp."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from printing.emulator import NetworkPrinterEmulator
from printing.errors import ErrorKind, PrinterError, PrinterState
from printing.printers import PdfPrinter, ThermalPrinter, open_printer
from printing.transports import (
    CupsTransport,
    FileTransport,
    SerialTransport,
    TcpTransport,
    UsbTransport,
    os_error_to_printer_error,
)

pytestmark = pytest.mark.hardware

JOB = b"\x1b@" + "臺南接種站".encode("cp950") + b"\n" * 3 + b"\x1dV\x01"


def test_tcp_job_arrives_whole(emulator: NetworkPrinterEmulator) -> None:
    TcpTransport("127.0.0.1", emulator.port).send(JOB)
    assert emulator.wait_for_jobs(1) == [JOB]
    assert emulator.received[0].status_requests == 2  # paper before, printer after


def test_tcp_refused_when_the_printer_is_off(emulator: NetworkPrinterEmulator) -> None:
    emulator.stop()
    with pytest.raises(PrinterError) as info:
        TcpTransport("127.0.0.1", emulator.port).send(JOB)
    assert info.value.kind is ErrorKind.REFUSED
    assert info.value.state is PrinterState.OFFLINE
    assert "拒絕連線" in info.value.message_zh and "refused" in info.value.message_en


def test_tcp_out_of_paper_is_reported_before_anything_is_sent(
    emulator: NetworkPrinterEmulator,
) -> None:
    emulator.paper_out = True
    with pytest.raises(PrinterError) as info:
        TcpTransport("127.0.0.1", emulator.port).send(JOB)
    assert info.value.kind is ErrorKind.OUT_OF_PAPER
    assert info.value.state is PrinterState.OUT_OF_PAPER
    assert "缺紙" in info.value.message_zh
    emulator.paper_out = False
    assert emulator.jobs == []


def test_tcp_connection_cut_mid_job_is_an_error(emulator: NetworkPrinterEmulator) -> None:
    big = JOB + bytes(200_000) + b"\x1dV\x01"
    emulator.drop_next_connection_after(50_000)
    with pytest.raises(PrinterError) as info:
        TcpTransport("127.0.0.1", emulator.port).send(big)
    assert info.value.kind is ErrorKind.CONNECTION_LOST
    [cut] = emulator.wait_for_connections(1)
    assert not cut.whole and len(cut.data) == 50_000


def test_tcp_printer_without_status_answers_still_gets_the_job(
    emulator: NetworkPrinterEmulator,
) -> None:
    emulator.answers_status = False
    TcpTransport("127.0.0.1", emulator.port, status_timeout=0.2).send(JOB)
    [job] = emulator.wait_for_jobs(1)
    assert job.endswith(JOB)


def test_tcp_timeout_when_the_printer_stops_reading() -> None:
    # A listener that accepts but never reads: the send buffers fill up.
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    thread.start()
    try:
        transport = TcpTransport(
            "127.0.0.1", server.getsockname()[1], timeout=0.5, check_status=False
        )
        with pytest.raises(PrinterError) as info:
            transport.send(bytes(64 * 1024 * 1024))
        assert info.value.kind is ErrorKind.TIMEOUT
    finally:
        for conn in accepted:
            conn.close()
        server.close()


def test_serial_printer_on_a_pseudo_terminal_receives_the_bytes() -> None:
    master, slave = os.openpty()
    try:
        transport = SerialTransport(os.ttyname(slave), baudrate=19200, timeout=5)
        transport.send(JOB)
        got = b""
        while len(got) < len(JOB):
            got += os.read(master, 4096)
        assert got == JOB
    finally:
        os.close(master)
        os.close(slave)


def test_serial_device_missing() -> None:
    with pytest.raises(PrinterError) as info:
        SerialTransport("/dev/ttyUSB-vaxdesk-missing").send(JOB)
    assert info.value.kind is ErrorKind.DEVICE_MISSING
    assert "找不到印表機" in info.value.message_zh


def test_file_transport_writes_the_job(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    FileTransport(target).send(JOB)
    assert target.read_bytes() == JOB


def test_file_transport_missing_device(tmp_path: Path) -> None:
    with pytest.raises(PrinterError) as info:
        FileTransport(tmp_path / "usb" / "lp9").send(JOB)
    assert info.value.kind is ErrorKind.DEVICE_MISSING


def test_permission_and_paper_errors_of_the_os_are_typed() -> None:
    # Tests run as root, where no real file refuses access: map the OS errors directly.
    denied = os_error_to_printer_error(PermissionError(13, "Permission denied"), "file:///x")
    assert denied.kind is ErrorKind.PERMISSION_DENIED and "權限" in denied.message_zh
    paper = os_error_to_printer_error(OSError(28, "No space left on device"), "usb://1:2")
    assert paper.kind is ErrorKind.OUT_OF_PAPER


def _fake_sysfs(root: Path, name: str, vendor: str, product: str) -> None:
    usb_device = root / "devices" / "usb1" / "1-1"
    interface = usb_device / "1-1:1.0"
    interface.mkdir(parents=True)
    (usb_device / "idVendor").write_text(vendor + "\n")
    (usb_device / "idProduct").write_text(product + "\n")
    cls = root / "class" / "usbmisc"
    cls.mkdir(parents=True)
    (cls / name).mkdir()
    (cls / name / "device").symlink_to(interface)


def test_usb_printer_is_found_by_its_ids_and_written_to(tmp_path: Path) -> None:
    sysfs, dev = tmp_path / "sys", tmp_path / "dev"
    _fake_sysfs(sysfs, "lp1", "04b8", "0202")
    (dev / "usb").mkdir(parents=True)
    transport = UsbTransport(0x04B8, 0x0202, sysfs=sysfs, dev=dev)
    assert transport.device_path() == dev / "usb" / "lp1"
    transport.send(JOB)
    assert (dev / "usb" / "lp1").read_bytes() == JOB


def test_usb_printer_not_plugged_in(tmp_path: Path) -> None:
    sysfs = tmp_path / "sys"
    _fake_sysfs(sysfs, "lp0", "0416", "5011")
    with pytest.raises(PrinterError) as info:
        UsbTransport(0x04B8, 0x0202, sysfs=sysfs, dev=tmp_path).send(JOB)
    assert info.value.kind is ErrorKind.DEVICE_MISSING
    assert "usb://04b8:0202" in info.value.message_en


def _fake_lp(folder: Path, script: str) -> None:
    folder.mkdir()
    lp = folder / "lp"
    lp.write_text("#!/bin/sh\n" + script)
    lp.chmod(lp.stat().st_mode | stat.S_IXUSR)


def test_cups_sends_the_job_raw_through_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "spooled"
    _fake_lp(tmp_path / "bin", f'echo "$@" > {out}.args\ncat > {out}\n')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    CupsTransport("Receipt_1").send(JOB)
    assert out.read_bytes() == JOB
    assert Path(f"{out}.args").read_text().split()[:4] == ["-d", "Receipt_1", "-o", "raw"]


def test_cups_error_is_passed_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lp(tmp_path / "bin", 'echo "lp: The printer or class does not exist." >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(PrinterError) as info:
        CupsTransport("nope").send(JOB)
    assert info.value.kind is ErrorKind.CUPS_FAILED
    assert "does not exist" in info.value.message_en


def test_cups_without_cups_client_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrinterError) as info:
        CupsTransport("Receipt_1").send(JOB)
    assert info.value.kind is ErrorKind.NO_CUPS
    assert "cups-client" in info.value.message_zh and "cups-client" in info.value.message_en


def test_uris_choose_transport_paper_and_mode() -> None:
    serial = open_printer("serial:///dev/ttyUSB0?baudrate=19200")
    assert isinstance(serial, ThermalPrinter) and isinstance(serial.transport, SerialTransport)
    assert serial.transport.baudrate == 19200
    assert serial.profile.mode == "text"  # raster takes ~30 s a ticket at serial speeds
    net = open_printer("tcp://10.0.0.9?paper=58&profile=TM-T20II")
    assert isinstance(net, ThermalPrinter) and isinstance(net.transport, TcpTransport)
    assert (net.transport.port, net.profile.paper_mm, net.profile.mode) == (9100, 58, "raster")
    assert net.profile.width_px == 384
    usb = open_printer("usb://04b8:0202?mode=text")
    assert isinstance(usb, ThermalPrinter) and isinstance(usb.transport, UsbTransport)
    assert open_printer("file:///dev/usb/lp0").transport.path == Path("/dev/usb/lp0")  # type: ignore[attr-defined]
    assert isinstance(open_printer("cups://Receipt").transport, CupsTransport)  # type: ignore[attr-defined]
    assert isinstance(open_printer("pdf:///tmp/tickets"), PdfPrinter)


@pytest.mark.parametrize(
    "uri", ["lpt://1", "usb://04b8", "tcp://", "tcp://h:port", "tcp://h?paper=70", "pdf://"]
)
def test_bad_uris_are_explained(uri: str) -> None:
    with pytest.raises(PrinterError) as info:
        open_printer(uri)
    assert info.value.kind is ErrorKind.BAD_URI
    assert "無法辨識" in info.value.message_zh


def test_a_printer_that_ignores_status_requests_is_not_asked_again(
    emulator: NetworkPrinterEmulator,
) -> None:
    emulator.answers_status = False
    transport = TcpTransport("127.0.0.1", emulator.port, status_timeout=0.2)
    transport.send(JOB)
    transport.send(JOB)
    first, second = emulator.wait_for_jobs(2)
    assert first == b"\x10\x04\x04" + JOB  # asked once, got no answer
    assert second == JOB  # then trusted without the status wait
