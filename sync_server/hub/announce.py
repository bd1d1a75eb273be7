"""Announce the site hub on the site's network (mDNS / DNS-SD, `vaxdesk hub --announce`).

A desk's settings dialog lists the hubs it hears (`station_app/hub_discovery.py`) and
fills in the address. The announcement is a convenience, never a trust anchor: anyone on
the network can announce anything, so the desk still checks the certificate against the
fingerprint the site manager types in from the hub's screen.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vaccination.wire import HUB_SERVICE_TYPE

if TYPE_CHECKING:
    from zeroconf import ServiceInfo, Zeroconf


def lan_addresses(host: str) -> list[str]:
    """The IPv4 addresses the hub listens on that other PCs can reach (no loopback)."""
    if host not in ("0.0.0.0", "::", ""):
        return [host]
    import ifaddr

    return sorted(
        {
            str(ip.ip)
            for adapter in ifaddr.get_adapters()
            for ip in adapter.ips
            if isinstance(ip.ip, str) and not ip.ip.startswith("127.")
        }
    )


@dataclass
class HubAnnouncement:
    """The hub's service record, on the network until `close`."""

    zeroconf: Zeroconf
    info: ServiceInfo

    def close(self) -> None:
        self.zeroconf.unregister_service(self.info)
        self.zeroconf.close()


def announce_hub(host: str, port: int, fingerprint: str | None) -> HubAnnouncement:
    """Register `VaxDesk hub on HOSTNAME` with the hub's addresses, port and scheme."""
    from zeroconf import ServiceInfo, Zeroconf

    machine = socket.gethostname().split(".")[0] or "hub"
    properties = {"scheme": "https" if fingerprint else "http"}
    if fingerprint:
        properties["fingerprint"] = fingerprint
    info = ServiceInfo(
        HUB_SERVICE_TYPE,
        f"VaxDesk hub on {machine}.{HUB_SERVICE_TYPE}",
        port=port,
        properties=properties,
        server=f"{machine}.local.",
        parsed_addresses=lan_addresses(host),
    )
    zeroconf = Zeroconf()
    zeroconf.register_service(info, allow_name_change=True)
    return HubAnnouncement(zeroconf, info)
