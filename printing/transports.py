"""Printer transports: each sends one job's bytes to a device and maps failures to PrinterError.

One small class per way of reaching a printer (network port 9100, serial port, device
file, USB printer class device, CUPS queue). A transport knows nothing about tickets;
`printing.printers` composes a renderer with one of these.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Final, Protocol

from printing.errors import ErrorKind, PrinterError

DLE_EOT_PRINTER: Final[bytes] = b"\x10\x04\x01"  # real-time status: printer
DLE_EOT_PAPER: Final[bytes] = b"\x10\x04\x04"  # real-time status: roll paper sensor
_PAPER_END_BITS: Final[int] = 0x60  # bits 5 and 6 of the paper status: paper end


class Transport(Protocol):
    """Sends the bytes of one whole job; raises PrinterError when they did not arrive."""

    target: str

    def send(self, data: bytes) -> None: ...


def os_error_to_printer_error(exc: OSError, target: str) -> PrinterError:
    """The typed error for an OS failure while talking to `target`."""
    code = exc.errno
    if isinstance(exc, FileNotFoundError) or code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return PrinterError(ErrorKind.DEVICE_MISSING, target, str(exc))
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return PrinterError(ErrorKind.PERMISSION_DENIED, target, str(exc))
    if isinstance(exc, ConnectionRefusedError):
        return PrinterError(ErrorKind.REFUSED, target, str(exc))
    if isinstance(exc, TimeoutError | socket.timeout) or code == errno.ETIMEDOUT:
        return PrinterError(ErrorKind.TIMEOUT, target, str(exc))
    if isinstance(exc, ConnectionError) or code in (errno.EPIPE, errno.ECONNRESET):
        return PrinterError(ErrorKind.CONNECTION_LOST, target, str(exc))
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
        return PrinterError(ErrorKind.TIMEOUT, target, str(exc))
    if code == errno.ENOSPC:  # the Linux usblp driver reports a paper-out this way
        return PrinterError(ErrorKind.OUT_OF_PAPER, target, str(exc))
    return PrinterError(ErrorKind.IO_ERROR, target, exc.strerror or str(exc))


class TcpTransport:
    """A network printer on a raw port (JetDirect, 9100).

    Before sending it asks for the paper status (DLE EOT 4) and refuses to send into an
    empty printer; after sending it asks for the printer status (DLE EOT 1), so a
    connection that died mid-job shows up as an error and the job is sent again whole.
    A printer that never answers status requests is trusted once the bytes are out.
    """

    def __init__(
        self, host: str, port: int = 9100, timeout: float = 5.0, status_timeout: float = 1.0,
        check_status: bool = True,
    ) -> None:  # fmt: skip
        self.host = host
        self.port = port
        self.timeout = timeout
        self.status_timeout = status_timeout
        self.check_status = check_status
        self.target = f"tcp://{host}:{port}"
        # Learned on the first job: a printer that ignores DLE EOT is not asked again,
        # so it does not cost a status timeout on every ticket.
        self._answers_status: bool | None = None

    def send(self, data: bytes) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except socket.gaierror as exc:
            raise PrinterError(ErrorKind.DEVICE_MISSING, self.target, str(exc)) from exc
        except OSError as exc:
            raise os_error_to_printer_error(exc, self.target) from exc
        with sock:
            try:
                answers = (
                    self.check_status and self._answers_status is not False and self._paper_ok(sock)
                )
                if self.check_status and self._answers_status is None:
                    self._answers_status = answers
                sock.settimeout(self.timeout)
                sock.sendall(data)
                if answers:
                    self._confirm(sock)
                sock.shutdown(socket.SHUT_WR)
            except OSError as exc:
                raise os_error_to_printer_error(exc, self.target) from exc

    def _query(self, sock: socket.socket, request: bytes) -> bytes | None:
        """One status byte; None when the printer does not answer; b"" when it hung up."""
        sock.settimeout(self.status_timeout)
        sock.sendall(request)
        try:
            return sock.recv(1)
        except TimeoutError:
            return None

    def _paper_ok(self, sock: socket.socket) -> bool:
        """Raises when the printer reports a paper end; returns whether it answers at all."""
        reply = self._query(sock, DLE_EOT_PAPER)
        if reply is None:
            return False
        if reply == b"":
            raise PrinterError(ErrorKind.CONNECTION_LOST, self.target, "closed before printing")
        if reply[0] & _PAPER_END_BITS:
            raise PrinterError(ErrorKind.OUT_OF_PAPER, self.target)
        return True

    def _confirm(self, sock: socket.socket) -> None:
        # The printer answered before the job, so silence or a hang-up now means trouble.
        sock.settimeout(self.timeout)
        sock.sendall(DLE_EOT_PRINTER)
        if sock.recv(1) == b"":
            raise PrinterError(ErrorKind.CONNECTION_LOST, self.target, "closed during the job")


class SerialTransport:
    """A printer on a serial port (RS-232 or USB-serial), via pyserial."""

    def __init__(self, device: str, baudrate: int = 9600, timeout: float = 60.0) -> None:
        self.device = device
        self.baudrate = baudrate
        self.timeout = timeout
        self.target = f"serial://{device}"

    def send(self, data: bytes) -> None:
        import serial

        try:
            with serial.Serial(
                self.device,
                self.baudrate,
                timeout=self.timeout,
                write_timeout=self.timeout,
                rtscts=False,
            ) as port:
                port.write(data)
                port.flush()
        except serial.SerialTimeoutException as exc:
            raise PrinterError(ErrorKind.TIMEOUT, self.target, str(exc)) from exc
        except serial.SerialException as exc:
            # pyserial wraps the OSError; its errno is what tells missing from forbidden.
            cause = exc.__context__ if isinstance(exc.__context__, OSError) else None
            err = getattr(exc, "errno", None) or (cause.errno if cause else None)
            raise os_error_to_printer_error(OSError(err, str(exc)), self.target) from exc
        except OSError as exc:
            raise os_error_to_printer_error(exc, self.target) from exc


class FileTransport:
    """A device file such as /dev/usb/lp0 (or a plain file, for capturing a job)."""

    def __init__(self, path: str | Path, target: str | None = None) -> None:
        self.path = Path(path)
        self.target = target or f"file://{self.path}"

    def send(self, data: bytes) -> None:
        try:
            with open(self.path, "wb") as out:
                out.write(data)
                out.flush()
        except OSError as exc:
            raise os_error_to_printer_error(exc, self.target) from exc


class UsbTransport:
    """A USB printer-class device found by vendor and product id (usb://04b8:0202).

    On Linux the kernel's usblp driver gives each printer a /dev/usb/lpN; we find the
    one whose USB device carries the ids, so no libusb or driver detaching is needed.
    """

    def __init__(
        self, vendor: int, product: int, sysfs: Path = Path("/sys"), dev: Path = Path("/dev")
    ) -> None:
        self.vendor = vendor
        self.product = product
        self.sysfs = sysfs
        self.dev = dev
        self.target = f"usb://{vendor:04x}:{product:04x}"

    def device_path(self) -> Path:
        """The /dev/usb/lpN of the printer; raises PrinterError when it is not plugged in."""
        base = self.sysfs / "class" / "usbmisc"
        if base.is_dir():
            for entry in sorted(base.iterdir()):
                if not entry.name.startswith("lp"):
                    continue
                device = (entry / "device").resolve()
                # device/ is the USB interface; the ids live on the USB device above it.
                for node in (device, device.parent):
                    if self._ids(node) == (self.vendor, self.product):
                        return self.dev / "usb" / entry.name
        raise PrinterError(
            ErrorKind.DEVICE_MISSING, self.target, "no USB printer with these ids is plugged in"
        )

    @staticmethod
    def _ids(node: Path) -> tuple[int, int] | None:
        try:
            vendor = int((node / "idVendor").read_text().strip(), 16)
            product = int((node / "idProduct").read_text().strip(), 16)
        except (OSError, ValueError):
            return None
        return vendor, product

    def send(self, data: bytes) -> None:
        FileTransport(self.device_path(), self.target).send(data)


class CupsTransport:
    """A CUPS queue, sent raw through the `lp` command of cups-client."""

    def __init__(self, queue: str, timeout: float = 30.0) -> None:
        self.queue = queue
        self.timeout = timeout
        self.target = f"cups://{queue}"

    def send(self, data: bytes) -> None:
        lp = shutil.which("lp", path=os.environ.get("PATH"))
        if lp is None:
            raise PrinterError(ErrorKind.NO_CUPS, self.target)
        try:
            done = subprocess.run(
                [lp, "-d", self.queue, "-o", "raw", "-t", "VaxDesk"],
                input=data,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PrinterError(ErrorKind.TIMEOUT, self.target, "lp") from exc
        except OSError as exc:
            raise os_error_to_printer_error(exc, self.target) from exc
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PrinterError(
                ErrorKind.CUPS_FAILED,
                self.target,
                detail[0] if detail else f"lp exit {done.returncode}",
            )
