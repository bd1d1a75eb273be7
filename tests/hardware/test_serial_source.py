"""Serial scanners end to end on a real pseudo-terminal: reads, garbage, unplug and replug."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hardware.pty_scanner import PtyScanner
from hardware.scan import Deduplicator, Scan, SourceStatus, Symbology
from hardware.serial_ports import PortInfo
from hardware.serial_source import SerialConfig, SerialScanSource

if TYPE_CHECKING:
    from tests.hardware.conftest import Recorder

pytestmark = pytest.mark.hardware


def _source(port: str | Path, recorder: Recorder, **options: object) -> SerialScanSource:
    config = SerialConfig(port=str(port), reconnect_interval=0.05, **options)  # type: ignore[arg-type]
    return SerialScanSource(config, recorder.scan, recorder.state)


def test_codes_arrive_whole_and_in_order_however_the_bytes_are_chunked(
    pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    with _source(pty_scanner.link, recorder) as source:
        recorder.wait_status(SourceStatus.CONNECTED)
        pty_scanner.send(ids[0].encode() + b"\r")
        assert recorder.wait_scans(1) == [ids[0]]
        pty_scanner.send(ids[1][:4].encode())
        pty_scanner.send(ids[1][4:].encode() + b"\r")
        pty_scanner.send(f"{ids[2]}\r{ids[3]}\r".encode())
        assert recorder.wait_scans(4) == ids
        assert "掃描器已連線" in source.state.reason_zh
    assert all(s.source == f"serial:{pty_scanner.link}" for s in recorder.scans)
    assert all(s.symbology is Symbology.UNKNOWN for s in recorder.scans)
    assert source.state.status is SourceStatus.STOPPED
    assert not source.running


@pytest.mark.parametrize("terminator", ["lf", "crlf"])
def test_other_terminators(
    terminator: str, pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    ending = {"lf": b"\n", "crlf": b"\r\n"}[terminator]
    with _source(pty_scanner.link, recorder, terminator=terminator, baudrate=115200):
        recorder.wait_status(SourceStatus.CONNECTED)
        pty_scanner.send(ids[0].encode() + ending + ids[1].encode() + ending)
        assert recorder.wait_scans(2) == ids[:2]


def test_no_terminator_ends_a_code_after_the_inter_character_pause(
    pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    # 0.2 s: the two writes below must not look like two codes on a loaded machine.
    with _source(pty_scanner.link, recorder, terminator="none", inter_char_timeout=0.2):
        recorder.wait_status(SourceStatus.CONNECTED)
        pty_scanner.send(ids[0][:5].encode())
        pty_scanner.send(ids[0][5:].encode())
        assert recorder.wait_scans(1) == [ids[0]]
        pty_scanner.send(ids[1].encode())
        assert recorder.wait_scans(2) == ids[:2]


def test_prefix_suffix_and_aim_identifier_are_cut(
    pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    options = {"prefix": "DESK1:", "suffix": "#", "aim_ids": True, "parity": "even"}
    with _source(pty_scanner.link, recorder, **options):
        recorder.wait_status(SourceStatus.CONNECTED)
        pty_scanner.send(f"DESK1:]A0{ids[0]}#\r".encode())
        pty_scanner.send(f"DESK1:]Q1{ids[1]}#\r".encode())
        assert recorder.wait_scans(2) == ids[:2]
    assert [s.symbology for s in recorder.scans] == [Symbology.CODE39, Symbology.QR]


def test_noise_between_codes_never_reaches_the_desk(
    pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    with _source(pty_scanner.link, recorder, stale_after=0.2):
        recorder.wait_status(SourceStatus.CONNECTED)
        # Line noise: control bytes and invalid UTF-8 around and inside a code's line.
        pty_scanner.send(b"\x00\xff\x1b" + ids[0].encode() + b"\x00\r")
        # Bare terminators and noise-only lines make no scan at all.
        pty_scanner.send(b"\r\r\x00\xfe\r")
        # A fragment that never gets its terminator is dropped once it goes stale.
        pty_scanner.send(b"ZX81")
        time.sleep(0.6)
        pty_scanner.send(ids[1].encode() + b"\r")
        assert recorder.wait_scans(2) == ids[:2]
        time.sleep(0.1)
    assert recorder.texts == ids[:2]


def test_unplug_mid_code_then_replug_recovers_without_restart(
    pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    with _source(pty_scanner.link, recorder) as source:
        recorder.wait_status(SourceStatus.CONNECTED)
        pty_scanner.send(ids[0].encode() + b"\r")
        recorder.wait_scans(1)
        pty_scanner.send(ids[1][:6].encode())  # half a code, then the cable is pulled
        deadline = time.monotonic() + 10
        while not source.framer.pending and time.monotonic() < deadline:
            time.sleep(0.01)
        assert source.framer.pending == ids[1][:6].encode()
        mark = len(recorder.states)
        pty_scanner.unplug()
        lost = recorder.wait_status(SourceStatus.WAITING, after=mark)
        assert "等待" in lost.reason_zh
        assert "waiting" in lost.reason_en
        mark = len(recorder.states)
        pty_scanner.plug()
        recorder.wait_status(SourceStatus.CONNECTED, after=mark)
        pty_scanner.send(ids[2].encode() + b"\r")
        assert recorder.wait_scans(2) == [ids[0], ids[2]]
        pty_scanner.send(ids[1].encode() + b"\r")
        assert recorder.wait_scans(3) == [ids[0], ids[2], ids[1]]
        assert source.framer.dropped_partials >= 1


def test_vid_pid_finds_the_scanner_again_under_a_new_port_name(
    tmp_path: Path, recorder: Recorder, ids: list[str]
) -> None:
    first = PtyScanner(tmp_path / "ttyACM0")
    second = PtyScanner(tmp_path / "ttyACM1")

    def lister() -> list[PortInfo]:
        plugged = [p for p in (first, second) if p.plugged]
        return [PortInfo(str(p.link), "Barcode Scanner", 0x0C2E, 0x0B61) for p in plugged]

    config = SerialConfig(port="0c2e:0b61", reconnect_interval=0.05)
    source = SerialScanSource(config, recorder.scan, recorder.state, port_lister=lister)
    try:
        source.start()
        waiting = recorder.wait_status(SourceStatus.WAITING)
        assert "0C2E:0B61" in waiting.reason_en
        first.plug()
        recorder.wait_status(SourceStatus.CONNECTED)
        assert source.connected_device == str(first.link)
        first.send(ids[0].encode() + b"\r")
        recorder.wait_scans(1)
        mark = len(recorder.states)
        first.unplug()
        second.plug()
        recorder.wait_status(SourceStatus.CONNECTED, after=mark)
        assert source.connected_device == str(second.link)
        second.send(ids[1].encode() + b"\r")
        assert recorder.wait_scans(2) == ids[:2]
    finally:
        source.stop()
        first.close()
        second.close()


def test_port_taken_by_another_program_is_reported(
    pty_scanner: PtyScanner, recorder: Recorder
) -> None:
    other = type(recorder)()
    with _source(pty_scanner.link, other):
        other.wait_status(SourceStatus.CONNECTED)
        with _source(pty_scanner.link, recorder):
            state = recorder.wait_status(SourceStatus.ERROR)
    assert "其他程式" in state.reason_zh
    assert "another program" in state.reason_en


def test_missing_port_waits_for_the_device(tmp_path: Path, recorder: Recorder) -> None:
    with _source(tmp_path / "ttyUSB9", recorder) as source:
        state = recorder.wait_status(SourceStatus.WAITING)
        assert "找不到掃描器" in state.reason_zh
        assert source.running
    assert not source.running


def test_a_failing_callback_does_not_stop_the_reader(
    pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    delivered: list[str] = []

    def flaky(scan: Scan) -> None:
        delivered.append(scan.text)
        recorder.scan(scan)
        if len(delivered) == 1:
            raise RuntimeError("bug in the receiver")

    config = SerialConfig(port=str(pty_scanner.link))
    with SerialScanSource(config, flaky, recorder.state):
        recorder.wait_status(SourceStatus.CONNECTED)
        pty_scanner.send(ids[0].encode() + b"\r")
        pty_scanner.send(ids[1].encode() + b"\r")
        recorder.wait_until(lambda: len(delivered) >= 2)
    assert delivered == ids[:2]


def test_repeats_within_the_window_are_one_scan(
    pty_scanner: PtyScanner, recorder: Recorder, ids: list[str]
) -> None:
    config = SerialConfig(port=str(pty_scanner.link))
    dedup = Deduplicator(window=30.0)
    with SerialScanSource(config, recorder.scan, recorder.state, deduplicator=dedup):
        recorder.wait_status(SourceStatus.CONNECTED)
        pty_scanner.send(f"{ids[0]}\r{ids[0]}\r{ids[0]}\r{ids[1]}\r".encode())
        assert recorder.wait_scans(2) == ids[:2]
        time.sleep(0.1)
    assert recorder.texts == ids[:2]


@pytest.mark.parametrize(
    "options",
    [{"baudrate": 0}, {"parity": "strange"}, {"stopbits": 3}, {"bytesize": 9}, {"port": " "}],
)
def test_invalid_settings_are_refused_with_a_reason(options: dict[str, object]) -> None:
    settings: dict[str, object] = {"port": "/dev/ttyACM0", **options}
    with pytest.raises(ValueError, match="invalid serial setting"):
        SerialConfig(**settings)  # type: ignore[arg-type]
