"""Issue 13 point 4: an anonymous client must not send as an owned address to the bare `postmaster`.

smtpd_check.c smtpd_check_rcpt() returns "accepted" for RCPT TO:<postmaster> (no domain, RFC 5321
section 4.5.1) before it runs the delayed client/helo/sender lists, so reject_sender_login_mismatch
in smtpd_sender_restrictions never sees such a transaction. smtpd_check_data() (called for DATA and
for the first BDAT, smtpd.c) runs smtpd_data_restrictions, where generic_checks() evaluates the
sender restrictions too: the compiler puts the guard there as well. These tests send whole
transactions, DATA included, to the seed policy on the real Postfix.
"""

from __future__ import annotations

import base64
from pathlib import Path

import attrs
import pytest

from mailpolicy.parse.statements import ClientKind
from mailpolicy.verify import sandbox_inputs
from tests.e2e.live import compiled, live_inputs, live_policy

SEED = (Path(__file__).parents[2] / "examples" / "seed.mailpolicy").read_text(encoding="utf-8")
OWNED = "jcricket@example0.com"


@pytest.fixture(scope="module")
def seed(tmp_path_factory, requires_postfix):
    yield from live_policy(compiled(tmp_path_factory.mktemp("seed"), SEED))


@pytest.fixture(scope="module")
def seed_without_data_list(tmp_path_factory, requires_postfix):
    """The seed as compiled before the fix: the login check only in smtpd_sender_restrictions."""
    compilation = compiled(tmp_path_factory.mktemp("unguarded"), SEED)
    inputs = sandbox_inputs(compilation)
    main_cf = _without_parameter(inputs.main_cf, "smtpd_data_restrictions")
    assert main_cf != inputs.main_cf
    yield from live_inputs(compilation, attrs.evolve(inputs, main_cf=main_cf))


def _without_parameter(main_cf: str, name: str) -> str:
    """Return main.cf without `name` and its continuation lines (those starting with white space)."""
    kept, dropping = [], False
    for line in main_cf.splitlines(keepends=True):
        if line.startswith(name):
            dropping = True
        elif dropping and not line[:1].isspace():
            dropping = False
        if not dropping:
            kept.append(line)
    return "".join(kept)


def transaction(live, client: str, sender: str, recipient: str) -> tuple[str, int, str]:
    """Send EHLO, AUTH (for a login), MAIL, RCPT and DATA; return the stage that ended it, its code and reply."""
    kind = ClientKind(client) if client in ("anonymous", "trusted") else ClientKind.USER
    smtp = live.sandbox.client(live.inputs.stand_ins.source_for(kind), timeout=10)
    try:
        smtp.ehlo("client.example.test")
        steps = [("mail", "MAIL", f"FROM:<{sender}>", 250), ("rcpt", "RCPT", f"TO:<{recipient}>", 250),
                 ("data", "DATA", "", 354)]
        if kind is ClientKind.USER:
            token = base64.b64encode(f"\0{client}\0{live.inputs.logins[client]}".encode()).decode()
            steps.insert(0, ("auth", "AUTH", f"PLAIN {token}", 235))
        for stage, verb, argument, wanted in steps:
            code, reply = smtp.docmd(verb, argument)
            if code != wanted:
                return stage, code, reply.decode(errors="replace")
        code, reply = _body(smtp)
        return "queued" if code == 250 else "end-of-data", code, reply
    finally:
        smtp.close()


def _body(smtp) -> tuple[int, str]:
    smtp.send(b"Subject: bare postmaster test\r\n\r\nhello\r\n.\r\n")
    code, reply = smtp.getreply()
    return code, reply.decode(errors="replace")


@pytest.mark.postfix
def test_without_the_data_list_the_forgery_is_queued(seed_without_data_list) -> None:
    # The measurement, kept as the witness: the sender list alone never sees this mail.
    stage, code, reply = transaction(seed_without_data_list, "anonymous", OWNED, "postmaster")
    assert (stage, code) == ("queued", 250), (stage, code, reply)


@pytest.mark.postfix
def test_an_anonymous_client_cannot_send_as_an_owned_address_to_the_bare_postmaster(seed) -> None:
    stage, code, reply = transaction(seed, "anonymous", OWNED, "postmaster")
    # RCPT is still accepted (smtpd must, RFC 5321): the refusal comes at DATA, from the data list.
    assert (stage, code) == ("data", 553), (stage, code, reply)
    assert "Sender address rejected: not logged in" in reply


@pytest.mark.postfix
@pytest.mark.parametrize(("client", "sender", "recipient"), [
    ("jimminey", OWNED, "postmaster"),                          # the owner, logged in, to postmaster
    ("anonymous", "friend@gmail.test", "postmaster"),           # an outside sender to postmaster
    ("anonymous", "friend@gmail.test", OWNED),                  # an outside sender to a local user
    ("anonymous", "", "postmaster"),                            # a bounce to postmaster
])
def test_legitimate_mail_still_flows(seed, client, sender, recipient) -> None:
    stage, code, reply = transaction(seed, client, sender, recipient)
    assert (stage, code) == ("queued", 250), (stage, code, reply)


@pytest.mark.postfix
def test_the_other_owner_checks_still_refuse_at_rcpt(seed) -> None:
    stage, code, reply = transaction(seed, "anonymous", OWNED, OWNED)
    assert (stage, code) == ("rcpt", 553), (stage, code, reply)
