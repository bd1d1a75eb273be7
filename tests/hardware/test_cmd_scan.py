"""`vaxdesk scan ...` as a technician uses it: images, a pty scanner, a video, bad ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from hardware.pty_scanner import PtyScanner
from hardware.scan import Symbology
from hardware.synthetic import card_scene, render_code, write_card_video
from vaxdesk.cli import main

ROOT = Path(__file__).resolve().parents[2]


def write_card_png(path: Path, text: str, symbology: Symbology) -> Path:
    cv2.imwrite(str(path), card_scene(render_code(text, symbology, 2), (640, 480)))
    return path


def test_scan_image_prints_masked_codes_as_json_lines(
    tmp_path: Path, ids: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        write_card_png(tmp_path / "a.png", ids[0], Symbology.CODE39),
        write_card_png(tmp_path / "b.png", ids[1], Symbology.QR),
    ]
    assert main(["scan", "image", *map(str, files), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d["text"], d["symbology"]) for d in lines] == [
        (ids[0][:3] + "****" + ids[0][-3:], "code39"),
        (ids[1][:3] + "****" + ids[1][-3:], "qr"),
    ]
    assert ids[0] not in json.dumps(lines)


def test_scan_image_with_pyzbar_unmasked_and_a_blank_image(
    tmp_path: Path, ids: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = write_card_png(tmp_path / "c.png", ids[2], Symbology.CODE128)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), card_scene(render_code("x", Symbology.QR, 1)[:2, :2], (320, 240)))
    assert main(["scan", "image", str(code), str(blank), "--decoder", "pyzbar", "--unmask"]) == 1
    out = capsys.readouterr().out
    assert f"{code}: {ids[2]}  [code128]" in out
    assert f"{blank}: 找不到條碼 / no code found" in out


def test_unreadable_image_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.png").write_text("not an image")
    assert main(["scan", "image", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read image" in err


def test_invalid_serial_port_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "serial", str(tmp_path / "ttyNOPE")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "找不到掃描器" in err and "not found" in err and "Traceback" not in err


def test_missing_camera_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "webcam", "--device", "97"]) == 2
    assert "找不到攝影機" in capsys.readouterr().err


@pytest.mark.hardware
def test_scan_webcam_reads_a_video_file_to_its_end(
    tmp_path: Path, ids: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    video = tmp_path / "cards.avi"
    write_card_video(video, [(ids[0], Symbology.CODE39), (ids[1], Symbology.QR)])
    assert main(["scan", "webcam", "--device", str(video), "--json", "--unmask"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    scans = [d["text"] for d in lines if "text" in d]
    assert scans == ids[:2]
    assert lines[0]["state"] == "connected"


def test_scan_ports_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "ports", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"serial", "cameras"}
    assert all("label" in p and "vid_pid" in p for p in doc["serial"])


@pytest.mark.hardware
def test_scan_serial_prints_scans_as_they_arrive_and_stops_on_ctrl_c(
    pty_scanner: PtyScanner, ids: list[str]
) -> None:
    cmd = [sys.executable, "-m", "vaxdesk", "scan", "serial", str(pty_scanner.link), "--json"]
    with subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    ) as proc:
        try:
            assert proc.stdout is not None and proc.stderr is not None
            first = json.loads(proc.stdout.readline())
            assert first["state"] == "connected"
            pty_scanner.send(ids[0].encode() + b"\r")
            scan = json.loads(proc.stdout.readline())
            assert scan["text"] == ids[0][:3] + "****" + ids[0][-3:]
            assert scan["source"] == f"serial:{pty_scanner.link}"
            time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
            assert "Traceback" not in proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
