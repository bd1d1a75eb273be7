"""The common life cycle of a scan source: its own threads, callbacks, state and stop().

Concrete sources (serial, webcam) implement `_run()` in their worker thread and call
`_emit()` and `_set_state()`; this base keeps start/stop idempotent, makes stop() join
quickly, folds duplicates through a `Deduplicator`, and shields the worker thread from
exceptions raised by the caller's callbacks.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable

from hardware.scan import (
    Deduplicator,
    Scan,
    ScanCallback,
    SourceState,
    SourceStatus,
    StateCallback,
    Symbology,
)

log = logging.getLogger(__name__)


class ScanSource(ABC):
    """Base of every scan source. Callbacks run on the source's own thread."""

    def __init__(
        self,
        name: str,
        on_scan: ScanCallback,
        on_state: StateCallback | None = None,
        deduplicator: Deduplicator | None = None,
        dedup_window: float | None = None,
    ) -> None:
        self.name = name
        self._on_scan = on_scan
        self._on_state = on_state
        if deduplicator is None:
            # A shared deduplicator keeps its own window; only a private one takes ours.
            deduplicator = Deduplicator() if dedup_window is None else Deduplicator(dedup_window)
        self.deduplicator = deduplicator
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._state_lock = threading.Lock()
        self._state = SourceState(name, SourceStatus.STOPPED, "尚未啟動", "not started")

    @property
    def state(self) -> SourceState:
        with self._state_lock:
            return self._state

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        """Start the worker thread(s); returns at once. Calling it twice does nothing."""
        if self.running:
            return
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._guarded, args=(target,), name=f"{self.name}-{i}")
            for i, target in enumerate(self._thread_targets())
        ]
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the threads to end, wake them, and join them (bounded by `timeout`)."""
        self._stop.set()
        self._wake()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)
        stuck = [t.name for t in self._threads if t.is_alive()]
        if stuck:
            log.warning("scan source threads did not stop in %.1f s: %s", timeout, stuck)
        self._set_state(SourceStatus.STOPPED, "已停止", "stopped")

    def __enter__(self) -> ScanSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for subclasses -------------------------------------------------------------

    def _thread_targets(self) -> list[Callable[[], None]]:
        """Callables to run, one thread each; the default is `_run` alone."""
        return [self._run]

    @abstractmethod
    def _run(self) -> None:
        """Worker loop; must return soon after `self._stop` is set."""

    def _wake(self) -> None:
        """Interrupt a blocking read so stop() is quick; override where a read can block."""
        return None

    def _emit(self, text: str, symbology: Symbology, clock: float | None = None) -> bool:
        """Deliver a Scan unless it repeats a recent one; returns True when delivered."""
        if not text or not self.deduplicator.accept(text, clock):
            return False
        scan = Scan(text=text, symbology=symbology, source=self.name)
        try:
            self._on_scan(scan)
        except Exception:
            # The caller's bug must not kill the reader: log it (without the code) and go on.
            log.exception("scan callback of %s failed", self.name)
        return True

    def _set_state(self, status: SourceStatus, reason_zh: str, reason_en: str) -> None:
        new = SourceState(self.name, status, reason_zh, reason_en)
        with self._state_lock:
            if new == self._state:
                return
            self._state = new
        log.info("%s: %s (%s)", self.name, status.value, reason_en)
        if self._on_state is not None:
            try:
                self._on_state(new)
            except Exception:
                log.exception("state callback of %s failed", self.name)

    def _guarded(self, target: Callable[[], None]) -> None:
        try:
            target()
        except Exception as exc:
            log.exception("scan source %s crashed", self.name)
            self._set_state(
                SourceStatus.ERROR,
                f"掃描來源發生內部錯誤：{type(exc).__name__}",
                f"scan source failed internally: {type(exc).__name__}",
            )
