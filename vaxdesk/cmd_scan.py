"""`vaxdesk scan ...`: find scanners and cameras, and watch what they read.

    vaxdesk scan ports [--json]
    vaxdesk scan image FILE... [--decoder zxing|pyzbar] [--json]   (exit 1: an image had no code)
    vaxdesk scan serial PORT [--baud N] [--json]        (PORT: /dev/ttyACM0, COM5 or VID:PID)
    vaxdesk scan webcam [--device N|FILE] [--json]

Scanned texts are usually ID numbers, so they are shown masked (A12****789) unless
--unmask is given. Ctrl-C stops a running scan.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from vaxdesk.cli import UserError

DECODERS = ("zxing", "pyzbar")  # hardware.decoders.DECODER_NAMES, without importing numpy
TERMINATORS = ("cr", "lf", "crlf", "none")
PARITIES = ("none", "even", "odd", "mark", "space")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    scan = subparsers.add_parser("scan", help="掃描器與攝影機 / scanners and cameras")
    sub = scan.add_subparsers(dest="scan_command", metavar="SUBCOMMAND", required=True)

    ports = sub.add_parser("ports", help="列出序列埠與攝影機 / list serial ports and cameras")
    ports.add_argument("--json", action="store_true", help="print JSON")
    ports.set_defaults(handler=_ports)

    image = sub.add_parser("image", help="解碼圖檔中的條碼 / decode codes in image files")
    image.add_argument("files", nargs="+", metavar="FILE")
    _add_decoder_options(image)
    _add_output_options(image)
    image.set_defaults(handler=_image)

    serial = sub.add_parser("serial", help="讀取序列掃描器 / read a serial scanner")
    serial.add_argument("port", metavar="PORT", help="/dev/ttyACM0, COM5, or USB VID:PID")
    serial.add_argument("--baud", type=int, default=9600)
    serial.add_argument("--parity", choices=PARITIES, default="none")
    serial.add_argument("--stopbits", type=float, choices=(1, 1.5, 2), default=1)
    serial.add_argument("--terminator", choices=TERMINATORS, default="cr")
    serial.add_argument("--prefix", default="", help="text the scanner puts before each code")
    serial.add_argument("--suffix", default="", help="text the scanner puts after each code")
    serial.add_argument("--aim", action="store_true", help="scanner sends AIM ids (]A0 ...)")
    _add_output_options(serial)
    serial.set_defaults(handler=_serial)

    webcam = sub.add_parser("webcam", help="以攝影機掃描 / scan with a webcam")
    webcam.add_argument("--device", default="0", help="camera index, video file or stream URL")
    webcam.add_argument("--width", type=int)
    webcam.add_argument("--height", type=int)
    webcam.add_argument("--realtime", action="store_true", help="play a file at its frame rate")
    _add_decoder_options(webcam)
    _add_output_options(webcam)
    webcam.set_defaults(handler=_webcam)


def _add_decoder_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--decoder", choices=DECODERS, help="default: the one bench_decode.py measured best"
    )
    parser.add_argument(
        "--symbologies", default="code39,code128,qr", help="comma list: code39,code128,qr"
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--unmask", action="store_true", help="show scanned texts in full")


# -- ports -----------------------------------------------------------------------------


def _ports(args: argparse.Namespace) -> int:
    from hardware.cameras import list_cameras
    from hardware.serial_ports import list_serial_ports

    ports = list_serial_ports()
    cameras = list_cameras()
    if args.json:
        doc = {"serial": [p.to_json() for p in ports], "cameras": [c.to_json() for c in cameras]}
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    print("序列埠 / Serial ports:")
    for port in ports:
        print(f"  {port.device:<16} {port.label}")
    if not ports:
        print("  （無 / none）")
    print("攝影機 / Cameras:")
    for camera in cameras:
        print(f"  {camera.index:<3} {camera.device:<14} {camera.name}")
    if not cameras:
        print("  （無 / none）")
    return 0


# -- image -----------------------------------------------------------------------------


def _image(args: argparse.Namespace) -> int:
    import cv2

    from hardware.decoders import DEFAULT_DECODER, make_decoder

    decoder = make_decoder(args.decoder or DEFAULT_DECODER, _symbologies(args.symbologies))
    show = _masker(args.unmask)
    missing = 0
    for name in args.files:
        gray = cv2.imread(name, cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise UserError(f"無法讀取圖檔 / cannot read image: {name}")
        found = decoder.decode(gray)
        missing += not found
        if args.json:
            for d in found:
                doc = {"file": name, "text": show(d.text), "symbology": d.symbology.value}
                print(json.dumps(doc, ensure_ascii=False), flush=True)
            if not found:
                print(json.dumps({"file": name, "text": None}), flush=True)
        elif found:
            for d in found:
                print(f"{name}: {show(d.text)}  [{d.symbology.value}]", flush=True)
        else:
            print(f"{name}: 找不到條碼 / no code found", flush=True)
    return 1 if missing else 0


# -- live sources ----------------------------------------------------------------------


def _serial(args: argparse.Namespace) -> int:
    from hardware.serial_ports import parse_vid_pid
    from hardware.serial_source import SerialConfig, SerialScanSource

    try:
        config = SerialConfig(
            port=args.port,
            baudrate=args.baud,
            parity=args.parity,
            stopbits=args.stopbits,
            terminator=args.terminator,
            prefix=args.prefix,
            suffix=args.suffix,
            aim_ids=args.aim,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if parse_vid_pid(args.port) is None:
        _check_port_opens(config)
    return _watch(lambda on_scan, on_state: SerialScanSource(config, on_scan, on_state), args)


def _check_port_opens(config: Any) -> None:
    """Fail with one line now rather than wait forever for a port that was mistyped."""
    import serial

    from hardware.serial_source import describe_open_error

    try:
        serial.Serial(config.port, baudrate=config.baudrate, exclusive=True).close()
    except (serial.SerialException, OSError, ValueError) as exc:
        _status, zh, en = describe_open_error(config.port, exc)
        raise UserError(f"{zh} / {en}") from exc


def _webcam(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hardware.cameras import camera_missing, describe_camera_problem
    from hardware.decoders import DEFAULT_DECODER
    from hardware.webcam_source import WebcamConfig, WebcamSource, parse_device

    device = parse_device(args.device)
    config = WebcamConfig(
        device=device,
        width=args.width,
        height=args.height,
        decoder=args.decoder or DEFAULT_DECODER,
        symbologies=_symbologies(args.symbologies),
        realtime=args.realtime,
    )
    if config.kind == "file" and not Path(str(device)).is_file():
        raise UserError(f"找不到影片檔 / video file not found: {device}")
    if config.kind == "device" and camera_missing(device):
        _status, zh, en = describe_camera_problem(device, True)
        raise UserError(f"{zh} / {en}")
    return _watch(lambda on_scan, on_state: WebcamSource(config, on_scan, on_state), args)


def _watch(make: Callable[[Any, Any], Any], args: argparse.Namespace) -> int:
    """Run a source, printing scans and state changes as they come, until Ctrl-C or the end."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    source = make(lambda scan: events.put(("scan", scan)), lambda st: events.put(("state", st)))
    show = _masker(args.unmask)
    finished = getattr(source, "finished", None)
    source.start()
    try:
        while True:
            try:
                kind, item = events.get(timeout=0.2)
            except queue.Empty:
                if finished is not None and finished.is_set() and events.empty():
                    return 0
                continue
            _print_event(kind, item, show, args.json)
    except KeyboardInterrupt:
        return 0
    finally:
        source.stop()


def _print_event(kind: str, item: Any, show: Callable[[str], str], as_json: bool) -> None:
    if kind == "scan":
        if as_json:
            doc = {
                "text": show(item.text),
                "symbology": item.symbology.value,
                "source": item.source,
                "wall": item.wall,
                "monotonic": item.monotonic,
            }
            print(json.dumps(doc, ensure_ascii=False), flush=True)
        else:
            at = datetime.fromtimestamp(item.wall).strftime("%H:%M:%S")
            print(f"{at}  {show(item.text)}  [{item.symbology.value}]", flush=True)
        return
    if as_json:
        doc = {"state": item.status.value, "reason_zh": item.reason_zh, "reason_en": item.reason_en}
        print(json.dumps(doc, ensure_ascii=False), flush=True)
    else:
        print(f"# {item.reason_zh} / {item.reason_en}", file=sys.stderr, flush=True)


def _masker(unmask: bool) -> Callable[[str], str]:
    if unmask:
        return lambda text: text
    from vaccination.ids import mask_id

    return mask_id


def _symbologies(text: str) -> tuple[Any, ...]:
    from hardware.scan import parse_symbologies

    try:
        return parse_symbologies(text)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
