"""Fixtures of the printing tests: a network printer emulator on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from printing.emulator import NetworkPrinterEmulator


@pytest.fixture
def emulator() -> Iterator[NetworkPrinterEmulator]:
    emu = NetworkPrinterEmulator().start()
    yield emu
    emu.stop()
