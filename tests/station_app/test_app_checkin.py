"""The check-in view in the real window over the real service: scans, search, warn, block, undo."""

from __future__ import annotations

from datetime import date

import pytest
from app_fixtures import GuiDesk, focus, gui_fixture  # noqa: F401 (the gui fixture)
from PySide6.QtWidgets import QApplication, QLabel
from store_fixtures import pid

from vaccination.events import EventKind
from vaccination.ids import mask_id
from vaccination.models import IdKind, Person

pytestmark = pytest.mark.gui


def _events(g: GuiDesk, kind: EventKind) -> list[dict[str, object]]:
    return [e.payload for e in g.desk.store.outbox.pending(1000) if e.kind is kind]


def test_scanner_burst_in_the_search_field_checks_in_and_leaves_no_trace(
    gui: GuiDesk,
    qtbot,
) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    gui.type_into(view.search_edit, pid(1), gap_ms=4)
    assert view.card.queue_label.text() == "A001"
    assert view.card.severity == "ok"
    assert view.card.name_label.text() == "王小1"
    assert view.search_edit.text() == ""
    assert gui.counts()["checked_in"] == 1
    assert gui.sounds.played == ["ok"]
    assert [p.queue_number for p in _events(gui, EventKind.CHECKIN)] == ["A001"]
    # The queue number is drawn large: far taller than the search field's text.
    assert view.card.queue_label.font().pointSize() >= 48
    gui.settle()
    assert view.card.history_texts() == ["●  無接種紀錄"]


def test_a_second_scan_of_the_same_person_is_refused(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    gui.type_into(view.search_edit, pid(2), gap_ms=3)
    gui.type_into(view.search_edit, pid(2), gap_ms=3)
    # Not a generic red refusal: the number they already have, large.
    assert view.card.severity == "already"
    assert view.card.queue_label.text() == "A001"
    assert view.card.banner_text.text().startswith("已報到過（A 櫃台 09:05）")
    assert view.card.flag_texts() == []
    assert gui.counts()["checked_in"] == 1
    assert gui.sounds.played == ["ok", "warn"]


def test_a_person_typing_slowly_keeps_their_text_and_nothing_is_checked_in(
    gui: GuiDesk,
    qtbot,
) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    phone = "0912000003"  # phone of 王小3
    gui.type_into(view.search_edit, phone, gap_ms=150, enter=False)
    qtbot.waitUntil(lambda: view.search_edit.text() == phone)
    assert gui.counts()["checked_in"] == 0
    assert not _events(gui, EventKind.CHECKIN)
    # Then Enter (typed by the person) runs the lookup: one match, checked in.
    gui.type_into(view.search_edit, "", gap_ms=150)
    qtbot.waitUntil(lambda: view.card.queue_label.text() == "A001")
    assert view.card.name_label.text() == "王小3"


def test_manual_search_by_name_lists_people_and_picking_one_checks_in(
    gui: GuiDesk,
    qtbot,
) -> None:
    view = gui.window.checkin_view
    view.search_edit.setText("王小1")
    rows = view.run_search()
    assert {r.name for r in rows} >= {"王小1", "王小10", "王小11"}
    assert view.results.isVisible()
    shown = view.results.item(0).text()
    assert pid(1) not in shown  # masked in the list
    target = next(i for i in range(view.results.count()) if "王小11" in view.results.item(i).text())
    view.results.itemActivated.emit(view.results.item(target))
    assert view.card.name_label.text() == "王小11"
    assert view.card.queue_label.text() == "A001"
    assert not view.results.isVisible()


def test_a_warning_needs_a_reason_and_the_reason_is_recorded(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    gui.type_into(view.search_edit, pid(30), gap_ms=5)
    assert view.card.severity == "warn"
    assert gui.sounds.played == ["warn"]
    dialog = view.reason_dialog
    assert dialog is not None and dialog.isVisible()
    assert gui.counts()["checked_in"] == 0
    ok = dialog.buttons.buttons()[0]
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled(), ok
    dialog.set_reason("民眾出示健保卡，出生日期口頭確認")
    dialog.accept()
    assert view.card.queue_label.text() == "A001"
    assert gui.counts()["checked_in"] == 1
    (payload,) = _events(gui, EventKind.CHECKIN)
    assert payload.confirm_reason == "民眾出示健保卡，出生日期口頭確認"
    assert "AGE_UNKNOWN" in payload.flags


def test_cancelling_the_reason_dialog_checks_nobody_in(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    view.handle_scan(pid(30))
    view.reason_dialog.reject()
    assert gui.counts()["checked_in"] == 0
    assert view.card.queue_label.text() == ""


def test_a_block_refuses_with_red_card_and_its_reason(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    gui.type_into(view.search_edit, pid(31), gap_ms=5)
    assert view.card.severity == "block"
    assert view.card.banner_text.text() == "不可在此報到"
    texts = view.card.flag_texts()
    assert any("永康國民運動中心" in t for t in texts)
    assert not view.confirm_button.isVisible()
    assert view.reason_dialog is None
    assert gui.counts()["checked_in"] == 0
    assert gui.sounds.played == ["block"]


def test_the_next_card_shows_nothing_of_the_person_before(gui: GuiDesk) -> None:
    # The card refills its widgets for each person: nothing of a red card may linger.
    view = gui.window.checkin_view
    view.handle_scan(pid(31))
    gui.settle()
    assert view.card.severity == "block" and view.card.flag_texts()
    view.handle_scan(pid(1))
    assert view.card.severity == "ok"
    assert view.card.queue_label.text() == "A001"
    assert view.card.flag_texts() == []
    assert view.card.history_texts() == ["讀取中…"]  # until the history read is back
    gui.settle()
    assert view.card.history_texts() == ["●  無接種紀錄"]
    view.handle_scan("A123456788")  # not a valid ID: no person, no history
    assert view.card.history_texts() == []
    assert any("檢查碼" in t for t in view.card.flag_texts())


def test_an_invalid_id_scan_shows_the_reason(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    gui.type_into(view.search_edit, "A123456788", gap_ms=5)
    assert view.card.severity == "block"
    assert any("檢查碼" in t for t in view.card.flag_texts())


def test_undo_the_last_checkin_with_a_reason(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    view.handle_scan(pid(4))
    view.handle_scan(pid(5))
    assert gui.counts()["checked_in"] == 2
    view.ask_undo()
    prompt = view.undo_dialog.findChild(QLabel).text()
    assert f"取消 王小5（{mask_id(pid(5))}）的報到 A002" in prompt
    view.undo_dialog.set_reason("掃錯人")
    view.undo_dialog.accept()
    assert gui.counts()["checked_in"] == 1
    assert view.message_label.text() == "已取消 王小5 的報到 A002"
    # After the undo, Ctrl+P reprints the ticket before it, not "nothing to reprint".
    view.reprint_last()
    assert view.message_label.text().startswith("王小4 A001：")
    (undone,) = _events(gui, EventKind.CHECKIN_UNDONE)
    assert undone.queue_number == "A002" and undone.reason == "掃錯人"
    # The person can now be checked in again.
    view.handle_scan(pid(5))
    assert view.card.queue_label.text() == "A003"


def test_reprint_without_a_printer_says_so(gui: GuiDesk) -> None:
    view = gui.window.checkin_view
    view.reprint_last()
    assert view.message_label.text() == "還沒有可補印的號碼單"
    view.handle_scan(pid(6))
    gui.settle()  # the ticket is queued once the card is on screen
    assert "印表機未設定" in view.message_label.text()
    view.reprint_last()
    assert view.message_label.text() == "王小6 A001：印表機未設定，無法補印"
    assert "未設定" in gui.window.printer_label.text()


def test_walk_in_is_validated_then_added_and_checked_in(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    view.open_walk_in()
    dialog = view.walk_in_dialog
    dialog.id_edit.setText("A123456788")  # wrong checksum
    dialog.name_edit.setText("林現場")
    dialog.birth_edit.setText("0690512")
    dialog.product_box.setCurrentIndex(dialog.product_box.findData("CoV_Moderna"))
    dialog.accept()
    assert dialog.isVisible()
    assert "檢查碼" in dialog.error_label.text()
    assert gui.counts()["total"] == 21
    dialog.id_edit.setText("A123456789")
    dialog.dose_spin.setValue(2)
    dialog.history_edit.setText("CoV_Moderna 2026-05-01")
    dialog.accept()
    assert not dialog.isVisible()
    assert gui.counts()["total"] == 22
    assert view.card.name_label.text() == "林現場"
    assert view.card.queue_label.text() == "A001"
    gui.settle()
    assert view.card.history_texts() == ["●  2026-05-01  CoV_Moderna"]


def test_a_walk_in_passport_is_taken_only_when_the_clerk_says_so(gui: GuiDesk, qtbot) -> None:
    """Issue 16: "A passport number is accepted only where the user says it is one (... the
    walk-in form's document type ...), and it is shown as a passport everywhere"."""
    view = gui.window.checkin_view
    view.open_walk_in()
    dialog = view.walk_in_dialog
    assert dialog.kind_box.currentData() is None  # 身分證／居留證 unless the clerk says so
    dialog.id_edit.setText("X12345678")  # ID-shaped, one character short
    dialog.name_edit.setText("林旅客")
    dialog.birth_edit.setText("1980-05-12")
    dialog.product_box.setCurrentIndex(dialog.product_box.findData("CoV_Moderna"))
    dialog.accept()
    assert dialog.isVisible() and "護照" in dialog.error_label.text()  # the way out, named
    assert gui.counts()["total"] == 21
    dialog.kind_box.setCurrentIndex(dialog.kind_box.findText("護照"))
    dialog.accept()
    assert not dialog.isVisible(), dialog.error_label.text()
    assert gui.counts()["total"] == 22
    assert view.card.name_label.text() == "林旅客"
    assert view.card.detail_label.text().startswith("護照 ")


def test_enter_mode_waits_for_the_nurse(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    view.auto_checkin = False
    view.handle_scan(pid(7))
    assert view.card.severity == "ok"
    assert view.confirm_button.isVisible() or view.pending_raw == pid(7)
    assert gui.counts()["checked_in"] == 0
    view.confirm_pending()
    assert view.card.queue_label.text() == "A001"
    assert gui.counts()["checked_in"] == 1


def test_scan_at_the_doctor_view_selects_the_person(gui: GuiDesk, qtbot) -> None:
    gui.window.checkin_view.handle_scan(pid(8))
    gui.window.checkin_view.handle_scan(pid(9))
    gui.window.show_view(1)
    table = gui.window.doctor_view.table
    focus(qtbot, table)
    gui.type_into(table, pid(9), gap_ms=4)
    assert gui.window.doctor_view.current().queue_number == "A002"
    assert gui.window.tabs.currentWidget() is gui.window.doctor_view
    # Elsewhere (manager view) a scan switches to check-in.
    gui.window.show_view(2)
    focus(qtbot, gui.window.manager_view.search_edit)
    gui.type_into(gui.window.manager_view.search_edit, pid(10), gap_ms=4)
    assert gui.window.tabs.currentWidget() is gui.window.checkin_view
    assert gui.window.checkin_view.card.queue_label.text() == "A003"
    assert gui.window.manager_view.search_edit.text() == ""
    assert QApplication.focusWidget() is not None


def test_a_bad_checksum_shows_the_digits_typed_and_the_likely_swap(gui: GuiDesk) -> None:
    view = gui.window.checkin_view
    view.handle_scan("A123465789")  # A123456789 with 5 and 6 swapped
    assert view.card.name_label.text() == "A123465789"  # not an ID: nothing to mask
    assert view.card.detail_label.text() == "檢查碼不符：第 6、7 碼可能前後對調"
    view.handle_scan("A123456788")
    assert "逐碼核對" in view.card.detail_label.text()


def test_a_passport_is_labelled_as_a_passport(gui: GuiDesk) -> None:
    # A passport number is one only where the user said so: here, the walk-in form.
    traveller = Person("X1234567", "陳旅客", date(1980, 1, 2))
    gui.desk.service.add_walk_in(traveller, "CoV_Moderna", 1, "", id_kind=IdKind.PASSPORT)
    view = gui.window.checkin_view
    view.handle_scan("X1234567")
    assert view.card.name_label.text() == "陳旅客"
    assert view.card.detail_label.text().startswith("護照 ")
    assert "身分證" not in view.card.detail_label.text()


def test_undo_and_reprint_act_on_the_person_chosen_in_the_search(gui: GuiDesk) -> None:
    view = gui.window.checkin_view
    for n in (11, 12, 13):
        view.handle_scan(pid(n))
    view.search_edit.setText("王小11")
    view.run_search()
    view.results.itemActivated.emit(view.results.item(0))  # 王小11 again: A001
    assert view.card.queue_label.text() == "A001"
    view.ask_undo()
    assert "王小11" in view.undo_dialog.findChild(QLabel).text()
    view.undo_dialog.set_reason("重複報到")
    view.undo_dialog.accept()
    (undone,) = _events(gui, EventKind.CHECKIN_UNDONE)
    assert undone.queue_number == "A001" and undone.id_number == pid(11)
    assert gui.counts()["checked_in"] == 2


def test_the_walk_in_form_has_no_default_product_and_rejects_formulas_and_bad_phones(
    gui: GuiDesk,
) -> None:
    view = gui.window.checkin_view
    view.open_walk_in()
    dialog = view.walk_in_dialog
    assert dialog.product_box.currentData() == ""  # never silently the first product
    dialog.id_edit.setText("A123456789")
    dialog.name_edit.setText("林現場")
    dialog.birth_edit.setText("0690512")
    dialog.accept()
    assert dialog.isVisible() and dialog.error_label.text() == "請選擇接種疫苗"
    dialog.product_box.setCurrentIndex(dialog.product_box.findData("CoV_Moderna"))
    dialog.name_edit.setText("=HYPERLINK(1)")
    dialog.accept()
    assert "姓名不可以 = + - @ 開頭" in dialog.error_label.text()
    dialog.name_edit.setText("林現場")
    dialog.phone_edit.setText("12345")
    dialog.accept()
    assert "電話號碼不對：12345" in dialog.error_label.text()
    assert gui.counts()["total"] == 21
    dialog.phone_edit.setText("+886 912-345-678")
    dialog.accept()
    assert not dialog.isVisible()
    (row,) = gui.service.search("A123456789")
    assert row.phone == "0912345678" and row.product == "CoV_Moderna"
