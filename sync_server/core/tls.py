"""The site hub's own TLS certificate: made once, self-signed, pinned by the desks.

A hub on a site's network has no name a public CA would certify. It makes its own
certificate on first start (an EC P-256 key, ten years, the host's names and addresses
as subject alternative names), keeps it beside its database and shows its SHA-256
fingerprint; each desk is told that fingerprint and trusts that certificate only.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vaccination.private_file import write_private
from vaccination.tls_fingerprint import certificate_fingerprint

CERT_FILE: Final[str] = "hub-cert.pem"
KEY_FILE: Final[str] = "hub-key.pem"
VALID_DAYS: Final[int] = 3650


@dataclass(frozen=True)
class HubCertificate:
    """Where the hub's certificate and key are, and the fingerprint desks pin."""

    cert_file: Path
    key_file: Path
    fingerprint: str


def _alternative_names(names: Iterable[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in dict.fromkeys(["localhost", "127.0.0.1", socket.gethostname(), *names]):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def _make(cert_file: Path, key_file: Path, names: Iterable[str]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VaxDesk site hub")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_alternative_names(names)), critical=False)
        # Its own trust anchor: the desks trust this one certificate, no chain above it.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(key_file, key_pem)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_hub_certificate(folder: Path, names: Iterable[str] = ()) -> HubCertificate:
    """The hub's certificate in `folder`, made there on first use; `names` are further
    host names or addresses the desks reach the hub by."""
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / CERT_FILE, folder / KEY_FILE
    if not (cert_file.exists() and key_file.exists()):
        _make(cert_file, key_file, names)
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    der = cert.public_bytes(serialization.Encoding.DER)
    return HubCertificate(cert_file, key_file, certificate_fingerprint(der))
