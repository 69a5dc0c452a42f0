"""Property: no policy that compiles without errors lets an anonymous outside client relay.

Policies are drawn from the language's statements: every relay mode, narrow trusted networks,
SASL or not, `allow user` lines, and `set` lines giving recipient, client and HELO restriction
lists (and relay_domains) in any order, permits and all. Each is compiled with the full analysis;
when no error is reported, the compiled main.cf is attacked directly with the simulator - a
fixed battery of outside clients, senders and relay tricks, independent of the proof the
compiler ran - and nothing may be accepted for another domain, whatever DNS answers. Bounded
and derandomized for CI (200 examples); more by hand with MAILPOLICY_PROPERTY_EXAMPLES.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailpolicy.plan.simulator_model import model_from_plan
from mailpolicy.simulate import Request, Verdict
from tests.helpers import compile_text

EXAMPLES = int(os.environ.get("MAILPOLICY_PROPERTY_EXAMPLES", "200"))
DOMAINS = ("example0.com", "example1.org")
NETWORKS = ("127.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24", "198.51.100.0/28", "[2001:db8:1::]/48", "[::1]/128")
RESTRICTIONS = (
    "permit", "permit_mynetworks", "permit_sasl_authenticated", "permit_auth_destination", "reject",
    "defer", "reject_unauth_destination", "defer_unauth_destination", "reject_non_fqdn_sender",
    "reject_non_fqdn_recipient", "reject_non_fqdn_helo_hostname", "reject_invalid_helo_hostname",
    "reject_unknown_sender_domain", "reject_rbl_client zen.example", "permit_dnswl_client list.example",
    "reject_sender_login_mismatch", "reject_unlisted_recipient", "check_policy_service unix:private/policy",
    "check_sender_access hash:/etc/postfix/sender_access", "check_client_access cidr:/etc/postfix/clients",
    "check_recipient_access inline:{ gmail.test=OK }", "defer_if_permit", "warn_if_reject",
    "reject_unauth_pipelining",
)
LISTS = ("smtpd_recipient_restrictions", "smtpd_client_restrictions", "smtpd_helo_restrictions")
OUTSIDE = ("203.0.113.9", "198.51.100.200", "2001:db8:2::9", "8.8.8.8")
TRICKS = ("victim@gmail.test", "victim%gmail.test@{0}", "gmail.test!victim@{0}", '"victim@gmail.test"@{0}',
          "victim@gmail.test@{0}")


@st.composite
def policies(draw) -> str:
    domains = draw(st.lists(st.sampled_from(DOMAINS), min_size=1, max_size=2, unique=True))
    lines = ["postfix 3.7", "hostname mx.example0.com", f"local domains {', '.join(domains)}"]
    networks = draw(st.lists(st.sampled_from(NETWORKS), max_size=3, unique=True))
    if networks:
        lines.append(f"trusted networks {', '.join(networks)}")
    if draw(st.booleans()):
        lines.append("sasl dovecot private/auth")
    lines.append("relay " + draw(st.sampled_from(("nobody", "only authenticated", "authenticated or trusted"))))
    for login in draw(st.lists(st.sampled_from(("jim", "bob", "alice")), max_size=3, unique=True)):
        lines.append(f"allow user {login} as {login}@{draw(st.sampled_from(domains))}")
    for name in draw(st.lists(st.sampled_from(LISTS), max_size=3, unique=True)):
        entries = draw(st.lists(st.sampled_from(RESTRICTIONS), min_size=1, max_size=5))
        lines.append(f"set {name} = {', '.join(entries)}")
    if draw(st.integers(0, 5)) == 0:
        lines.append("set relay_domains = " + draw(st.sampled_from(("$mydestination", "partner.example", "test"))))
    draw(st.randoms()).shuffle(lines)  # statements may come in any order
    return "\n".join(lines) + "\n"


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=policies())
def test_no_compiled_policy_lets_an_anonymous_client_relay(tmp_path, text) -> None:
    compilation = compile_text(tmp_path, text)
    if not compilation.ok:
        return  # refused with an error: nothing is written, nothing can relay
    model = model_from_plan(compilation.plan)
    domains = [d.value for d in compilation.policy.local_domains] + ["mx.example0.com"]
    owned = [e.key for e in compilation.plan.sender_map.entries] if compilation.plan.sender_map else []
    for client in OUTSIDE:
        for sender in ("anyone@elsewhere.test", "", *owned):
            for recipient in {t.format(d) for t in TRICKS for d in domains}:
                decision = model.decide(Request(client, None, sender, recipient))
                assert Verdict.ACCEPT not in decision.possible, (text, client, sender, recipient, decision.trace)
