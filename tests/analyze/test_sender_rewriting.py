"""MP323: sender rewriting after the login check lets a client send as an address another login owns."""

from __future__ import annotations

import base64
import subprocess

import attrs
import pytest

from mailpolicy.compiler import emit
from mailpolicy.explain import explain
from mailpolicy.sandbox import Sandbox
from mailpolicy.verify.inputs import sandbox_inputs
from tests.helpers import compile_text
from tests.postfix_support import require_postfix

HEAD = ("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\n"
        "relay only authenticated\nallow user bob as bob@example0.com\nallow user ceo as ceo@example0.com\n")
EXTENSION = r"regexp:{ {/^bob\+(.*)@(.*)$$/ $$1@$$2} }"  # bob+ceo@example0.com -> ceo@example0.com


def findings(compilation):
    return [d for d in compilation.diagnostics if d.code == "MP323"]


def test_an_extension_rewritten_into_another_owners_address_is_an_error_with_the_witness(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + "set recipient_delimiter = +\n" + f"set sender_canonical_maps = {EXTENSION}\n")
    (d,) = findings(c)
    assert d.is_error and (d.span.line, d.span.column) == (9, 1)
    assert d.message.startswith("a client logged in as bob can send as <ceo@example0.com>, which only ceo may use: "
                                "bob owns <bob+ceo@example0.com>, so smtpd accepts it, then cleanup rewrites "
                                "the envelope sender with sender_canonical_maps")
    assert "exact-key table" in d.hint
    assert not c.outputs


def test_without_a_delimiter_the_same_rule_lets_anyone_send_as_its_owner(tmp_path) -> None:
    # bob+bob@example0.com is nobody's then, so smtpd takes it from a client that has not logged in.
    (d,) = findings(compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {EXTENSION}\n"))
    assert d.is_error and d.message.startswith("a client that has not logged in can send as <bob@example0.com>, "
                                               "which only bob may use: <bob+bob@example0.com> has no owner")


def test_an_old_domain_moved_to_an_owned_one_lets_anyone_send_as_its_owners(tmp_path) -> None:
    table = r"regexp:{ {/^(.*)@old\.example0\.com$$/ $$1@example0.com} }"
    (d,) = findings(compile_text(tmp_path, HEAD + f"set canonical_maps = {table}\n"))
    assert d.is_error and "<bob@old.example0.com> has no owner" in d.message and "canonical_maps" in d.message


def test_a_fixed_result_another_login_owns_is_an_error_too(tmp_path) -> None:
    table = r"regexp:{ {/^postmaster@example0\.com$$/ ceo@example0.com} }"
    (d,) = findings(compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {table}\n"))
    assert d.is_error and "<postmaster@example0.com> has no owner" in d.message


STRIP = r"regexp:{ {/^(.*)\+.*@(.*)$$/ $$1@$$2} }"  # drops an address extension


@pytest.mark.parametrize("table", [STRIP, r"pcre:{ {/^(.*)@example0\.com$$/ $$1@example0.net} }"])
def test_a_substitution_with_no_witness_is_a_warning(tmp_path, table) -> None:
    c = compile_text(tmp_path, HEAD + "set recipient_delimiter = +\n" + f"set sender_canonical_maps = {table}\n")
    (d,) = findings(c)
    assert d.severity.value == "warning" and "built from the client's text" in d.message
    assert c.ok


def test_dropping_extensions_without_a_delimiter_lets_anyone_send_as_an_owner(tmp_path) -> None:
    # Without recipient_delimiter bob+x@example0.com has no owner; the rule makes it bob's address.
    (d,) = findings(compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {STRIP}\n"))
    assert d.is_error and d.message.startswith("a client that has not logged in can send as <bob@example0.com>")


@pytest.mark.parametrize("table", ["hash:/etc/postfix/sender_canonical", "static:ceo@example0.com"])
def test_an_exact_key_table_is_a_note_its_entries_are_the_administrators(tmp_path, table) -> None:
    (d,) = findings(compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {table}\n"))
    assert d.severity.value == "note" and table in d.message


@pytest.mark.parametrize("table", ["regexp:/etc/postfix/sender_canonical", "proxy:tcp:127.0.0.1:9999",
                                   "socketmap:inet:127.0.0.1:9999:canonical", "pgsql:/etc/postfix/canonical.cf",
                                   "proxy:ldap:/etc/postfix/ldap-canonical.cf", "mysql:/etc/postfix/canonical.cf"])
def test_a_table_nobody_here_can_read_is_a_stated_assumption_not_a_finding(tmp_path, table) -> None:
    # Issue 13 point 6: undecidable is a note that says what the table must not do, and explain lists it.
    compilation = compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {table}\n")
    assert findings(compilation) == [] and not any(d.is_error for d in compilation.diagnostics)
    (d,) = [d for d in compilation.diagnostics if d.code == "MP327"]
    assert d.severity.value == "note" and d.span.line == 8
    assert d.message.startswith(f"sender ownership holds only if {table.removeprefix('proxy:')} "
                                "(sender_canonical_maps,")
    text = explain(compilation)
    assert "Sender ownership holds only if these rewriting tables" in text
    assert f"  - {table.removeprefix('proxy:')} (sender_canonical_maps," in text


def test_a_readable_rule_next_to_an_unreadable_table_is_still_an_error(tmp_path) -> None:
    table = "unionmap:{tcp:127.0.0.1:9999, " + EXTENSION + "}"
    (d,) = findings(compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {table}\n"))
    assert d.is_error


def test_a_union_is_reported_once_at_its_worst(tmp_path) -> None:
    table = "unionmap:{hash:/etc/postfix/sender_canonical, " + EXTENSION + "}"
    (d,) = findings(compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {table}\n"))
    assert d.is_error and "unionmap:{" in d.message


@pytest.mark.parametrize("classes", ["set sender_canonical_classes = header_sender\n",
                                     "set canonical_classes = header_sender, envelope_recipient\n"])
def test_only_envelope_sender_rewriting_counts(tmp_path, classes) -> None:
    parameter = "sender_canonical_maps" if "sender_canonical" in classes else "canonical_maps"
    assert findings(compile_text(tmp_path, HEAD + classes + f"set {parameter} = {EXTENSION}\n")) == []


def test_nothing_to_undo_without_owners_or_rewriting(tmp_path) -> None:
    no_owners = "postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\n"
    assert findings(compile_text(tmp_path, no_owners + f"set sender_canonical_maps = {EXTENSION}\n")) == []
    unowned = r"regexp:{ {/^bounces@example0\.com$$/ noreply@example0.com} }"
    assert findings(compile_text(tmp_path, HEAD + f"set sender_canonical_maps = {unowned}\n")) == []
    assert findings(compile_text(tmp_path, HEAD + "set recipient_canonical_maps = " + EXTENSION + "\n")) == []


# (policy lines, login or None, the address refused, what the client sends, where to, the queued sender)
REPLAYS = {
    "bob logs in and sends as ceo": (
        "set recipient_delimiter = +\n" + f"set sender_canonical_maps = {EXTENSION}\n", "bob",
        ("ceo@example0.com", "5.7.1 <ceo@example0.com>: Sender address rejected: not owned by user bob"),
        "bob+ceo@example0.com", "friend@gmail.test", "ceo@example0.com"),
    "a client not logged in sends as bob": (
        f"set sender_canonical_maps = {STRIP}\n", None,
        ("bob@example0.com", "5.7.1 <bob@example0.com>: Sender address rejected: not logged in"),
        "bob+x@example0.com", "ceo@example0.com", "bob@example0.com"),
}


@pytest.mark.postfix
@pytest.mark.parametrize("case", REPLAYS)
def test_postfix_queues_the_mail_from_the_address_the_client_was_refused(tmp_path, case) -> None:
    """The witness MP323 gives, replayed on a real Postfix: refused as the owner, queued as the owner."""
    require_postfix()
    lines, login, (refused_sender, refusal), sent, recipient, queued = REPLAYS[case]
    c = compile_text(tmp_path, HEAD + lines)
    (d,) = findings(c)
    assert d.is_error and f"<{sent.split('+')[0]}+" in d.message and f"can send as <{queued}>" in d.message
    # Boot what the policy compiles to, as `mailpolicy verify` would were the error not there.
    inputs = sandbox_inputs(attrs.evolve(c, diagnostics=(), outputs=emit(c.plan, c.path)))
    password = inputs.logins[login] if login else None
    with Sandbox(inputs.main_cf, **inputs.sandbox_kwargs()) as sandbox:
        refused = sandbox.try_send("127.0.0.9", login, password, refused_sender, recipient)
        assert (refused.stage, refused.code) == ("rcpt", 553) and refusal in refused.reply
        queue_id = _send(sandbox, login, password, sent, recipient)
        assert f"{queue_id}: from=<{queued}>," in sandbox.wait_log(f"{queue_id}: from=")
        envelope = subprocess.run(["postcat", "-c", str(sandbox.config_dir), "-e", "-q", queue_id],
                                  capture_output=True, text=True, check=True).stdout.splitlines()
        assert f"sender: {queued}" in envelope
        assert ("named_attribute: sasl_username=bob" in envelope) == (login == "bob")


def _send(sandbox: Sandbox, login: str | None, password: str | None, sender: str, recipient: str) -> str:
    """Send one message through the sandbox and return its queue id (the sandbox's own helper stops at RCPT)."""
    client = sandbox.client()
    try:
        client.ehlo("client.test")
        if login is not None:
            token = base64.b64encode(f"\0{login}\0{password}".encode()).decode()
            assert client.docmd("AUTH", f"PLAIN {token}")[0] == 235
        assert client.docmd("MAIL", f"FROM:<{sender}>")[0] == 250
        assert client.docmd("RCPT", f"TO:<{recipient}>")[0] == 250
        assert client.docmd("DATA")[0] == 354
        client.send(b"Subject: sent as someone else\r\n\r\nhello\r\n.\r\n")
        code, reply = client.getreply()
        assert code == 250, reply
        return reply.decode().rsplit(" ", 1)[-1]  # "2.0.0 Ok: queued as 3B70520E74A"
    finally:
        client.quit()


# masquerade_domains strips an unowned subdomain address down to an owned one after the login
# check (src/cleanup/cleanup_masquerade.c: first entry equal stops, first parent truncates, `!` toggles).
MASQUERADE_BASE = ("postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com\nsasl dovecot private/auth\n"
                   "relay only authenticated\nallow user jim as jim@example0.com\n")


@pytest.mark.parametrize(("settings", "witness"), [
    ("set masquerade_domains = example0.com", "<jim@masq.example0.com>"),
    ("set masquerade_domains = !!example0.com", "<jim@masq.example0.com>"),
    ("set masquerade_domains = !masq.example0.com, example0.com", "<jim@sub.example0.com>"),
    ("set masquerade_domains = example0.com\nset masquerade_exceptions = root", "<jim@masq.example0.com>"),
    ("set masquerade_domains = example0.com\nset masquerade_exceptions = jim", None),
    ("set masquerade_domains = !example0.com", None),
    ("set masquerade_domains = example0.com\nset masquerade_classes = header_sender", None),
    ("set masquerade_domains = other.example0.com", None),
])
def test_masquerading_an_owned_domain_lets_anyone_send_as_its_owners(tmp_path, settings, witness) -> None:
    c = compile_text(tmp_path, MASQUERADE_BASE + settings + "\n")
    found = [d for d in c.diagnostics if d.code == "MP323"]
    if witness is None:
        assert found == []
    else:
        (d,) = found
        assert d.is_error and d.span.line == 7 and witness in d.message and "<jim@example0.com>" in d.message


@pytest.mark.postfix
def test_postfix_queues_a_masqueraded_subdomain_sender_as_the_owner(tmp_path) -> None:
    """MP323's masquerade witness replayed: bob@ is refused to a client not logged in, bob@masq. is queued as bob@."""
    require_postfix()
    c = compile_text(tmp_path, HEAD + "set masquerade_domains = example0.com\n")
    (d,) = findings(c)
    assert d.is_error and "<bob@masq.example0.com>" in d.message
    inputs = sandbox_inputs(attrs.evolve(c, diagnostics=(), outputs=emit(c.plan, c.path)))
    with Sandbox(inputs.main_cf, **inputs.sandbox_kwargs()) as sandbox:
        refused = sandbox.try_send("127.0.0.9", None, None, "bob@example0.com", "ceo@example0.com")
        assert (refused.stage, refused.code) == ("rcpt", 553) and "not logged in" in refused.reply
        queue_id = _send(sandbox, None, None, "bob@masq.example0.com", "ceo@example0.com")
        assert f"{queue_id}: from=<bob@example0.com>," in sandbox.wait_log(f"{queue_id}: from=")
