"""Test helper: a day's roster of RosterRow values as the desk service returns them."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from station_app.desk_api import RosterRow
from vaccination.ids import make_national_id, mask_id

DAY = date(2026, 11, 22)
SITE = "臺南市立體育館"
_SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅"
_GIVEN = "小明美玲志強淑芬家豪怡君建宏雅婷俊傑"


def roster_rows(count: int, seed: int = 7, per_slot: int = 160) -> list[RosterRow]:
    """`count` people in half-hour slots from 08:00, some checked in, shuffled."""
    rnd = random.Random(seed)
    rows = []
    for i in range(count):
        id_number = make_national_id("D", 1 + i % 2, 1_000_000 + i)
        checked_in = rnd.random() < 0.6
        vaccinated = checked_in and rnd.random() < 0.7
        rows.append(
            RosterRow(
                row_number=i + 1,
                id_number=id_number,
                masked_id=mask_id(id_number),
                name=rnd.choice(_SURNAMES) + rnd.choice(_GIVEN) + rnd.choice(_GIVEN),
                birth_date=date(
                    1940 + rnd.randrange(60), rnd.randrange(1, 13), 1 + rnd.randrange(28)
                ),
                phone=f"09{rnd.randrange(10**8):08d}",
                dose=2,
                dose_label="第2劑",
                history_text=(
                    "CoV_AZ 2021-06-15"
                    if i % 3
                    else "CoV_Moderna 2021-07-01; CoV_Moderna 2021-08-05; CoV_BNT 2022-01-05"
                ),
                site=SITE,
                slot_start=datetime(2026, 11, 22, 8, 0) + timedelta(minutes=30 * (i // per_slot)),
                product=("CoV_AZ", "CoV_Moderna", "CoV_BNT")[i % 3],
                checked_in=checked_in,
                checkin_time=None,
                queue_number=f"A{i + 1:03d}" if checked_in else None,
                vaccinated=vaccinated,
                doctor_not_approved=checked_in and not vaccinated and rnd.random() < 0.2,
                walk_in=False,
                flags=(),
            )
        )
    rnd.shuffle(rows)
    return rows
