"""The SHA-256 fingerprint by which a desk pins a site hub's own TLS certificate.

The hub shows it on its screen when it starts (`vaxdesk hub --tls`); the site manager
types it into the desk's settings. Both ends write it one way: the 32 bytes of the
SHA-256 digest of the certificate (DER) as upper-case hex pairs joined by ':'.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

_SEPARATORS: Final = re.compile(r"[\s:\-]")
_HEX64: Final = re.compile(r"[0-9A-F]{64}")


def certificate_fingerprint(der: bytes) -> str:
    """The fingerprint of a certificate given in DER form, `AB:CD:...` (95 characters)."""
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def short_fingerprint(fingerprint: str) -> str:
    """The first and last pairs, enough to compare on a screen (AB:CD…EF:01)."""
    return f"{fingerprint[:5]}…{fingerprint[-5:]}"


def normalise_fingerprint(text: str) -> str | None:
    """`text` as a fingerprint, whatever its separators and case; None if it is not one."""
    digits = _SEPARATORS.sub("", text).upper()
    if not _HEX64.fullmatch(digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))
