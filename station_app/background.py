"""Service reads off the GUI thread: counters, the roster, a person's dose history.

A scan must show its card at once, whatever the size of the roster; reads that grow
with the roster run on a small thread pool and hand their result back to the GUI
thread through a queued signal. Requests are keyed and coalesced: while one read of
a key runs, newer requests of that key collapse into one re-run, and only the newest
result reaches the view. An exception in a read goes to sys.excepthook (the crash
guard) on the GUI thread, with its traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(str, int, object, object)  # key, generation, result, exception


class _Job(QRunnable):
    def __init__(self, relay: _Relay, key: str, generation: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.relay = relay
        self.key = key
        self.generation = generation
        self.fn = fn

    def run(self) -> None:
        try:
            result, error = self.fn(), None
        except Exception as exc:  # handed to the GUI thread's crash guard
            result, error = None, exc
        self.relay.done.emit(self.key, self.generation, result, error)


class Background(QObject):
    """Keyed, coalescing background reads (see the module docstring)."""

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._finished)
        self._generation: dict[str, int] = {}
        self._running: set[str] = set()
        self._queued: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {}
        self._callbacks: dict[tuple[str, int], Callable[[Any], None]] = {}

    def submit(self, key: str, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run `fn` off the GUI thread; `done(result)` runs on the GUI thread if still newest."""
        if key in self._running:
            self._queued[key] = (fn, done)
            return
        generation = self._generation.get(key, 0) + 1
        self._generation[key] = generation
        self._running.add(key)
        self._callbacks[(key, generation)] = done
        self.pool.start(_Job(self._relay, key, generation, fn))

    def _finished(self, key: str, generation: int, result: Any, error: Any) -> None:
        done = self._callbacks.pop((key, generation), None)
        self._running.discard(key)
        queued = self._queued.pop(key, None)
        if queued is not None:
            # A newer request came in meanwhile: its result is the one to show.
            self.submit(key, *queued)
        elif error is not None:
            sys.excepthook(type(error), error, error.__traceback__)
        elif done is not None:
            done(result)

    @property
    def busy(self) -> bool:
        return bool(self._running or self._queued)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until every read and its callback ran (tests, benchmarks, closing)."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(timeout_ms)
        while self.busy and not deadline.hasExpired():
            self.pool.waitForDone(20)
            QCoreApplication.processEvents()
        return not self.busy
