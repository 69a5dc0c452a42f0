"""The audit's verdicts on a real Postfix: what it calls an open relay relays, what it calls safe refuses.

Each configuration is audited as a folder (main.cf and master.cf), then the same main.cf is booted
in the sandbox. Every sandbox client connects from loopback, so loopback stands in for the
internet: the configuration's `127.0.0.0/8` becomes `127.0.0.1/32` (this host) before both the
audit and the boot, and 127.0.0.9 plays the outside client. Nothing else of the file changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.audit.run import audit_config
from mailpolicy.sandbox import Sandbox
from mailpolicy.verify import OUTSIDE_SOURCE

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SENDERS = "/etc/postfix/controlled_envelope_senders"
LOGINS = {"jimminey": "jimminey-pw"}
VICTIM = "victim@gmail.test"
# The relay tricks an open-relay scanner tries (POSTFIX-NOTES.md): each must be refused too.
TRICKS = ("victim%gmail.test@example0.com", "gmail.test!victim@example0.com",
          '"victim@gmail.test"@example0.com', "victim@gmail.test@example0.com")
STAND_INS = (("127.0.0.0/8", "127.0.0.1/32"), ("[::ffff:127.0.0.0]/104", "[::ffff:127.0.0.1]/128"))


def stand_in(main_cf: str) -> str:
    """Return main.cf with loopback narrowed to this host, so 127.0.0.9 is an outside client."""
    for wide, narrow in STAND_INS:
        main_cf = main_cf.replace(wide, narrow)
    assert "127.0.0.0/8" not in main_cf
    return main_cf


def prepared(tmp_path: Path, source: Path, extra: str = "") -> tuple[Path, str]:
    """Copy a configuration folder into tmp_path with the loopback stand-in; return it and its main.cf."""
    main_cf = stand_in((source / "main.cf").read_text() + extra)
    (tmp_path / "main.cf").write_text(main_cf)
    (tmp_path / "master.cf").write_text((source / "master.cf").read_text())
    for table in source.glob("controlled_envelope_senders"):
        (tmp_path / table.name).write_text(table.read_text())
    return tmp_path, main_cf


def maps(folder: Path) -> dict[str, str]:
    table = folder / "controlled_envelope_senders"
    return {SENDERS: table.read_text()} if table.exists() else {}


def relay_attempts(sandbox: Sandbox) -> list:
    return [sandbox.try_send(OUTSIDE_SOURCE, None, None, "spam@evil.test", recipient, timeout=5)
            for recipient in (VICTIM, *TRICKS)]


OPEN = {
    # The seed's mistake: permit_mynetworks with 0.0.0.0/0 in mynetworks.
    "seed open relay": (FIXTURES / "seed" / "open_relay", ""),
    # A public range wider than /8 in mynetworks (64.0.0.0/2 holds the outside stand-in).
    "wide public network": (FIXTURES / "debian", "mynetworks = 127.0.0.0/8 64.0.0.0/2\n"),
    # relay_domains naming a domain this server does not serve: mail for it is accepted from anyone.
    "foreign relay domain": (FIXTURES / "debian", "relay_domains = gmail.test\n"),
}
# configuration -> the code its relay refusal carries (Debian's list ends in defer_unauth_destination).
SAFE = {
    "seed fixed": (FIXTURES / "seed" / "fixed", 554),
    "Debian stock": (FIXTURES / "debian", 454),
}


@pytest.mark.parametrize("name", sorted(OPEN))
def test_what_the_audit_calls_an_open_relay_relays(tmp_path, name):
    source, extra = OPEN[name]
    folder, main_cf = prepared(tmp_path, source, extra)
    audit = audit_config(folder)
    assert "MP301" in {d.code for d in audit.diagnostics}
    with Sandbox(main_cf, maps=maps(folder), logins=LOGINS) as sandbox:
        relayed = sandbox.try_send(OUTSIDE_SOURCE, None, None, "spam@evil.test", VICTIM, timeout=5)
    assert relayed.accepted, relayed


@pytest.mark.parametrize("name", sorted(SAFE))
def test_what_the_audit_calls_safe_refuses_to_relay(tmp_path, name):
    source, code = SAFE[name]
    folder, main_cf = prepared(tmp_path, source)
    audit = audit_config(folder)
    assert audit.ok and "MP301" not in {d.code for d in audit.diagnostics}
    with Sandbox(main_cf, maps=maps(folder), logins=LOGINS) as sandbox:
        attempts = relay_attempts(sandbox)
    assert [a.accepted for a in attempts] == [False] * len(attempts), attempts
    assert attempts[0].code == code and "Relay access denied" in attempts[0].reply
