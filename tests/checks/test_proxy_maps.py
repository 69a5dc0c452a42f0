"""MP339 on a deployed configuration: which proxy_read_maps proxymap reads, and the values left unjudged.

The live measurements are tests/e2e/test_owner_maps_live.py (main.cf's proxy_read_maps leaving the map
out, and a service's own -o map under the default); these cases pin what the check reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.audit.run import audit_config
from tests.audit.config_folder import BASE
from tests.audit.config_folder import config_folder as folder

MAIN = BASE + """\
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sender_login_maps = proxy:ldap:/etc/postfix/ldap-senders.cf
smtpd_sender_restrictions = reject_sender_login_mismatch
"""
SMTPD = "smtp inet n - y - - smtpd\n"


def _mp339(path: Path) -> list[str]:
    return [f"{Path(d.span.path).name}:{d.span.line}:{d.span.column}"
            for d in audit_config(path).diagnostics if d.code == "MP339"]


@pytest.mark.parametrize(("proxy_read_maps", "refused"), [
    ("", False),  # the default names $smtpd_sender_login_maps
    ("proxy_read_maps = $virtual_alias_maps\n", True),
    ("proxy_read_maps = proxy:proxy:ldap:/etc/postfix/ldap-senders.cf\n", False),  # every proxy: is stripped
    ("proxy_read_maps = ldap:/etc/postfix/ldap-senders.cf\n", True),  # approves only words after proxy:
    ("proxy_read_maps = $smtpd_sender_login_maps, proxy:hash:/etc/postfix/x\n", False),
    # Left alone: a /file (3.7 ignores it, later versions read it) and a nested map proxymap reads itself.
    ("proxy_read_maps = /etc/postfix/approved\n", False),
    ("proxy_read_maps = unionmap:{proxy:ldap:/etc/postfix/ldap-senders.cf}\n", False),
    # A value Postfix cannot expand is MP708's, not a guess here.
    ("proxy_read_maps = ${nothing?{x}\n", False),
])
def test_main_cf_proxy_read_maps(tmp_path: Path, proxy_read_maps: str, refused: bool) -> None:
    found = _mp339(folder(tmp_path, MAIN + proxy_read_maps, SMTPD))
    assert found == (["main.cf:10:1"] if refused else []), found


def test_the_proxymap_services_own_o_is_what_proxymap_reads(tmp_path: Path) -> None:
    # An smtpd `-o proxy_read_maps` is read by nobody; the proxymap service's own -o is proxymap's.
    smtpd_only = SMTPD.rstrip("\n") + " -o proxy_read_maps=$virtual_alias_maps\n"
    assert _mp339(folder(tmp_path / "smtpd", MAIN, smtpd_only)) == []
    proxymap = SMTPD + "proxymap unix - - n - - proxymap\n  -o proxy_read_maps=$virtual_alias_maps\n"
    assert _mp339(folder(tmp_path / "proxymap", MAIN, proxymap)) == ["master.cf:3:6"]
    renamed = "proxymap_service_name = myproxy\n"
    other = SMTPD + "myproxy unix - - n - - proxymap\n  -o proxy_read_maps=$virtual_alias_maps\n"
    assert _mp339(folder(tmp_path / "renamed", MAIN + renamed, other)) == ["master.cf:3:6"]
