"""Printers chosen by URI: a renderer (job -> bytes or PDF) composed with a transport.

    usb://04b8:0202              USB printer-class device by vendor:product id
    serial:///dev/ttyUSB0?baudrate=19200
    tcp://192.168.1.50:9100      network printer, raw port
    file:///dev/usb/lp0          device file (or a plain file)
    cups://QUEUE                 a CUPS queue, sent raw through `lp`
    pdf:///home/desk/tickets     no thermal printer: each job becomes a small PDF there

Query options for thermal printers: profile=TM-T88V (python-escpos model), paper=58|80,
mode=text|raster, code=qr|code128, timeout=SECONDS, status=0 (tcp: skip status checks).
Serial printers default to text mode (a raster ticket takes ~30 s at 9600 baud); all
others default to raster, which prints Chinese on every model.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from printing.errors import ErrorKind, PrinterError
from printing.thermal import Line, ThermalDocument, ThermalProfile
from printing.transports import (
    CupsTransport,
    FileTransport,
    SerialTransport,
    TcpTransport,
    Transport,
    UsbTransport,
    os_error_to_printer_error,
)

JOB_TICKET: Final[str] = "ticket"
JOB_CONSENT_SLIP: Final[str] = "consent_slip"
JOB_TEST_PAGE: Final[str] = "test_page"
JOB_RECORD_CARD: Final[str] = "record_card"
JOB_KINDS: Final[frozenset[str]] = frozenset(
    {JOB_TICKET, JOB_CONSENT_SLIP, JOB_TEST_PAGE, JOB_RECORD_CARD}
)

_USB = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")


class Printer(Protocol):
    """Prints one stored job; raises PrinterError when the printer cannot take it."""

    uri: str

    def print_job(self, kind: str, payload: dict[str, Any], name: str = "job") -> None: ...


def test_page_document(uri: str, profile: ThermalProfile | None = None) -> ThermalDocument:
    """A page that shows whether Chinese, the large digits and the scan code come out right."""
    setup = f"{profile.paper_mm} mm  {profile.mode}  {profile.escpos_profile}" if profile else "PDF"
    return ThermalDocument(
        lines=(
            Line("VaxDesk 印表機測試", bold=True),
            Line("Printer test page"),
            Line("A123", scale=4, bold=True),
            Line("繁體中文：臺南市衛生局接種站"),
            Line(setup),
            Line(time.strftime("%Y-%m-%d %H:%M:%S")),
        ),
        code="VAXDESK-TEST",
        code_caption=uri,
    )


def thermal_job_document(kind: str, payload: dict[str, Any], paper_mm: int) -> ThermalDocument:
    """The receipt of a stored job."""
    from printing.consent import ConsentData, consent_slip_document
    from printing.record_card import RecordCardData, record_card_document
    from printing.ticket import TicketData, ticket_document

    if kind == JOB_TICKET:
        return ticket_document(TicketData.from_json(payload), paper_mm)
    if kind == JOB_RECORD_CARD:
        return record_card_document(RecordCardData.from_json(payload))
    if kind == JOB_CONSENT_SLIP:
        return consent_slip_document(ConsentData.from_json(payload))
    if kind == JOB_TEST_PAGE:
        return test_page_document(str(payload.get("uri", "")))
    raise ValueError(f"unknown print job kind {kind!r}")


@dataclass
class ThermalPrinter:
    """An ESC/POS receipt printer: renders with its profile, sends through its transport."""

    uri: str
    transport: Transport
    profile: ThermalProfile

    def render(self, kind: str, payload: dict[str, Any]) -> bytes:
        """The byte stream of a job for this printer."""
        from printing.thermal import render_thermal

        if kind == JOB_TEST_PAGE:
            return render_thermal(test_page_document(self.uri, self.profile), self.profile)
        return render_thermal(
            thermal_job_document(kind, payload, self.profile.paper_mm), self.profile
        )

    def print_job(self, kind: str, payload: dict[str, Any], name: str = "job") -> None:
        self.transport.send(self.render(kind, payload))

    def warm_up(self) -> None:
        """Load python-escpos and the font sizes of a ticket (~0.3 s) before the first one."""
        from printing.ticket import TicketData

        sample = TicketData(
            site_name="接種站", queue_number="A000", printed_at=datetime(2000, 1, 1),
            product_label="", dose_label="", masked_name="", masked_id="", checkin_id="warm-up",
        )  # fmt: skip
        self.render(JOB_TICKET, sample.to_json())


@dataclass
class PdfPrinter:
    """A desk without a thermal printer: each job is written as a PDF into a folder (or file)."""

    uri: str
    path: Path

    def output_path(self, name: str) -> Path:
        """Where a job goes: PATH itself when it names a .pdf, else PATH/NAME.pdf."""
        if self.path.suffix.lower() == ".pdf":
            return self.path
        safe = re.sub(r"[^\w.-]+", "_", name)
        return self.path / f"{safe}.pdf"

    def render(self, kind: str, payload: dict[str, Any]) -> bytes:
        """The PDF of a job."""
        from printing.consent import ConsentData, render_consent_pdf
        from printing.ticket import TicketData, render_ticket_pdf

        if kind == JOB_TICKET:
            return render_ticket_pdf(TicketData.from_json(payload))
        if kind == JOB_CONSENT_SLIP:
            return render_consent_pdf(ConsentData.from_json(payload))
        if kind == JOB_RECORD_CARD:
            from printing.record_card import RecordCardData, record_card_document
            from printing.ticket import render_document_pdf

            card = RecordCardData.from_json(payload)
            return render_document_pdf(record_card_document(card), f"小黃卡 {card.queue_number}")
        if kind == JOB_TEST_PAGE:
            from printing.ticket import TicketData

            sample = TicketData(
                site_name="VaxDesk 印表機測試 Printer test",
                queue_number="A123",
                printed_at=datetime.now().replace(microsecond=0),
                product_label="繁體中文測試",
                dose_label="",
                masked_name="王○明",
                masked_id="A12****789",
                checkin_id="VAXDESK-TEST",
            )
            return render_ticket_pdf(sample)
        raise ValueError(f"unknown print job kind {kind!r}")

    def print_job(self, kind: str, payload: dict[str, Any], name: str = "job") -> None:
        data = self.render(kind, payload)
        out = self.output_path(name)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".pdf.part")
            tmp.write_bytes(data)
            tmp.replace(out)  # a reader never sees half a PDF
        except OSError as exc:
            raise os_error_to_printer_error(exc, self.uri) from exc


def _option(query: dict[str, list[str]], key: str, default: str) -> str:
    values = query.get(key)
    return values[-1] if values else default


def _number(uri: str, value: str, what: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise PrinterError(ErrorKind.BAD_URI, uri, f"{what}={value!r}") from None


def open_printer(uri: str) -> Printer:
    """The printer for `uri` (see the module docstring); raises PrinterError(BAD_URI)."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    # file:///dev/x and pdf:///x give the path in `path`; file://relative/x puts "relative"
    # in the netloc: both are accepted.
    local_path = unquote(parts.netloc + parts.path)
    if scheme == "pdf":
        if not local_path:
            raise PrinterError(ErrorKind.BAD_URI, uri, "pdf://PATH needs a folder or a .pdf file")
        return PdfPrinter(uri, Path(local_path))

    timeout = _number(uri, _option(query, "timeout", "5"), "timeout")
    transport: Transport
    if scheme == "tcp":
        if not parts.hostname:
            raise PrinterError(ErrorKind.BAD_URI, uri, "tcp://HOST:PORT")
        try:
            port = parts.port or 9100
        except ValueError:
            raise PrinterError(ErrorKind.BAD_URI, uri, "port must be a number") from None
        transport = TcpTransport(
            parts.hostname, port, timeout=timeout, check_status=_option(query, "status", "1") != "0"
        )
    elif scheme == "serial":
        if not local_path:
            raise PrinterError(ErrorKind.BAD_URI, uri, "serial:///dev/ttyUSB0?baudrate=19200")
        baud = int(_number(uri, _option(query, "baudrate", "9600"), "baudrate"))
        transport = SerialTransport(local_path, baud, timeout=max(timeout, 60.0))
    elif scheme == "file":
        if not local_path:
            raise PrinterError(ErrorKind.BAD_URI, uri, "file:///dev/usb/lp0")
        transport = FileTransport(local_path)
    elif scheme == "usb":
        match = _USB.match(parts.netloc)
        if not match:
            raise PrinterError(ErrorKind.BAD_URI, uri, "usb://VID:PID, e.g. usb://04b8:0202")
        transport = UsbTransport(int(match[1], 16), int(match[2], 16))
    elif scheme == "cups":
        queue = unquote(parts.netloc or parts.path.strip("/"))
        if not queue:
            raise PrinterError(ErrorKind.BAD_URI, uri, "cups://QUEUE")
        transport = CupsTransport(queue)
    else:
        raise PrinterError(
            ErrorKind.BAD_URI,
            uri,
            "use usb://, serial://, tcp://, file://, cups:// or pdf://",
            "請用 usb://、serial://、tcp://、file://、cups:// 或 pdf://",
        )

    try:
        profile = ThermalProfile(
            escpos_profile=_option(query, "profile", "default"),
            paper_mm=int(_number(uri, _option(query, "paper", "80"), "paper")),
            mode=_option(query, "mode", "text" if scheme == "serial" else "raster"),  # type: ignore[arg-type]
            code=_option(query, "code", "qr"),  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise PrinterError(ErrorKind.BAD_URI, uri, str(exc)) from exc
    return ThermalPrinter(uri, transport, profile)
