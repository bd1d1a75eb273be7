"""Widgets the doctor and lots views both use: a read-only table and the product picker."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QTableWidget, QTableWidgetItem

from station_app.i18n import pick
from vaccination.rules import RuleSetRegistry


def readonly_table(name: str, headers: Sequence[str]) -> QTableWidget:
    """A table of whole rows to look at (not edit), its last column filling the width."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    """Replace the table's rows with these texts."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(value))


def product_box(rules: RuleSetRegistry) -> QComboBox:
    """Every product of the rule sets, shown by name and code; the code is the item data."""
    box = QComboBox()
    for product in rules.products():
        box.addItem(f"{pick(product.name_zh, product.name_en)} ({product.code})", product.code)
    return box
