"""Where a scan goes while a dialog is open: into the dialog's scan field, or nowhere.

A scan routed to the check-in view behind an open dialog once checked in the NEXT
person while the dialog still showed the first one. So the window asks the open
dialog first: a `ScanDialog` whose field takes a scan (the walk-in's ID number, a
vial's code) receives it; any other dialog refuses it, with the block sound and a
line in the dialog saying what to finish first. The scan never reaches the view.

Windows that take scans carry the property `vaxdesk_scans`: the keyboard-wedge
filter only looks for bursts there (a person typing fast in a file picker or a
message box is never a "scan"), and a field can opt out with the same property set
to False (a path or an address, where a scan makes no sense).
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget

SCANS_PROPERTY = "vaxdesk_scans"


def takes_scans(widget: QWidget) -> bool:
    """True when a burst typed into `widget` may be a scan (see the module docstring)."""
    if widget.property(SCANS_PROPERTY) is False:
        return False
    return bool(widget.window().property(SCANS_PROPERTY))


def mark_scan_window(widget: QWidget, takes: bool = True) -> None:
    """Let the wedge filter look for bursts in this window (or, False, in this field)."""
    widget.setProperty(SCANS_PROPERTY, takes)


class ScanDialog(QDialog):
    """A desk dialog that knows what to do with a scan (by default: refuse it).

    Subclasses with a field that takes a scan override `receive_scan`. A refusal
    shows `refusal_text` in `scan_line` (each subclass puts it in its layout), so the
    clerk sees why the scanner beeped.
    """

    def __init__(self, parent: QWidget | None = None, refusal_text: str | None = None) -> None:
        super().__init__(parent)
        mark_scan_window(self)
        self.refusal_text = refusal_text or self.tr("請先完成或關閉這個視窗，再掃描下一位")
        self.scan_line = QLabel()
        self.scan_line.setObjectName("errorText")
        self.scan_line.setWordWrap(True)
        self.scan_line.hide()
        self.refused_scans = 0

    def receive_scan(self, raw: str) -> bool:
        """Put the scan into the field that takes one; False when no field does."""
        del raw
        return False

    def take_scan(self, raw: str) -> bool:
        """A scan arrived while this dialog is open: received (True) or refused (False)."""
        if self.receive_scan(raw):
            self.scan_line.hide()
            return True
        self.refused_scans += 1
        self.scan_line.setText(self.refusal_text)
        self.scan_line.show()
        return False


def open_dialog(owner: QWidget) -> QWidget | None:
    """The visible modal dialog in front of `owner`'s window (its own, or app-wide), if any."""
    window = owner.window()
    for widget in QApplication.topLevelWidgets():
        if widget is window or not widget.isVisible() or not widget.isModal():
            continue
        parent = widget.parentWidget()
        if parent is None or parent.window() is window:
            return widget
    return None
