"""A holder that keeps a busy widget's layout changes to itself.

Every text change of a label asks its parents to lay out again, up to the window. Above
the check-in view sits the QTabWidget, which repaints the whole tab area whenever one
of its pages asks, so each scan would repaint the search field, the buttons and the tab
bar as well as the card. A widget without a layout stops that chain: this one holds one
child, sizes it to fill itself, and its own size hints never change.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class LayoutBarrier(QWidget):
    """Holds `child`, filling itself with it; `minimum` is the space it asks for."""

    def __init__(self, child: QWidget, minimum: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.child = child
        child.setParent(self)
        self.setMinimumSize(minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.child.setGeometry(self.rect())
        super().resizeEvent(event)
