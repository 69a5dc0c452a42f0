"""verify boots what stands in front of smtpd as the site runs it: postscreen, and a proxy's PROXY header.

- A policy that sets postscreen_* parameters and states no service is booted behind postscreen(8)
  (verify/inputs.py), as the site's master.cf with postscreen on port 25 runs the compiled main.cf:
  its `expect` lines are confirmed through postscreen (its pregreet test holds the greeting 6 s for
  a client it has not seen, longer than verify waited before), and the log shows postscreen passing
  the outside client. (The compile's simulator does not model postscreen's own refusals, so an
  `expect` line only postscreen decides is not something a policy can state yet.)
- A policy with smtpd_upstream_proxy_protocol = haproxy has every session start with a PROXY header
  naming the client's own address, as the proxy in front would send it: before, smtpd waited for the
  header and verify's sessions ended without an answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.sandbox import Sandbox
from mailpolicy.verify import sandbox_inputs
from mailpolicy.verify.runner import run_expectations, verify_compilation
from mailpolicy.verify.services import service_routes
from mailpolicy.verify.standins import OUTSIDE_SOURCE

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

SCREENED = """\
postfix 3.7
hostname mx.example0.com
local domains example0.com
relay only trusted
set postscreen_access_list = permit_mynetworks
set postscreen_greet_action = enforce
set postscreen_dnsbl_sites = zen.spamhaus.org*3
expect reject anonymous sending as spam@evil.test to victim@gmail.test
expect accept anonymous sending as spam@evil.test to info@example0.com
expect accept trusted sending as app@example0.com to someone@gmail.test
"""

PROXIED = """\
postfix 3.7
hostname mx.example0.com
local domains example0.com
relay only authenticated
sasl dovecot private/auth
allow user jim as jim@example0.com
set smtpd_upstream_proxy_protocol = haproxy
expect reject anonymous sending as spam@evil.test to victim@gmail.test
expect accept anonymous sending as spam@evil.test to info@example0.com
expect accept user jim sending as jim@example0.com to friend@gmail.test
"""


def _compile(tmp_path: Path, text: str):
    (tmp_path / "site.mailpolicy").write_text(text, encoding="utf-8")
    compiled = compile_policy(tmp_path / "site.mailpolicy")
    assert compiled.ok, [d.message for d in compiled.diagnostics if d.is_error]
    return compiled


def test_a_policy_with_postscreen_settings_is_verified_behind_postscreen(tmp_path: Path) -> None:
    compiled = _compile(tmp_path, SCREENED)
    inputs = sandbox_inputs(compiled)
    assert inputs.postscreen == () and inputs.proxied == ()
    assert "\npostscreen_dnsbl_sites =\n" in inputs.main_cf  # no DNS list is asked
    assert any(note.startswith("postscreen:") for note in inputs.notes)
    # What verify_compilation does, with the sandbox's log kept for the assertion.
    with Sandbox(inputs.main_cf, **inputs.sandbox_kwargs()) as box:
        outcomes, _ = run_expectations(box, inputs, compiled.policy.expectations, service_routes(compiled.plan))
        log = box.wait_log("PASS NEW")
    assert all(o.confirmed for o in outcomes), [(o.expected, o.got, o.attempt.reply) for o in outcomes]
    assert "postfix/postscreen" in log and f"PASS NEW [{OUTSIDE_SOURCE}]" in log and "ALLOWLISTED" in log


def test_a_policy_behind_a_proxy_gets_a_proxy_header_in_every_session(tmp_path: Path) -> None:
    verification = verify_compilation(_compile(tmp_path, PROXIED))
    got = [(o.expected, o.got, o.attempt.reply if o.attempt else "") for o in verification.outcomes]
    assert verification.confirmed, got
    assert verification.inputs.postscreen is None and verification.inputs.proxied == (None,)
    assert any(note.startswith("proxy:") for note in verification.inputs.notes)
