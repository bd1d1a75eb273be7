"""The desk's choice of way: the site hub when it answers, the bureau otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from station_app.sync_client import SyncRefused, SyncReport, SyncUnavailable
from station_app.sync_route import SyncRoute


@dataclass
class Way:
    """A stand-in for one SyncClient: succeeds, or raises what it is told to."""

    server_url: str
    fails: Exception | None = None
    cycles: int = 0
    rechecks: int = 0
    interval: float = 1.0
    max_backoff: float = 60.0
    log: list[str] = field(default_factory=list)

    def sync_once(self) -> SyncReport:
        self.log.append(self.server_url)
        if self.fails is not None:
            raise self.fails
        self.cycles += 1
        return SyncReport()

    def recheck_acks(self) -> None:
        self.rechecks += 1

    def next_delay(self, retry_after: float | None = None) -> float:
        return retry_after if retry_after is not None else 2.0


def _route(hub_retry: float = 1000.0) -> tuple[SyncRoute, Way, Way]:
    order: list[str] = []
    hub, bureau = Way("hub", log=order), Way("bureau", log=order)
    return SyncRoute(hub, bureau, hub_retry=hub_retry), hub, bureau  # type: ignore[arg-type]


def test_the_hub_is_used_while_it_answers() -> None:
    route, hub, bureau = _route()
    route.sync_once()
    route.sync_once()
    assert (hub.cycles, bureau.cycles) == (2, 0)
    assert hub.rechecks == 1  # the first way taken asks how far it holds the desk's events


def test_an_unreachable_hub_sends_the_desk_to_the_bureau_which_is_asked_first() -> None:
    route, hub, bureau = _route()
    route.sync_once()
    hub.fails = SyncUnavailable("無法連線", "cannot reach")
    route.sync_once()
    assert route.current is bureau and bureau.rechecks == 1
    route.sync_once()  # the hub is not tried again before hub_retry
    assert hub.log.count("hub") == 2
    assert bureau.cycles == 2


def test_a_desk_goes_back_to_the_hub_and_asks_it_again() -> None:
    route, hub, bureau = _route(hub_retry=0.0)
    hub.fails = SyncRefused(401, "憑證無效", "bad token")  # a hub that has not learnt the desk
    route.sync_once()
    assert route.current is bureau
    hub.fails = None
    route.sync_once()
    assert route.current is hub and hub.rechecks == 2


def test_a_busy_hub_is_waited_for_not_left() -> None:
    route, hub, bureau = _route()
    hub.fails = SyncUnavailable("忙碌", "busy", retry_after=3.0)
    with pytest.raises(SyncUnavailable):
        route.sync_once()
    assert bureau.log.count("bureau") == 0
    assert route.run_cycle() == 3.0


def test_with_both_down_the_hub_is_tried_first_again() -> None:
    route, hub, bureau = _route()
    hub.fails = SyncUnavailable("無法連線", "cannot reach")
    bureau.fails = SyncUnavailable("無法連線", "cannot reach")
    assert route.run_cycle() == 2.0
    route.run_cycle()
    assert hub.log == ["hub", "bureau", "hub", "bureau"]
