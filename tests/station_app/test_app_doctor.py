"""The doctor's view: fields reset per patient, record only with approval and an open
vial of the booked product, vial codes scanned, the observation list, the record card.

Seed 002 ch. 8 lists what must be reported: "接種錯誤（疫苗種類、劑量、途徑）、重複接種、
間隔過短、接種對象錯誤、使用過期疫苗" — each test here keeps one of them from happening.
"""

from __future__ import annotations

from datetime import date

import pytest
from app_fixtures import GuiDesk, focus, gui_fixture  # noqa: F401 (the gui fixture)
from store_fixtures import pid

from vaccination.events import EventKind

pytestmark = pytest.mark.gui


def _vaccinations(g: GuiDesk) -> list[dict[str, object]]:
    return [e.payload for e in g.desk.store.outbox.pending(1000) if e.kind is EventKind.VACCINATION]


def _doctor_with(g: GuiDesk, *people: int):  # type: ignore[no-untyped-def]
    for n in people:
        g.window.checkin_view.handle_scan(pid(n))
    g.service.open_vial("CoV_Moderna", "MOD001-CDC")
    g.window.show_view(1)
    return g.window.doctor_view


def test_the_refusal_reason_and_the_lot_do_not_carry_over_to_the_next_patient(
    gui: GuiDesk,
) -> None:
    gui.service.open_vial("CoV_Moderna", "MOD002-CDC")
    doctor = _doctor_with(gui, 1, 2)
    doctor.table.selectRow(0)
    doctor.reason_box.setEditText("血壓過高")
    doctor.lot_box.setCurrentIndex(doctor.lot_box.findData("MOD002-CDC"))
    doctor.table.selectRow(1)
    assert doctor.reason_box.currentText() == ""
    assert doctor.lot_box.currentData() == ""  # two open lots: choose again


def test_a_dose_is_recorded_only_with_approval_in_one_action(gui: GuiDesk) -> None:
    doctor = _doctor_with(gui, 1, 2)
    doctor.table.selectRow(0)
    doctor.reason_box.setEditText("發燒或身體不適")
    doctor.refuse()
    assert not doctor.vaccinate_button.isEnabled()
    with pytest.raises(ValueError, match="醫生不同意"):
        gui.service.approve_and_record(doctor.entries[0].checkin_id, "MOD001-CDC")
    doctor.table.selectRow(1)
    assert doctor.vaccinate_button.text() == "同意並記錄接種"
    doctor.vaccinate()
    (shot,) = _vaccinations(gui)
    assert shot.id_number == pid(2) and shot.lot == "MOD001-CDC"
    assert doctor.entries[1].decision == "approved" and doctor.entries[1].vaccinated
    assert gui.counts()["vaccinated"] == 1


def test_a_lot_of_another_product_or_not_opened_is_refused(gui: GuiDesk) -> None:
    gui.service.open_vial("CoV_BNT", "BNT777-CDC")
    doctor = _doctor_with(gui, 1)
    cid = doctor.entries[0].checkin_id
    with pytest.raises(ValueError, match="BNT777-CDC 是 CoV_BNT"):
        gui.service.approve_and_record(cid, "BNT777-CDC")
    with pytest.raises(ValueError, match="尚未開瓶"):
        gui.service.approve_and_record(cid, "NOPE-1")
    doctor.table.selectRow(0)
    assert [doctor.lot_box.itemData(i) for i in range(doctor.lot_box.count())] == [
        "",
        "MOD001-CDC",
    ]  # only the booked product's open vials are offered
    assert _vaccinations(gui) == []


def test_scanning_the_vial_picks_its_lot_and_an_expired_vial_is_refused(
    gui: GuiDesk, qtbot
) -> None:
    gui.service.open_vial("CoV_Moderna", "MOD002-CDC")
    doctor = _doctor_with(gui, 1)
    doctor.table.selectRow(0)
    focus(qtbot, doctor.table)
    gui.type_into(doctor.table, "01047123456789061727123110MOD002-CDC", gap_ms=3)
    assert doctor.lot_box.currentData() == "MOD002-CDC"
    assert doctor.current().queue_number == "A001"  # the vial did not change the patient
    gui.window.handle_scan("(01)04712345678906(17)261101(10)MOD001-CDC")
    assert "已過期" in doctor.message_label.text()
    assert doctor.lot_box.currentData() == "MOD002-CDC"


def test_product_names_are_shown_in_full(gui: GuiDesk) -> None:
    doctor = _doctor_with(gui, 1)
    doctor.resize(1024, 500)
    item = doctor.table.item(0, 3)
    assert "CoV_Moderna" in item.text()
    needed = doctor.table.fontMetrics().horizontalAdvance(item.text())
    assert doctor.table.columnWidth(3) >= needed


def test_after_the_dose_the_person_is_observed_and_the_record_card_is_shown(
    gui: GuiDesk,
) -> None:
    doctor = _doctor_with(gui, 1)
    doctor.table.selectRow(0)
    doctor.vaccinate()
    assert doctor.observation_table.rowCount() == 1
    assert doctor.observation_table.item(0, 0).text() == "A001"
    assert doctor.observation_table.item(0, 2).text() == "09:05"
    assert doctor.observation_table.item(0, 3).text() == "09:35"  # 30 minutes by default
    assert "留觀 1 人" in doctor.observation_title.text()
    card = doctor.card_label.text()
    assert "批號 MOD001-CDC" in card and "2026-11-23" in card and "臺南市立體育館" in card
    # Moderna dose 1: the next dose from the rule set's minimum interval.
    assert doctor.last_card is not None and doctor.last_card.next_dose_from is not None
    assert doctor.last_card.next_dose_from > date(2026, 11, 23)
    assert f"下一劑最早 {doctor.last_card.next_dose_from.isoformat()}" in card


def test_the_manager_sees_the_observation_list_and_it_empties_after_the_time(
    gui: GuiDesk,
) -> None:
    doctor = _doctor_with(gui, 1)
    doctor.table.selectRow(0)
    doctor.vaccinate()
    gui.window.show_view(2)
    gui.settle()
    assert (
        gui.window.manager_view.observation_label.text() == "留觀中 1 人：A001 王小1 09:35 可離開"
    )
    gui.service.clock.set(9, 36)  # observed long enough
    assert gui.service.observations(30) == []


def test_scanning_the_ticket_opens_that_person(gui: GuiDesk) -> None:
    """Issue 13, defect 9: the ticket's QR code holds the check-in id, and the doctor's desk
    answered 「不在今天的候診名單」."""
    doctor = _doctor_with(gui, 1, 2, 3)
    (ticket,) = [q for q in gui.service.doctor_queue() if q.id_number == pid(2)]
    doctor.table.selectRow(0)
    doctor.handle_scan(ticket.checkin_id)
    current = doctor.current()
    assert current is not None and current.id_number == pid(2)
    assert "不在" not in doctor.message_label.text()


def test_a_person_checked_in_at_two_desks_is_one_entry_and_the_duplicate_is_voided(
    gui: GuiDesk, qtbot
) -> None:
    """Issue 13, defect 6: "a site manager can void a duplicate check-in with a reason (a
    CORRECTION event, which today nothing ever writes)" — from the doctor's screen."""
    from datetime import UTC, datetime

    from vaccination.events import Event

    doctor = _doctor_with(gui, 1, 2)
    svc = gui.service
    elsewhere = Event.new(  # desk B checked the same person in while both were offline
        site=svc.site,
        desk="B",
        seq=1,
        at=datetime.now(UTC),
        kind=EventKind.CHECKIN,
        payload={"day": svc.day.isoformat(), "id_number": pid(1), "queue_number": "B001"},
    )
    gui.desk.store.apply_remote_events([elsewhere])
    doctor.refresh()
    assert [e.id_number for e in doctor.entries] == [pid(1), pid(2)]  # one entry each
    doctor.table.selectRow(0)
    assert doctor.void_button.isVisible() and "B001" in doctor.void_button.text()
    doctor.void_button.click()
    dialog = doctor.void_dialog
    assert dialog is not None and dialog.isVisible()
    assert "B001" in dialog.findChild(type(doctor.person_label)).text()
    dialog.set_reason("兩個櫃台離線時重複報到")
    dialog.accept()
    (void,) = [e for e in gui.desk.store.outbox.pending(1000) if e.kind is EventKind.CORRECTION]
    assert void.payload.target == elsewhere.event_id  # type: ignore[attr-defined]
    assert void.payload.reason == "兩個櫃台離線時重複報到"  # type: ignore[attr-defined]
    assert "已作廢 B001" in doctor.message_label.text()
    doctor.table.selectRow(0)
    assert not doctor.void_button.isVisible()  # nothing left to void
