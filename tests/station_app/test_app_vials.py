"""F4 (疫苗批號): each open vial's time left, the warning before it expires, 丟棄 once expired.

The real window over the real service on a temporary store; the desk's clock is the
fixture's settable clock (the service's clock seam), so no test waits for hours.
"""

from __future__ import annotations

import pytest
from app_fixtures import GuiDesk, gui_fixture  # noqa: F401 (the gui fixture)
from store_fixtures import rules

from station_app.views.person_card import COLOURS
from vaccination.events import VialDiscardedEvent, VialOpenedEvent

pytestmark = pytest.mark.gui

LOT = "MOD001-CDC"


def _row(gui: GuiDesk) -> list[str]:
    table = gui.window.lots_view.vial_table
    return [table.item(0, c).text() for c in range(table.columnCount())]


def _check(gui: GuiDesk, hh: int, mm: int) -> None:
    gui.service.clock.set(hh, mm)
    gui.window.check_vials()
    gui.settle()


def test_an_open_vial_counts_down_warns_and_is_discarded_once_expired(gui: GuiDesk) -> None:
    """Seed 002 on Moderna: 「疫苗一旦開封，必須保存於 2~25°C 環境，並標示首次使用之日期時間，
    6 小時未用畢者即需丟棄。」: the rule set's hours after opening is that 6."""
    assert (
        rules()
        .for_product("CoV_Moderna", gui.service.day)
        .product("CoV_Moderna")
        .hours_after_opening
        == 6
    )
    gui.service.open_vial("CoV_Moderna", LOT)  # at 09:05
    (opened,) = [e for e in gui.desk.store.outbox.pending(50) if isinstance(e, VialOpenedEvent)]
    gui.window.show_view(3)
    lots = gui.window.lots_view
    gui.settle()
    assert _row(gui) == ["莫德納", LOT, "A", "09:05", "15:05", "10", "6 小時 0 分"]
    assert lots.vial_states() == ["ok"]
    assert gui.window.vial_label.isHidden()

    _check(gui, 14, 45)  # 20 minutes left: inside the 30 minutes' warning
    assert gui.window.vial_label.text() == f"注意：莫德納 批號 {LOT} 開瓶 20 分鐘後到期"
    assert not gui.window.vial_label.isHidden()
    assert lots.vial_states() == ["warn"]
    assert lots.vial_table.item(0, 0).background().color().name() == COLOURS["warn"][1]
    assert _row(gui)[6] == "0 小時 20 分"

    _check(gui, 15, 6)  # past 6 hours
    assert _row(gui)[6] == "已過期，請丟棄"
    assert lots.vial_states() == ["expired"]
    assert lots.vial_table.item(0, 0).background().color().name() == COLOURS["block"][1]
    assert gui.window.vial_label.text() == f"莫德納 批號 {LOT} 開瓶已過期，請丟棄（F4）"

    assert lots.table.item(0, 5).text() == "10"  # 開瓶剩餘劑數
    lots.vial_table.selectRow(0)
    lots.discard_button.click()
    (discard,) = [e for e in gui.desk.store.outbox.pending(50) if isinstance(e, VialDiscardedEvent)]
    assert discard.payload.lot == LOT and discard.payload.reason == "開瓶逾 6 小時"
    assert discard.payload.vial == opened.event_id
    assert lots.vial_table.rowCount() == 0
    assert lots.table.item(0, 5).text() == "0"  # the vial's doses went with it
    _check(gui, 15, 7)
    assert gui.window.vial_label.isHidden()
