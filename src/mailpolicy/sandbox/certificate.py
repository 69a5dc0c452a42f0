"""A throwaway TLS certificate for the sandbox's smtpd, made with the `cryptography` package.

The policy names the site's real certificate and key, which need not exist on the machine that
verifies (and must not be read there if they do): the sandbox replaces them with a self-signed
P-256 certificate for the policy's host name, valid for a day, made fresh for each boot. The
verify client accepts it unverified: what is tested is what smtpd does with TLS, not the site's
certificate chain. `cryptography` is the maintained library for this (pyca); calling `openssl`
would add a program and its text output to parse.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def write_certificate(folder: Path, hostname: str) -> tuple[Path, Path]:
    """Write `cert.pem` and `key.pem` (mode 0600: smtpd reads it as root before it drops privileges)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(mode=0o755, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    os.chmod(cert_path, 0o644)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path
