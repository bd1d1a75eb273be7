"""The line edit of an editable combo box (Qt types it as optional: it exists once editable)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit


def editor(box: QComboBox) -> QLineEdit:
    """The text field of an editable combo box."""
    line = box.lineEdit()
    if line is None:
        raise ValueError("the combo box is not editable")
    return line
