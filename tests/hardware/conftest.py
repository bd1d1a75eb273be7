"""Shared fixtures for the scan-source tests: valid ID numbers, a pty scanner, a recorder."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.pty_scanner import PtyScanner
from hardware.scan import Scan, SourceState, SourceStatus
from vaccination.ids import check_id, make_national_id


@pytest.fixture(scope="session")
def ids() -> list[str]:
    """ID numbers with correct checksums, checked by the domain's own validator."""
    ids = ["A123456789"] + [
        make_national_id(letter, sex, serial)
        for letter, sex, serial in [("B", 1, 4293375), ("F", 2, 1234567), ("Q", 2, 7654321)]
    ]
    assert all(check_id(i).valid for i in ids)
    return ids


class Recorder:
    """Collects what a source delivers from its threads; tests wait on it, never sleep-and-hope."""

    def __init__(self) -> None:
        self.scans: list[Scan] = []
        self.states: list[SourceState] = []
        self._cond = threading.Condition()

    def scan(self, scan: Scan) -> None:
        with self._cond:
            self.scans.append(scan)
            self._cond.notify_all()

    def state(self, state: SourceState) -> None:
        with self._cond:
            self.states.append(state)
            self._cond.notify_all()

    @property
    def texts(self) -> list[str]:
        with self._cond:
            return [s.text for s in self.scans]

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_scans(self, count: int, timeout: float = 10.0) -> list[str]:
        self.wait_until(lambda: len(self.scans) >= count, timeout)
        return self.texts

    def wait_status(
        self, status: SourceStatus, after: int = 0, timeout: float = 10.0
    ) -> SourceState:
        """The first state with `status` among those reported after the first `after` ones."""

        def seen() -> bool:
            return any(s.status is status for s in self.states[after:])

        assert self.wait_until(seen, timeout), f"no {status} state; got {self.states[after:]}"
        return next(s for s in self.states[after:] if s.status is status)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def pty_scanner(tmp_path: Path) -> Iterator[PtyScanner]:
    scanner = PtyScanner(tmp_path / "ttyScanner")
    scanner.plug()
    yield scanner
    scanner.close()
