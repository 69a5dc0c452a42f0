"""SASL security options without noanonymous (MP322): an error only when a login named `anonymous` owns an address.

permit_sasl_authenticated never permits the ANONYMOUS method (src/smtpd/smtpd_sasl_proto.c
permit_sasl_auth); measured on a real Postfix in tests/e2e/test_sasl_anonymous_live.py.
"""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_text

BASE = "local domains example0.com\nsasl dovecot private/auth\nrelay only authenticated\n" \
       "allow user a as a@example0.com\n"
CYRUS = "local domains example0.com\nsasl cyrus\nrelay only authenticated\nallow user a as a@example0.com\n"


@pytest.mark.parametrize("owner", ["anonymous", "Anonymous"])
@pytest.mark.parametrize("value", ["noplaintext", "", "noplaintext, nodictionary"])
@pytest.mark.parametrize("name", ["smtpd_sasl_security_options", "smtpd_sasl_tls_security_options"])
def test_options_without_noanonymous_are_refused_when_anonymous_owns_an_address(tmp_path, name, value, owner) -> None:
    c = compile_text(tmp_path, BASE + f"allow user {owner} as shared@example0.com\nset {name} = {value}\n")
    (finding,) = [d for d in c.diagnostics if d.code == "MP322"]
    assert finding.span.line == 6 and "noanonymous" in finding.hint and "<shared@example0.com>" in finding.message
    assert not c.outputs


@pytest.mark.parametrize("base", [BASE, CYRUS])
@pytest.mark.parametrize("value", ["noplaintext", "", "noplaintext, nodictionary"])
def test_options_without_noanonymous_compile_when_no_login_is_anonymous(tmp_path, base, value) -> None:
    # An anonymous login cannot relay and may use no address (not even an unowned one).
    c = compile_text(tmp_path, base + f"set smtpd_sasl_security_options = {value}\n")
    assert not [d for d in c.diagnostics if d.code in ("MP322", "MP301")] and c.ok


@pytest.mark.parametrize("value", ["noanonymous, noplaintext", "NOANONYMOUS", "$smtpd_sasl_security_options"])
def test_options_that_keep_noanonymous_compile(tmp_path, value) -> None:
    c = compile_text(tmp_path, BASE + f"allow user anonymous as shared@example0.com\n"
                                      f"set smtpd_sasl_tls_security_options = {value}\n")
    assert ("MP322", 6) not in codes(c) and c.ok
