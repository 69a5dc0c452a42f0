"""certificate.py: the sandbox's throwaway TLS key is private from its creation and names the policy's host.

The verify client accepts the certificate unverified (client.tls_context), so its dates and
extensions decide nothing; what matters is that the private key is never readable by others nor
written through a link planted at its name (docs/mutation.md: these survived a mutation run).
"""

from __future__ import annotations

import datetime
import os
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mailpolicy.sandbox.certificate import write_certificate


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_key_is_private_the_certificate_public_and_both_belong_together(tmp_path: Path) -> None:
    old = os.umask(0)  # the modes asked for, not the umask, keep the key private
    try:
        cert_path, key_path = write_certificate(tmp_path / "tls", "mail.example.com")
    finally:
        os.umask(old)
    assert (cert_path, key_path) == (tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem")
    assert (mode(tmp_path / "tls"), mode(cert_path), mode(key_path)) == (0o755, 0o644, 0o600)
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["mail.example.com"]
    now = datetime.datetime.now(datetime.timezone.utc)
    assert certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


@pytest.mark.parametrize("planted", ["link", "file"])
def test_a_key_name_taken_before_is_refused_and_nothing_is_written_through_it(tmp_path: Path, planted: str) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    (tmp_path / "tls").mkdir()
    if planted == "link":
        (tmp_path / "tls" / "key.pem").symlink_to(victim)
    else:
        (tmp_path / "tls" / "key.pem").write_text("planted\n")
    with pytest.raises(FileExistsError):
        write_certificate(tmp_path / "tls", "mail.example.com")
    assert victim.read_text() == "keep\n"
