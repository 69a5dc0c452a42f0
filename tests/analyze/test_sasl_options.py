"""SASL security options set by hand must keep noanonymous (MP322)."""

from __future__ import annotations

import pytest

from tests.helpers import codes, compile_text

BASE = "local domains example0.com\nsasl dovecot private/auth\nrelay only authenticated\n" \
       "allow user a as a@example0.com\n"


@pytest.mark.parametrize("value", ["noplaintext", "", "noplaintext, nodictionary"])
@pytest.mark.parametrize("name", ["smtpd_sasl_security_options", "smtpd_sasl_tls_security_options"])
def test_options_without_noanonymous_are_refused_at_the_value(tmp_path, name, value) -> None:
    c = compile_text(tmp_path, BASE + f"set {name} = {value}\n")
    (finding,) = [d for d in c.diagnostics if d.code == "MP322"]
    assert finding.span.line == 5 and "noanonymous" in finding.hint
    assert not c.outputs


@pytest.mark.parametrize("value", ["noanonymous, noplaintext", "NOANONYMOUS", "$smtpd_sasl_security_options"])
def test_options_that_keep_noanonymous_compile(tmp_path, value) -> None:
    c = compile_text(tmp_path, BASE + f"set smtpd_sasl_tls_security_options = {value}\n")
    assert ("MP322", 5) not in codes(c) and c.ok
