"""Doctor, manager and lots views in the real window over the real service."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from app_fixtures import GuiDesk, gui_fixture  # noqa: F401 (the gui fixture)
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from store_fixtures import entry, pid

from station_app.roster_model import COLUMNS, STATUS_NOT_APPROVED, STATUS_VACCINATED
from vaccination.events import EventKind
from vaccination.ids import mask_id

pytestmark = pytest.mark.gui


def _cell(g: GuiDesk, visible_row: int, column: str) -> str:
    g.settle()
    model = g.window.manager_view.model
    return str(
        model.data(model.index(visible_row, COLUMNS.index(column)), Qt.ItemDataRole.DisplayRole)
    )


def _row_of(g: GuiDesk, name: str) -> int:
    g.settle()
    model = g.window.manager_view.model
    return next(i for i in range(model.rowCount()) if model.row_at(i).name == name)


def test_doctor_not_approved_updates_counters_and_the_manager_table(gui: GuiDesk) -> None:
    gui.window.checkin_view.handle_scan(pid(1))
    gui.window.checkin_view.handle_scan(pid(2))
    gui.window.show_view(2)  # the manager table, loaded before the decision
    assert _cell(gui, _row_of(gui, "王小2"), "not_approved") == ""
    gui.window.show_view(1)
    doctor = gui.window.doctor_view
    assert [e.queue_number for e in doctor.entries] == ["A001", "A002"]
    doctor.table.selectRow(1)
    doctor.refuse()  # no reason yet
    assert doctor.message_label.text() == "請選擇或輸入不同意的原因"
    assert gui.counts()["not_approved"] == 0
    doctor.reason_box.setCurrentText("血壓過高")
    doctor.refuse()
    assert gui.counts()["not_approved"] == 1
    assert "醫生不同意" in doctor.table.item(1, 5).text()
    assert not doctor.vaccinate_button.isEnabled()
    gui.window.show_view(2)
    row = _row_of(gui, "王小2")
    assert _cell(gui, row, "not_approved") == "是"
    assert _cell(gui, row, "queue_number") == "A002"
    manager = gui.window.manager_view
    manager.status_box.setCurrentIndex(manager.status_box.findData(STATUS_NOT_APPROVED))
    assert [r.name for r in manager.model.visible_rows()] == ["王小2"]
    (decision,) = [
        e.payload for e in gui.desk.store.outbox.pending(100) if e.kind is EventKind.DOCTOR_DECISION
    ]
    assert decision.approved is False and decision.reason == "血壓過高"


def _background(g: GuiDesk, name: str) -> str | None:
    model = g.window.manager_view.model
    brush = model.data(model.index(_row_of(g, name), 0), Qt.ItemDataRole.BackgroundRole)
    return None if brush is None else str(brush.color().name())


def test_row_colours_follow_the_day_and_other_roles_stay_unset(gui: GuiDesk) -> None:
    gui.window.checkin_view.handle_scan(pid(1))
    gui.window.checkin_view.handle_scan(pid(2))
    gui.window.show_view(1)
    doctor = gui.window.doctor_view
    doctor.table.selectRow(1)
    doctor.reason_box.setCurrentText("血壓過高")
    doctor.refuse()
    gui.window.show_view(2)
    assert _background(gui, "王小1") == "#e3eefc"  # checked in
    assert _background(gui, "王小2") == "#fde2e1"  # doctor did not approve
    assert _background(gui, "王小3") is None
    model = gui.window.manager_view.model
    index = model.index(0, 0)
    for role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ToolTipRole):
        assert model.data(index, role) is None
    assert model.data(model.index(-1, 0), Qt.ItemDataRole.DisplayRole) is None


def test_the_match_count_keeps_its_size_while_the_search_narrows(gui: GuiDesk) -> None:
    # A label of fixed size does not make the view lay out again on each keystroke.
    gui.window.show_view(2)
    manager = gui.window.manager_view
    gui.settle()
    label = manager.count_label
    sizes = []
    for text in ("王", "王小1", "王小19", "", "王小1"):
        manager.search_edit.setText(text)
        manager.apply_filter()
        assert label.minimumSize() == label.maximumSize()
        assert label.width() >= label.sizeHint().width()
        sizes.append(label.minimumWidth())
    assert sizes == sorted(sizes)  # it only ever widens
    assert "11 / 21" in label.text()


def test_an_az_lot_of_8_dose_vials_is_opened_as_such(gui: GuiDesk) -> None:
    """Seed 002 第二章第二節 AstraZeneca: "每瓶為 8 劑型或 10 劑型": the lots view asks."""
    gui.window.show_view(3)
    lots = gui.window.lots_view
    lots.product_box.setCurrentIndex(lots.product_box.findData("CoV_AZ"))
    sizes = [lots.size_box.itemData(i) for i in range(lots.size_box.count())]
    assert sizes == [None, 8, 10] and lots.size_box.isEnabled()
    lots.size_box.setCurrentIndex(lots.size_box.findData(8))
    lots.lot_edit.setText("AZ8-CDC")
    lots.open_vial()
    row = [lots.table.item(0, c).text() for c in range(6)]
    assert row[:4] == ["CoV_AZ", "AZ8-CDC", "1", "8"] and row[5] == "8"
    lots.size_box.setCurrentIndex(lots.size_box.findData(10))  # the lot said 8: refused
    lots.open_vial()
    assert "8 劑" in lots.message_label.text()
    lots.product_box.setCurrentIndex(lots.product_box.findData("CoV_Moderna"))
    assert not lots.size_box.isEnabled()  # one size only: nothing to choose


def test_vaccination_recorded_fills_vaccinated_and_the_lots(gui: GuiDesk) -> None:
    gui.window.checkin_view.handle_scan(pid(3))
    gui.window.show_view(3)
    lots = gui.window.lots_view
    lots.product_box.setCurrentIndex(lots.product_box.findData("CoV_Moderna"))
    lots.lot_edit.setText("MOD001-CDC")
    lots.open_vial()
    gui.window.show_view(1)
    doctor = gui.window.doctor_view
    doctor.table.selectRow(0)
    assert doctor.lot_box.currentData() == "MOD001-CDC"  # the one open vial of the product
    doctor.vaccinate()
    assert "已接種" in doctor.message_label.text()
    assert gui.counts()["vaccinated"] == 1
    gui.window.show_view(3)
    texts = [lots.table.item(0, c).text() for c in range(6)]
    per_vial = int(texts[3])
    assert texts[:3] == ["CoV_Moderna", "MOD001-CDC", "1"]
    assert texts[4:] == ["1", str(per_vial - 1)]
    gui.window.show_view(2)
    manager = gui.window.manager_view
    gui.settle()
    manager.status_box.setCurrentIndex(manager.status_box.findData(STATUS_VACCINATED))
    assert [r.name for r in manager.model.visible_rows()] == ["王小3"]


def test_manager_search_and_filters(gui: GuiDesk) -> None:
    gui.window.show_view(2)
    manager = gui.window.manager_view
    gui.settle()
    assert manager.model.rowCount() == 21
    manager.search_edit.setText("0912000012")
    assert manager.apply_filter() == 1
    assert manager.model.row_at(0).name == "王小12"
    manager.search_edit.setText(pid(15).lower())
    assert manager.apply_filter() == 1
    # Typing on narrows, deleting widens again: the same rows as a fresh search each time.
    shown = []
    for text in ("王", "王小", "王小1", "王小", "小1", "小19", "1"):
        manager.search_edit.setText(text)
        shown.append(manager.apply_filter())
    assert shown == [21, 21, 11, 21, 11, 1, 21]
    manager.search_edit.setText("")
    manager.apply_filter()
    assert "21 / 21" in manager.count_label.text()
    # Masked by default, full only after an explicit reveal with a reason (logged).
    row = _row_of(gui, "王小5")
    assert _cell(gui, row, "id") == gui.window.manager_view.model.row_at(row).masked_id
    manager.table.selectRow(row)
    manager.ask_reveal()
    manager.reveal_dialog.set_reason("核對證件")
    manager.reveal_dialog.accept()
    assert _cell(gui, row, "id") == pid(5)
    assert _cell(gui, _row_of(gui, "王小6"), "id") != pid(6)


def test_export_csv_and_xlsx_never_write_formulas(gui: GuiDesk, tmp_path: Path) -> None:
    # The walk-in form refuses such a name; a roster file may still carry one.
    gui.desk.store.import_entries([entry(40, name='=HYPERLINK("http://x")')])
    gui.window.show_view(2)
    manager = gui.window.manager_view
    gui.settle()
    assert manager.export(tmp_path / "list.csv", "csv") == 22
    with (tmp_path / "list.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["序號", "姓名", "身分證字號"]
    names = [r[1] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)
    assert pid(1) not in (tmp_path / "list.csv").read_text(encoding="utf-8-sig")  # masked
    assert manager.export(tmp_path / "list.xlsx", "xlsx") == 22
    sheet = load_workbook(tmp_path / "list.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row]
    formula = next(c for c in cells if c.value == '=HYPERLINK("http://x")')
    # Plain text, shown without an apostrophe: a text cell marked "quote prefix".
    assert formula.data_type == "s" and formula.quotePrefix
    assert all(c.data_type != "f" for c in cells)
    assert not any(str(c.value).startswith("'") for c in cells)


def test_import_of_a_broken_file_shows_the_report_and_changes_nothing(
    gui: GuiDesk,
    qtbot,
    tmp_path: Path,
) -> None:
    gui.window.show_view(2)
    manager = gui.window.manager_view
    before = gui.service.counters()
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01\x02PK\x03garbage\xff\xfe\x00" * 20)
    manager.start_import(broken)
    qtbot.waitUntil(
        lambda: manager.report_dialog is not None and not manager.importing, timeout=20000
    )
    assert manager.report_dialog.isVisible()
    assert "無法匯入" in manager.report_dialog.summary_label.text()
    assert "名冊沒有任何變更" in manager.report_dialog.summary_label.text()
    assert gui.service.counters() == before
    gui.settle()
    assert manager.model.rowCount() == 21


def test_import_with_bad_rows_lists_each_rejected_row(gui: GuiDesk, qtbot, tmp_path: Path) -> None:
    gui.window.show_view(2)
    manager = gui.window.manager_view
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "姓名,身分證字號,出生年月日,電話,接種期別,接種地點,接種時間,接種疫苗\n"
        "王大明,A123456789,0350411,0912345678,第1劑,臺南市立體育館,2026-11-23 10:00,CoV_Moderna\n"
        "李錯號,A123456788,0350411,0912345679,第1劑,臺南市立體育館,2026-11-23 10:00,CoV_Moderna\n",
        encoding="utf-8",
    )
    manager.start_import(roster)
    qtbot.waitUntil(
        lambda: manager.report_dialog is not None and not manager.importing, timeout=20000
    )
    summary = manager.report_dialog.summary_label.text()
    assert "已匯入 1 筆" in summary and "未匯入 1 筆" in summary
    lines = manager.report_dialog.lines()
    assert any(line.startswith("第 3 列未匯入") and "檢查碼" in line for line in lines)
    assert gui.counts()["total"] == 22
    assert manager.model.rowCount() == 22


def test_the_xlsx_export_looks_like_a_managers_sheet(gui: GuiDesk, tmp_path: Path) -> None:
    from datetime import date, datetime

    gui.window.checkin_view.handle_scan(pid(1))
    gui.window.show_view(2)
    manager = gui.window.manager_view
    gui.settle()
    manager.export(tmp_path / "list.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "list.xlsx").active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:P{sheet.max_row}"
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert isinstance(row["出生年月日"].value, datetime | date)
    assert row["出生年月日"].number_format == "yyyy-mm-dd"
    assert isinstance(row["接種時間"].value, datetime)
    assert sheet.column_dimensions["G"].width > sheet.column_dimensions["A"].width


def test_a_revealed_id_is_one_persons_for_a_minute_and_never_exported(
    gui: GuiDesk, tmp_path: Path
) -> None:
    from station_app.store.tables import audit_log

    gui.window.show_view(2)
    manager = gui.window.manager_view
    gui.settle()
    manager.reveal(pid(1), f"核對 {pid(1)}")
    manager.reveal(pid(2), "核對證件")
    assert manager.model.revealed == {pid(2)}  # the first reveal ended
    assert manager.reveal_timer.isActive() and manager.reveal_timer.interval() == 60_000
    manager.export(tmp_path / "shown.csv", "csv")
    assert pid(2) not in (tmp_path / "shown.csv").read_text(encoding="utf-8-sig")
    manager.reveal_timer.timeout.emit()  # a minute later
    assert manager.model.revealed == set()
    assert manager.export(tmp_path / "full.csv", "csv", "衛生所要求核對名冊") == 21
    assert pid(2) in (tmp_path / "full.csv").read_text(encoding="utf-8-sig")
    with gui.desk.store.read() as conn:
        logged = [(r.action, r.reason) for r in conn.execute(audit_log.select())]
    assert logged[0] == ("reveal_id", f"核對 {mask_id(pid(1))}")  # the typed ID masked
    assert ("export", "csv 21 rows") in logged
    assert ("export_full_id", "csv 21 rows: 衛生所要求核對名冊") in logged


def test_the_desk_log_keeps_undo_decisions_doses_exports_and_imports_masked(
    gui: GuiDesk, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.INFO, logger="station_app")
    view = gui.window.checkin_view
    view.handle_scan(pid(1))
    view.handle_scan(pid(2))
    gui.service.open_vial("CoV_Moderna", "MOD001-CDC")
    gui.window.show_view(1)
    doctor = gui.window.doctor_view
    doctor.table.selectRow(0)
    doctor.vaccinate()
    doctor.table.selectRow(1)
    doctor.reason_box.setEditText("血壓過高")
    doctor.refuse()
    gui.window.show_view(0)
    view.undo(gui.service.active_checkin(pid(2)), "掃錯人")
    gui.window.show_view(2)
    gui.settle()
    gui.window.manager_view.export(tmp_path / "x.csv", "csv")
    text = caplog.text
    for expected in ("vaccination A001", "decision A002", "undo A002", "export csv"):
        assert expected in text, expected
    assert pid(1) not in text and pid(2) not in text
    assert mask_id(pid(1)) in text
