"""End to end: a site hub between the desks and the bureau, with the site's uplink cut.

A bureau server and a hub (`vaxdesk hub` in a child process) on loopback, a fault proxy
between them (the site's uplink, also the desks' own way to the bureau), four check-in
desks and a doctor desk, each a real store, check-in service and sync route (hub first,
the bureau when the hub fails). Where the machine allows (root, `ip netns`) the same day
is played with the bureau in a network namespace of its own and the link between the
namespaces cut with `ip link set down`. Uplink cut: the desks still agree through the hub.
Uplink healed: the bureau holds every event once. Hub killed: the desks go straight to
the bureau, nothing lost or doubled. A hub started again on an empty database rebuilds
from the bureau and the desks.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from desks import DAY, SITE_CODE, Desk, make_desk, pid, seed_roster
from fault_proxy import Fault, FaultProxy
from live_server import BOOT, ROOT, Admin, ThreadServer, auth, free_port, wait_until_up
from sqlalchemy import create_engine, select

from station_app.sync_client import SyncClient, SyncStatus
from station_app.sync_route import SyncRoute
from sync_server.db.tables import log
from vaccination.wire import HubStatus

pytestmark = pytest.mark.slow

LETTERS = "ABCD"
DOCTOR = "E"
PEOPLE = range(1, 31)


def poll(what: str, check: Callable[[], bool], timeout: float = 60.0) -> float:
    """Wait until `check()` holds (generously); the seconds it took, for the record only."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return time.perf_counter() - started
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {timeout} s")


@dataclass
class SiteDesk:
    """A desk whose sync goes through the hub first, the bureau otherwise."""

    desk: Desk
    route: SyncRoute
    statuses: list[SyncStatus]

    def cycle(self) -> None:
        self.route.run_cycle()


class HubProcess:
    """`vaxdesk hub` in a child process, so the test can kill it as a PC dies (SIGKILL)."""

    def __init__(self, database: str, upstream: str, token_file: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "vaxdesk", "hub", "--db", database, "--upstream", upstream,
             "--token-file", str(token_file), "--host", "127.0.0.1", "--port", str(port),
             "--interval", "0.1"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until_up(self.url)

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing more relayed."""
        self._proc.send_signal(signal.SIGKILL)
        self._proc.wait(10)

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(15)


class Uplink(Protocol):
    """The site's way to the bureau (the hub's and the desks' own): cut and healed."""

    url: str

    def cut(self) -> None: ...
    def heal(self) -> None: ...
    def close(self) -> None: ...


class ProxyUplink:
    """The uplink as a fault proxy on loopback in front of a bureau in a thread."""

    def __init__(self, database_url: str) -> None:
        self.bureau = ThreadServer(database_url, auth_cache_seconds=0).start()
        self.proxy = FaultProxy(self.bureau.port, {Fault.PASS: 1.0}).start()
        self.url = self.proxy.url
        self.bureau_url = self.bureau.url

    def cut(self) -> None:
        self.proxy.offline = True

    def heal(self) -> None:
        self.proxy.offline = False

    def close(self) -> None:
        self.proxy.stop()
        self.bureau.stop()


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class NamespaceUplink:
    """The bureau (`vaxdesk server`) in a network namespace of its own, reached over a
    veth pair; the hub and the desks stay in this one. Cut: `ip link set ... down`."""

    def __init__(self, database_url: str) -> None:
        tag = os.getpid() % 10_000
        self.ns, self.here, self.there = f"vdbureau{tag}", f"vds{tag}", f"vdb{tag}"
        net = f"10.231.{tag % 250}"
        _ip("netns", "add", self.ns)
        try:
            _ip("link", "add", self.here, "type", "veth", "peer", "name", self.there)
            _ip("link", "set", self.there, "netns", self.ns)
            _ip("addr", "add", f"{net}.1/30", "dev", self.here)
            _ip("link", "set", self.here, "up")
            inside = [
                ("addr", "add", f"{net}.2/30", "dev", self.there),
                ("link", "set", self.there, "up"),
                ("link", "set", "lo", "up"),
            ]
            for cmd in inside:
                _ip("netns", "exec", self.ns, "ip", *cmd)
            env = dict(os.environ, VAXDESK_SERVER_BOOTSTRAP_ADMIN_TOKEN=BOOT,
                       VAXDESK_SERVER_AUTH_CACHE_SECONDS="0")  # fmt: skip
            self._proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, sys.executable, "-m", "vaxdesk", "server",
                 "--db", database_url, "--host", f"{net}.2", "--port", "8000", "--workers", "1"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self.url = self.bureau_url = f"http://{net}.2:8000"
            wait_until_up(self.url)
        except BaseException:
            self.close()
            raise

    def cut(self) -> None:
        _ip("link", "set", self.here, "down")

    def heal(self) -> None:
        _ip("link", "set", self.here, "up")

    def close(self) -> None:
        proc = getattr(self, "_proc", None)
        if proc is not None:
            proc.terminate()
            proc.wait(15)
        subprocess.run(["ip", "link", "del", self.here], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, check=False)


@dataclass
class Site:
    bureau_db: str
    admin: Admin
    uplink: Uplink
    folder: Path
    hub_token: str
    desk_tokens: dict[str, str]
    hub: HubProcess | None = None

    def start_hub(self, port: int | None = None, database: str = "hub.db") -> HubProcess:
        token_file = self.folder / "hub.token"
        token_file.write_text(self.hub_token + "\n", encoding="utf-8")
        self.hub = HubProcess(
            f"sqlite:///{self.folder / database}", self.uplink.url, token_file, port or free_port()
        )
        return self.hub

    def hub_status(self) -> HubStatus:
        assert self.hub is not None
        r = httpx.get(
            f"{self.hub.url}/api/v1/hub/status", headers=auth(self.desk_tokens["A"]), timeout=5
        )
        assert r.status_code == 200, r.text
        return HubStatus.model_validate(r.json())

    def bureau_events(self) -> list[str]:
        engine = create_engine(self.bureau_db)
        try:
            with engine.connect() as conn:
                return list(conn.scalars(select(log.c.event_id).where(log.c.entry == "event")))
        finally:
            engine.dispose()

    def day_closing(self) -> dict[str, Any]:
        r = self.admin.call("GET", f"/api/v1/sites/{SITE_CODE}/days/{DAY}/closing")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def reconciliation(self) -> dict[str, Any]:
        r = self.admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}")
        assert r.status_code == 200, r.text
        return dict(r.json())


def _relayed_all(status: HubStatus) -> bool:
    return status.waiting == 0 and status.upstream_reachable


def _hub_learnt_site(site: Site) -> bool:
    try:
        status = site.hub_status()
    except (AssertionError, httpx.TransportError):
        return False  # the hub does not know the desk's token yet
    return status.upstream_reachable and status.site == SITE_CODE


def _open_site(db_url: str, uplink: ProxyUplink | NamespaceUplink, folder: Path) -> Iterator[Site]:
    try:
        admin = Admin(uplink.bureau_url)
        admin.site(SITE_CODE, "臺南市立體育館")
        seed_roster(admin, SITE_CODE, PEOPLE)
        tokens = {letter: admin.desk(SITE_CODE, letter) for letter in LETTERS + DOCTOR}
        # The HTTP way to enrol a hub (the CLI's is tested below).
        r = admin.call("POST", f"/api/v1/sites/{SITE_CODE}/hub")
        assert r.status_code == 201, r.text
        s = Site(db_url, admin, uplink, folder, r.json()["token"], tokens)
        s.start_hub()
        try:
            poll("the hub learns its site and desks", lambda: _hub_learnt_site(s))
            yield s
        finally:
            if s.hub is not None:
                s.hub.stop()
    finally:
        uplink.close()


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[Site]:
    """The bureau behind a fault proxy (SQLite and PostgreSQL)."""
    yield from _open_site(db_url, ProxyUplink(db_url), tmp_path)


@pytest.fixture
def namespace_site(tmp_path: Path) -> Iterator[Site]:
    """The bureau in a network namespace of its own (root and `ip netns` needed)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 for a network namespace")
    db_url = f"sqlite:///{tmp_path / 'bureau.db'}"
    try:
        uplink = NamespaceUplink(db_url)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"no network namespace here: {exc.stderr!r}")
    yield from _open_site(db_url, uplink, tmp_path)


def _site_desks(site: Site, tmp_path: Path) -> dict[str, SiteDesk]:
    assert site.hub is not None
    out: dict[str, SiteDesk] = {}
    from desks import SITE

    for letter in LETTERS + DOCTOR:
        statuses: list[SyncStatus] = []
        desk = make_desk(
            tmp_path, site.hub.url, site.desk_tokens[letter], letter, hub=True,
            on_status=statuses.append,
        )  # fmt: skip
        bureau = SyncClient(
            desk.store,
            site.uplink.url,
            site.desk_tokens[letter],
            interval=0.05,
            product_codes=desk.client.product_codes,
            bundled_rules=desk.client.bundled_rules(),
            on_rules=desk.service.use_rules,
            on_status=statuses.append,
        )
        assert desk.service.site == SITE
        out[letter] = SiteDesk(desk, SyncRoute(desk.client, bureau, hub_retry=0.2), statuses)
    return out


def _sync_all(desks: dict[str, SiteDesk], rounds: int = 3) -> None:
    for _ in range(rounds):
        for d in desks.values():
            d.cycle()


def _counters(desks: dict[str, SiteDesk]) -> set[Any]:
    return {d.desk.service.counters() for d in desks.values()}


def _local_events(desks: dict[str, SiteDesk]) -> list[str]:
    return [
        e.event_id
        for d in desks.values()
        for e in d.desk.store.outbox.all_events()
        if e.desk == d.desk.service.desk
    ]


def _check_in_and_reach_doctor(desks: dict[str, SiteDesk], letter: str, n: int) -> float:
    """Check person n in at a desk; the seconds until the doctor desk's queue shows them."""
    started = time.perf_counter()
    out = desks[letter].desk.service.check_in(pid(n))
    assert out.checked_in, out.assessment.codes()
    doctor = desks[DOCTOR]

    def on_queue() -> bool:
        desks[letter].cycle()
        doctor.cycle()
        return any(e.checkin_id == out.checkin_id for e in doctor.desk.service.doctor_queue())

    poll(f"check-in of person {n} at {letter} on the doctor's queue", on_queue)
    return time.perf_counter() - started


def _assert_bureau_equals_desks(site: Site, desks: dict[str, SiteDesk]) -> None:
    held = site.bureau_events()
    mine = _local_events(desks)
    assert sorted(held) == sorted(set(held)), "an event is held twice at the bureau"
    assert set(held) == set(mine)
    assert len(held) == len(mine)
    (counters,) = _counters(desks)
    counts = site.reconciliation()["counts"]
    assert counts["checked_in"] == counters.checked_in
    assert counts["no_show"] == counters.not_arrived
    assert counts["not_approved"] == counters.not_approved


def test_desks_agree_through_the_hub_while_the_uplink_is_cut(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _play_the_day(site, tmp_path, capsys)


def test_the_same_day_with_the_bureau_in_another_network_namespace(
    namespace_site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _play_the_day(namespace_site, tmp_path, capsys)


def _play_the_day(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desks = _site_desks(site, tmp_path)
    try:
        for d in desks.values():
            assert d.route.download_roster(DAY) == len(PEOPLE)
            assert d.route.current is None or d.route.current is d.route.hub
        site.uplink.cut()
        poll("the hub sees the uplink cut", lambda: not site.hub_status().upstream_reachable)

        # Part 1: the uplink is down all along; the site still agrees with itself.
        seconds = [
            _check_in_and_reach_doctor(desks, LETTERS[i % 4], n) for i, n in enumerate(range(1, 13))
        ]
        doctor = desks[DOCTOR].desk.service
        for entry in doctor.doctor_queue()[:4]:
            doctor.doctor_decision(entry.checkin_id, entry.id_number != pid(3), "發燒")
        _sync_all(desks)
        assert len(_counters(desks)) == 1, _counters(desks)
        (counters,) = _counters(desks)
        assert counters.checked_in == 12
        assert all(d.route.current is d.route.hub for d in desks.values())
        status = site.hub_status()
        assert not status.upstream_reachable
        assert status.waiting == len(_local_events(desks))
        assert site.bureau_events() == []
        last = desks["A"].statuses[-1]
        assert last.text_zh().startswith(f"已連線（站內），衛生局離線 {status.waiting} 筆未上傳")
        seconds.sort()
        with capsys.disabled():
            print(
                f"\ncheck-in -> doctor through the hub, uplink cut: median "
                f"{seconds[len(seconds) // 2]:.3f} s, max {seconds[-1]:.3f} s"
            )

        # Part 2: the uplink heals; the hub relays everything, once.
        site.uplink.heal()
        # Waiting 0 with the bureau reachable: a pull sent into the cut may time out first.
        poll("the hub relays everything", lambda: _relayed_all(site.hub_status()))
        _assert_bureau_equals_desks(site, desks)
        _sync_all(desks, 1)
        assert desks["A"].statuses[-1].text_zh().startswith("已連線（站內）")
        # The desks' reports travel up too: the bureau sees every desk has sent everything.
        poll("the bureau could close the day", lambda: site.day_closing()["ready"])

        # Part 3: the uplink goes again, check-ins reach the hub only, then the hub dies.
        site.uplink.cut()
        poll("the hub sees the uplink cut", lambda: not site.hub_status().upstream_reachable)
        for i, n in enumerate(range(13, 17)):
            _check_in_and_reach_doctor(desks, LETTERS[i], n)
        assert site.hub_status().waiting == 4
        assert site.hub is not None
        hub_port = site.hub.port
        site.hub.kill()
        site.hub = None
        site.uplink.heal()
        # The desks go straight to the bureau and offer again what the hub never relayed.
        for i, n in enumerate(range(17, 21)):
            out = desks[LETTERS[i]].desk.service.check_in(pid(n))
            assert out.checked_in, out.assessment.codes()
        _sync_all(desks)
        assert all(d.route.current is d.route.bureau for d in desks.values())
        assert len(_counters(desks)) == 1, _counters(desks)
        (counters,) = _counters(desks)
        assert counters.checked_in == 20
        assert all(d.desk.store.outbox.count_pending() == 0 for d in desks.values())
        _assert_bureau_equals_desks(site, desks)

        # Part 4: a hub started on an empty database rebuilds from the bureau and the desks.
        site.start_hub(port=hub_port, database="hub-new.db")
        poll("the new hub learns its site", lambda: _hub_learnt_site(site))
        poll("the new hub mirrors the bureau", lambda: site.hub_status().waiting == 0)
        time.sleep(0.3)  # past the routes' hub_retry
        _check_in_and_reach_doctor(desks, "B", 21)
        _sync_all(desks)
        assert all(d.route.current is d.route.hub for d in desks.values())
        assert len(_counters(desks)) == 1, _counters(desks)
        poll("the new hub relays", lambda: site.hub_status().waiting == 0)
        _assert_bureau_equals_desks(site, desks)
    finally:
        for d in desks.values():
            d.route.stop()
            d.desk.store.close()


def test_a_hub_token_relays_only_its_own_sites_desks(site: Site) -> None:
    base = f"{site.admin.url}/api/v1/sites"
    hub = auth(site.hub_token)
    site.admin.site("TN02", "永康國小")
    assert httpx.get(f"{base}/TN02/events", headers=hub).status_code == 403
    assert httpx.post(f"{base}/TN02/events", json={"events": []}, headers=hub).status_code == 403
    no_desk = httpx.post(f"{base}/{SITE_CODE}/events", json={"events": []}, headers=hub)
    assert no_desk.status_code == 422
    unknown = httpx.post(
        f"{base}/{SITE_CODE}/events", params={"desk": "Z"}, json={"events": []}, headers=hub
    )
    assert unknown.status_code == 422
    ok = httpx.post(
        f"{base}/{SITE_CODE}/events", params={"desk": "A"}, json={"events": []}, headers=hub
    )
    assert ok.status_code == 200, ok.text
    # A hub is not a bureau administrator: it enrols nobody.
    r = httpx.post(f"{base}/{SITE_CODE}/hub", headers=hub)
    assert r.status_code == 403
    # A desk's token reads no digests.
    r = httpx.get(f"{base}/{SITE_CODE}/hub/site", headers=auth(site.desk_tokens["A"]))
    assert r.status_code == 403
    # The bureau's own server relays to nobody.
    r = httpx.get(f"{site.admin.url}/api/v1/hub/status", headers=auth(site.desk_tokens["A"]))
    assert r.status_code == 404


def test_the_commands_enrol_and_run_a_hub(tmp_path: Path) -> None:
    """`vaxdesk server hub add` writes the token; `vaxdesk hub` serves the site's desks."""
    from vaxdesk.cli import main

    db = f"sqlite:///{tmp_path / 'bureau.db'}"
    assert main(["server", "migrate", "--db", db]) == 0
    bureau = ThreadServer(db, auth_cache_seconds=0).start()
    try:
        admin = Admin(bureau.url)
        admin.site(SITE_CODE, "臺南市立體育館")
        seed_roster(admin, SITE_CODE, range(1, 4))
        desk_token = admin.desk(SITE_CODE, "A")
        token_file = tmp_path / "hub.token"
        assert main(["server", "hub", "add", "--db", db, "--site", SITE_CODE,
                     "--token-out", str(token_file)]) == 0  # fmt: skip
        assert token_file.stat().st_mode & 0o077 == 0
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "vaxdesk", "hub", "--db", f"sqlite:///{tmp_path / 'hub.db'}",
             "--upstream", bureau.url, "--token-file", str(token_file), "--host", "127.0.0.1",
             "--port", str(port), "--interval", "0.2"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url)

            def roster_at_hub() -> bool:
                r = httpx.get(
                    f"{url}/api/v1/sites/{SITE_CODE}/rosters/{DAY}", headers=auth(desk_token)
                )
                return r.status_code == 200 and len(r.json()["entries"]) == 3

            poll("the hub serves the bureau's roster to the bureau's desk", roster_at_hub)
        finally:
            proc.terminate()
            proc.wait(15)
    finally:
        bureau.stop()


def test_hub_command_refuses_an_empty_token_file(tmp_path: Path) -> None:
    from vaxdesk.cli import UserError
    from vaxdesk.cmd_hub import read_hub_token

    empty = tmp_path / "hub.token"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(UserError, match="empty"):
        read_hub_token(empty)
    with pytest.raises(UserError, match="cannot read"):
        read_hub_token(tmp_path / "missing.token")
