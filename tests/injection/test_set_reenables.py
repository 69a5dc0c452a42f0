"""`set` values that would re-enable what the policy forbids are caught by the simulator, not by a name list.

The policy below lets only logged-in clients relay. Each `set` in REOPENS would let an anonymous
client on the Internet relay through another parameter than smtpd_relay_restrictions (which
`set` may not touch); each must be refused at its line. Each `set` in HARMLESS looks alarming
to a name list (a bare `permit`, a copy of a managed list, `mynetworks_style = subnet`) but
cannot open anything under Postfix's list-by-list evaluation; each must compile. The real-Postfix
test proves both halves on a running smtpd, so neither list is a guess.
"""

from __future__ import annotations

import pytest

from mailpolicy.compiler import emit
from tests.helpers import compile_text
from tests.injection.readback import main_cf_values, words

BASE = """postfix 3.7
hostname mx.example0.com
local domains example0.com
sasl dovecot private/auth
relay only authenticated
allow user bob as bob@example0.com
"""
FIRST_SET_LINE = BASE.count("\n") + 1
CAUGHT = {"MP301", "MP321", "MP324"}

REOPENS = {
    # reject_unauth_destination lets through every domain in relay_domains...
    "relay_domains names a foreign domain": "set relay_domains = gmail.test",
    # ...and its subdomains (parent_domain_matches_subdomains includes relay_domains).
    "relay_domains names a parent domain": "set relay_domains = test",
    "relay_domains is a table matching everything": "set relay_domains = static:ALL",
    # A `$`-reference carries a foreign domain in through an innocent-looking parameter.
    "relay_domains by $-reference": "set myorigin = gmail.test\nset relay_domains = $mydestination, $myorigin",
    "relay_domains by ${}-reference": "set myorigin = gmail.test\nset relay_domains = ${myorigin}",
    # XCLIENT lets an authorized client claim any login: permit_sasl_authenticated then matches
    # (XCLIENT_README; seen on Postfix 3.7 below). The proof poses as a logged-in and a trusted client.
    "XCLIENT from everywhere": "set smtpd_authorized_xclient_hosts = 0.0.0.0/0",
    "XCLIENT from everywhere by $-reference":
        "set permit_mx_backup_networks = 0.0.0.0/0\nset smtpd_authorized_xclient_hosts = $permit_mx_backup_networks",
}

HARMLESS = {
    # A permit ends only its own list; the relay list still rejects (postconf(5), SMTPD_ACCESS_README).
    "a bare permit in the recipient list": "set smtpd_recipient_restrictions = permit",
    "a bare permit in the client list": "set smtpd_client_restrictions = permit",
    "a $-reference copying the managed relay list": "set smtpd_recipient_restrictions = $smtpd_relay_restrictions",
    "a restriction class that permits": "set smtpd_restriction_classes = open\nset open = permit\n"
                                        "set smtpd_recipient_restrictions = open",
    "the recipient list evaluated first": "set smtpd_relay_before_recipient_restrictions = no",
    "restrictions evaluated at each command": "set smtpd_delay_reject = no",
    # mynetworks is always written explicitly, so mynetworks_style has nothing to widen.
    "mynetworks_style = subnet with no trusted networks": "set mynetworks_style = subnet",
    "mynetworks_style = class with no trusted networks": "set mynetworks_style = class",
}


@pytest.mark.parametrize("setting", REOPENS.values(), ids=list(REOPENS))
def test_a_set_that_reopens_relaying_is_refused_at_its_line(tmp_path, setting) -> None:
    result = compile_text(tmp_path, BASE + setting + "\n")
    assert not result.ok and not result.outputs
    caught = [d for d in result.diagnostics if d.code in CAUGHT]
    assert caught, [(d.code, d.message) for d in result.diagnostics]
    set_lines = range(FIRST_SET_LINE, FIRST_SET_LINE + setting.count("\n") + 1)
    # The diagnostic, or one of its related notes, points at a `set` line.
    assert any(s.line in set_lines for d in caught for s in (d.span, *(r.span for r in d.related))), caught


@pytest.mark.parametrize("setting", HARMLESS.values(), ids=list(HARMLESS))
def test_a_set_that_only_looks_dangerous_compiles(tmp_path, setting) -> None:
    result = compile_text(tmp_path, BASE + setting + "\n")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    main_cf = main_cf_values(result.outputs["main.cf"])
    assert words(main_cf["mynetworks"]) == ["127.0.0.0/8", "[::1]/128"]
    assert words(main_cf["smtpd_relay_restrictions"]) == ["permit_sasl_authenticated", "reject_unauth_destination"]


# --- both halves on a real Postfix ------------------------------------------------------------
def _outside_client_relays(tmp_path, setting) -> bool:
    """Boot the compiled configuration (errors or not) and try to relay as an anonymous client."""
    from mailpolicy.sandbox import Sandbox

    result = compile_text(tmp_path, BASE + setting + "\n")
    files = emit(result.plan, str(tmp_path / "site.mailpolicy"))
    maps = {f"/etc/postfix/{name}": text for name, text in files.items() if name != "main.cf"}
    with Sandbox(files["main.cf"], maps=maps, logins={"bob": "secret"}) as sandbox:
        client = sandbox.client("127.0.0.9")
        try:
            client.ehlo("client.test")
            sender = "anyone@elsewhere.test"
            if "xclient" in setting:
                # Claim bob's login, and use his address so the sender guard has nothing to refuse.
                assert client.docmd("XCLIENT", "LOGIN=bob")[0] == 220
                client.ehlo("client.test")
                sender = "bob@example0.com"
            assert client.docmd("MAIL", f"FROM:<{sender}>")[0] == 250
            return client.docmd("RCPT", "TO:<victim@gmail.test>")[0] == 250
        finally:
            client.close()


@pytest.mark.postfix
@pytest.mark.parametrize("setting, reopens", [
    *((REOPENS["relay_domains by $-reference"], True), (REOPENS["relay_domains names a parent domain"], True),
      ("set smtpd_authorized_xclient_hosts = 0.0.0.0/0", True)),
    *((HARMLESS[name], False) for name in ("a bare permit in the recipient list", "a restriction class that permits",
                                           "a $-reference copying the managed relay list",
                                           "mynetworks_style = subnet with no trusted networks")),
])
def test_real_postfix_agrees(tmp_path, requires_postfix, setting, reopens) -> None:
    assert _outside_client_relays(tmp_path, setting) is reopens
