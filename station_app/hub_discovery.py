"""Find the site hubs announced on the site's network (mDNS / DNS-SD).

Only the address is taken from an announcement: the fingerprint a hub announces is shown
for comparison, never trusted. The desk trusts the certificate whose fingerprint the site
manager typed in from the hub's own screen (station_app/pinned_tls.py).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vaccination.wire import HUB_SERVICE_TYPE

if TYPE_CHECKING:
    from zeroconf import Zeroconf


@dataclass(frozen=True)
class FoundHub:
    """A hub heard on the network: its name, the address to sync with, what it announced."""

    name: str
    url: str
    announced_fingerprint: str  # "" for a plain-HTTP hub; to compare, never to trust


def _found(zc: Zeroconf, name: str) -> FoundHub | None:
    info = zc.get_service_info(HUB_SERVICE_TYPE, name, timeout=1500)
    if info is None or not info.parsed_addresses() or info.port is None:
        return None
    text = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
    scheme = "https" if text.get("scheme") == "https" else "http"
    address = info.parsed_addresses()[0]
    label = name.removesuffix("." + HUB_SERVICE_TYPE)
    return FoundHub(label, f"{scheme}://{address}:{info.port}", text.get("fingerprint", ""))


def find_hubs(seconds: float = 3.0) -> list[FoundHub]:
    """The hubs announced within `seconds` (a blocking call: run it off the GUI thread)."""
    from zeroconf import ServiceBrowser, ServiceListener, Zeroconf

    names: set[str] = set()
    heard = threading.Event()

    class Listener(ServiceListener):
        def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            names.add(name)
            heard.set()

        def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            self.add_service(zc, type_, name)

        def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
            names.discard(name)

    zc = Zeroconf()
    try:
        browser = ServiceBrowser(zc, HUB_SERVICE_TYPE, Listener())
        deadline = time.monotonic() + seconds
        heard.wait(seconds)
        time.sleep(max(0.0, min(0.5, deadline - time.monotonic())))  # others answer too
        browser.cancel()
        found = [hub for name in sorted(names) if (hub := _found(zc, name))]
    finally:
        zc.close()
    return found
