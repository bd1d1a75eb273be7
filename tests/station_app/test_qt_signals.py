"""Regression guard for the pinned PySide6: 6.12.0 aborts CPython 3.11 (bool_dealloc)
after a few hundred signal emissions carrying a bool; the pinned version must survive 10,000."""

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    toggled = Signal(bool)
    text = Signal(str, int)


def test_ten_thousand_signal_emissions_do_not_crash(qapp: object) -> None:
    emitter = _Emitter()
    received: list[bool] = []
    texts: list[int] = []
    emitter.toggled.connect(received.append)
    emitter.text.connect(lambda _s, n: texts.append(n))
    for i in range(10_000):
        emitter.toggled.emit(i % 2 == 0)
        emitter.text.emit("掃描", i)
    assert len(received) == 10_000
    assert received[:3] == [True, False, True]
    assert texts[-1] == 9_999
