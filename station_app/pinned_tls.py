"""Trust a site hub by the fingerprint of its own certificate, shown on the hub's screen.

The desk fetches the certificate the hub presents, compares its SHA-256 fingerprint with
the one in the desk's settings and, when they are equal, trusts that certificate and no
other for the connection (a TLS context whose only trust anchor it is). Whatever else
answers on the site's network at the hub's address is refused, never silently trusted.
"""

from __future__ import annotations

import logging
import ssl
from urllib.parse import urlsplit

import httpx

from station_app.bilingual_error import BilingualError
from vaccination.tls_fingerprint import (
    certificate_fingerprint,
    normalise_fingerprint,
    short_fingerprint,
)

log = logging.getLogger(__name__)


class HubPinError(BilingualError):
    """The hub cannot be trusted: no TLS, no such fingerprint, or another certificate."""


def pinned_context(url: str, fingerprint: str, timeout: float = 5.0) -> ssl.SSLContext:
    """A TLS context trusting only the certificate `url` presents, once its fingerprint
    is `fingerprint`; HubPinError otherwise (the hub is not reached, the desk does not
    fall back to trusting it)."""
    wanted = normalise_fingerprint(fingerprint)
    if wanted is None:
        raise HubPinError(
            "站內伺服器的憑證指紋格式不對（應為 64 個十六進位字元）。",
            "The hub's certificate fingerprint is malformed (64 hex digits expected).",
        )
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise HubPinError(
            "設定了憑證指紋，站內伺服器位址必須以 https:// 開頭。",
            "With a certificate fingerprint set, the hub's address must start with https://.",
        )
    try:
        pem = ssl.get_server_certificate((parts.hostname, parts.port or 443), timeout=timeout)
    except (OSError, ssl.SSLError) as exc:
        raise HubPinError(
            f"無法取得站內伺服器的憑證：{exc}", f"Could not read the hub's certificate: {exc}"
        ) from None
    got = certificate_fingerprint(ssl.PEM_cert_to_DER_cert(pem))
    if got != wanted:
        shown, expected = short_fingerprint(got), short_fingerprint(wanted)
        raise HubPinError(
            f"站內伺服器的憑證指紋不符（收到 {shown}，應為 {expected}），不連線。",
            f"The hub's certificate fingerprint does not match (got {shown}, "
            f"expected {expected}): not connecting.",
        )
    context = ssl.create_default_context(cadata=pem)
    # The one trusted certificate is the hub's own: its name need not be on it.
    context.check_hostname = False
    return context


class PinRefused(httpx.ConnectError):
    """The hub's certificate was refused (HubPinError as a connection failure: the desk
    goes on as offline, or straight to the bureau, and says why)."""

    def __init__(self, refused: HubPinError, request: httpx.Request) -> None:
        super().__init__(refused.message_en, request=request)
        self.message_zh = refused.message_zh
        self.message_en = refused.message_en


class PinnedTransport(httpx.BaseTransport):
    """HTTPS to a site hub trusting only its pinned certificate, checked when a connection
    is made: at the first request and again after any connection failure."""

    def __init__(self, url: str, fingerprint: str, timeout: float = 5.0) -> None:
        self._url = url
        self._fingerprint = fingerprint
        self._timeout = timeout
        self._inner: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            try:
                context = pinned_context(self._url, self._fingerprint, self._timeout)
            except HubPinError as exc:
                log.warning("site hub %s refused: %s", self._url, exc.message_en)
                raise PinRefused(exc, request) from None
            self._inner = httpx.HTTPTransport(verify=context)
        try:
            return self._inner.handle_request(request)
        except httpx.TransportError:
            self.close()  # the next connection checks the certificate again
            raise

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
            self._inner = None
