"""How verify stands in for the policy's clients on loopback, and what else of main.cf it changes."""

from __future__ import annotations

import pytest

from mailpolicy.parse.statements import ClientKind
from mailpolicy.verify import OUTSIDE_SOURCE, TRUSTED_SOURCE, sandbox_inputs, stand_ins
from tests.helpers import POLICY_HEAD, compile_text

HEAD = POLICY_HEAD


@pytest.mark.parametrize(
    ("policy", "sandbox"),
    [
        # "This host only": narrowed to the address this host connects from, so 127.0.0.9 is outside.
        ("127.0.0.0/8 [::1]/128", "[::1]/128 127.0.0.1/32"),
        # Real networks never match a loopback client: the trusted stand-in joins them.
        ("192.168.10.0/24 [2001:db8:10::]/48 198.51.100.7/32",
         "192.168.10.0/24 [2001:db8:10::]/48 198.51.100.7/32 127.0.0.1/32"),
        # Loopback networks that leave 127.0.0.9 outside and hold 127.0.0.1 stay as they are.
        ("127.0.0.0/29, 10.0.0.0/8", "127.0.0.0/29 10.0.0.0/8"),
        # One that holds the outside stand-in goes, whatever else it holds.
        ("127.0.0.8/29", "127.0.0.1/32"),
        ("", "127.0.0.1/32"),
    ],
)
def test_sandbox_mynetworks_trusts_the_trusted_stand_in_and_not_the_outside_one(policy, sandbox) -> None:
    result = stand_ins(policy)
    assert result.sandbox_mynetworks == sandbox
    assert result.changed == (policy != sandbox)


def test_each_client_kind_has_its_source_address() -> None:
    assert stand_ins("").source_for(ClientKind.TRUSTED) == TRUSTED_SOURCE == "127.0.0.1"
    assert stand_ins("").source_for(ClientKind.ANONYMOUS) == OUTSIDE_SOURCE == "127.0.0.9"
    assert stand_ins("").source_for(ClientKind.USER) == OUTSIDE_SOURCE


def test_sandbox_main_cf_differs_from_the_compiled_one_only_where_it_says(tmp_path) -> None:
    compilation = compile_text(tmp_path, HEAD + "trusted networks only 192.0.2.0/24\nsasl dovecot private/auth\n"
                               "allow user alice as alice@example0.com\n"
                               "expect reject user bob sending as alice@example0.com to x@gmail.test\n")
    inputs = sandbox_inputs(compilation, extra_logins=("mallory",))
    compiled = compilation.outputs["main.cf"].splitlines()
    sandbox = inputs.main_cf.splitlines()
    changed = sorted(set(sandbox) - set(compiled))
    assert changed == [
        "# mailpolicy verify's loopback stand-ins for `192.0.2.0/24` (trusted networks lines)",
        "# mailpolicy verify: every address of the local domains exists in the sandbox (default)",
        "local_recipient_maps =",
        "mynetworks = 192.0.2.0/24 127.0.0.1/32",
    ]
    assert sorted(set(compiled) - set(sandbox)) == ["# trusted networks, exactly as stated (`only`) (trusted networks lines)",
                                                    "mynetworks = 192.0.2.0/24"]
    # Every login an allow or expect line names (and the extra one) gets its own password.
    assert list(inputs.logins) == ["alice", "bob", "mallory"]
    assert len(set(inputs.logins.values())) == 3 and all(len(p) == 24 for p in inputs.logins.values())
    assert inputs.maps == {"/etc/postfix/controlled_envelope_senders": compilation.outputs["controlled_envelope_senders"]}
    assert inputs.chroot is True
    assert inputs.notes[1].startswith("recipients: every address of the local domains exists")


def test_a_policy_that_sets_local_recipient_maps_keeps_it_and_chroot_off_is_passed_on(tmp_path) -> None:
    compilation = compile_text(tmp_path, HEAD + "chroot off\nset local_recipient_maps = hash:/etc/postfix/rcpts\n")
    inputs = sandbox_inputs(compilation)
    assert "local_recipient_maps = hash:/etc/postfix/rcpts\n" in inputs.main_cf
    assert "local_recipient_maps =\n" not in inputs.main_cf
    assert inputs.chroot is False and inputs.maps == {} and inputs.logins == {}
    assert len(inputs.notes) == 1


def test_a_policy_with_errors_has_nothing_to_boot(tmp_path) -> None:
    compilation = compile_text(tmp_path, HEAD + "trusted networks 0.0.0.0/0\n")
    with pytest.raises(ValueError, match="did not compile"):
        sandbox_inputs(compilation)


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ("sasl cyrus\n", "with `sasl cyrus` no `user LOGIN` line can log in"),
        # A certificate named by `set` is the site's: the sandbox makes a throwaway one only for `tls`.
        ("sasl dovecot private/auth\nset smtpd_tls_auth_only = yes\nset smtpd_tls_cert_file = /etc/ssl/mx.pem\n"
         "set smtpd_tls_key_file = /etc/ssl/mx.key\n", "smtpd_tls_auth_only = yes"),
    ],
)
def test_a_sandbox_where_no_login_can_work_says_so_up_front(tmp_path, lines, says) -> None:
    compilation = compile_text(tmp_path, HEAD + lines + "allow user alice as alice@example0.com\n")
    assert compilation.ok, [str(d) for d in compilation.diagnostics]
    notes = sandbox_inputs(compilation).notes
    assert len(notes) == 3 and says in notes[2]
