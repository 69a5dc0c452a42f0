"""The model builder: validated values, defaults, repeated and conflicting statements."""

from __future__ import annotations

from mailpolicy.parse.statements import RelayMode
from tests.helpers import codes, compile_text

BASE = "sasl dovecot private/auth\n"


def test_defaults_when_the_policy_says_nothing(tmp_path) -> None:
    policy = compile_text(tmp_path, "").policy
    assert policy.version.value == "3.7"
    assert policy.relay.value is RelayMode.NOBODY
    assert policy.chroot.value == "/var/spool/postfix"
    assert policy.sender_map.value == ("hash", "/etc/postfix/controlled_envelope_senders")


def test_invalid_values_are_located(tmp_path) -> None:
    c = compile_text(tmp_path, "local domains example0..com\ntrusted networks 10.0.0.0/33\n"
                               "allow user a,b as x@y.com\nsender map mysql:/x\npostfix 9.1\nhostname mx\n")
    assert ("MP202", 1) in codes(c) and ("MP204", 2) in codes(c) and ("MP207", 5) in codes(c)
    assert ("MP206", 4) in codes(c) and ("MP208", 6) in codes(c)
    assert not c.outputs


def test_login_with_comma_cannot_become_two_owners(tmp_path) -> None:
    c = compile_text(tmp_path, BASE + 'allow user "jim, mallory" as a@example0.com\n')
    assert [d.code for d in c.diagnostics if d.is_error] == ["MP203"]


def test_statements_that_may_appear_once(tmp_path) -> None:
    c = compile_text(tmp_path, "hostname a.example0.com\nhostname b.example0.com\n")
    (diag,) = [d for d in c.diagnostics if d.code == "MP209"]
    assert diag.span.line == 2 and diag.related[0].span.line == 1


def test_conflicting_relay_statements_point_at_both(tmp_path) -> None:
    c = compile_text(tmp_path, BASE + "relay nobody\nrelay only authenticated\n")
    (diag,) = [d for d in c.diagnostics if d.code == "MP210"]
    assert diag.span.line == 3 and diag.related[0].span.line == 2


def test_repeated_lists_accumulate_and_duplicates_warn(tmp_path) -> None:
    c = compile_text(tmp_path, "local domains a.example, b.example\nlocal domains A.example, c.example\n")
    assert [d.value for d in c.policy.local_domains] == ["a.example", "b.example", "c.example"]
    assert codes(c) == [("MP211", 2)]


def test_set_strips_a_trailing_comment(tmp_path) -> None:
    c = compile_text(tmp_path, "set smtpd_banner = $myhostname ESMTP   # greeting\n")
    (setting,) = c.policy.settings
    assert setting.value == "$myhostname ESMTP"


def test_chroot_off_and_chroot_must_be_absolute(tmp_path) -> None:
    assert compile_text(tmp_path, "chroot off\n").policy.chroot.value is None
    assert ("MP319", 1) in codes(compile_text(tmp_path, "chroot var/spool\n"))


def test_owner_table_is_merged_with_allow_statements(tmp_path) -> None:
    c = compile_text(tmp_path, BASE + 'allow users from "owners.txt"\nallow user bob as b@example0.com\n',
                     **{"owners.txt": "# owners\na@example0.com alice, carol\n@example1.org\tpm\n"})
    assert sorted((o.address, o.login) for o in c.policy.owners) == [
        ("@example1.org", "pm"), ("a@example0.com", "alice"), ("a@example0.com", "carol"), ("b@example0.com", "bob")]


def test_owner_table_errors_are_located_in_the_table(tmp_path) -> None:
    c = compile_text(tmp_path, BASE + 'allow users from "owners.txt"\n',
                     **{"owners.txt": "a@example0.com alice\nnot-an-address bob\nc@example0.com\n"})
    located = [(d.code, d.span.path.endswith("owners.txt"), d.span.line) for d in c.diagnostics if d.is_error]
    assert located == [("MP201", True, 2), ("MP215", True, 3)]
