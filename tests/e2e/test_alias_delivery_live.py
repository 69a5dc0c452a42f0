"""Aliases deliver: the compiled hosting tables on a real Postfix, delivering over LMTP to a real Dovecot.

Each test sends whole messages (DATA) through the sandbox with `deliver=True`: its master.cf has
the lmtp service, and its Dovecot (dovecot-lmtpd) saves what arrives in maildirs. What is shown:
an alias reaches every target; a catch-all takes the domain's unknown addresses while its
mailboxes keep their own mail, because the compiler writes the entries virtual(5) asks for (and
without them, the catch-all takes the mailboxes' mail: the reason they are written); and a domain
in two address classes (MP370) is local to Postfix, which says so only in its log.
"""

from __future__ import annotations

import attrs
import pytest

from mailpolicy.compiler import compile_policy
from mailpolicy.verify import sandbox_inputs
from tests.conftest import REPO

pytestmark = [pytest.mark.postfix, pytest.mark.usefixtures("requires_postfix")]

CATCH_ALL = """\
hostname mx.example0.com
hosted domains example2.org
mailboxes carol@example2.org, dave@example2.org
deliver to lmtp private/dovecot-lmtp
alias @example2.org to carol@example2.org
"""


def boot(boot_sandbox, compiled, maps=None, main_cf=None):
    inputs = sandbox_inputs(compiled)
    if maps is not None:
        inputs = attrs.evolve(inputs, maps={**inputs.maps, **maps})
    return boot_sandbox(main_cf or inputs.main_cf, deliver=True, **inputs.sandbox_kwargs())


def send(sandbox, recipient: str, subject: str) -> None:
    with sandbox.client("127.0.0.9") as client:
        client.ehlo("client.example")
        client.sendmail("friend@gmail.test", [recipient], f"Subject: {subject}\r\n\r\nbody\r\n")


@pytest.fixture(scope="module")
def hosted(boot_sandbox):
    return boot(boot_sandbox, compile_policy(REPO / "examples" / "hosted.mailpolicy"))


def test_an_alias_reaches_every_target(hosted) -> None:
    send(hosted, "info@example1.com", "to info")
    for target in ("alice@example1.com", "bob@example1.com"):
        # In the target's own maildir, sent to the alias.
        (message,) = [m for m in hosted.delivered(target) if "Subject: to info" in m]
        assert "for <info@example1.com>" in message, message


def test_a_catch_all_takes_unknown_addresses_and_the_mailbox_keeps_its_own(hosted) -> None:
    send(hosted, "anything@example2.org", "to anything")
    send(hosted, "carol@example2.org", "to carol")
    found = hosted.delivered("carol@example2.org", count=2)
    assert sorted(line for m in found for line in m.splitlines() if line.startswith("Subject:")) == [
        "Subject: to anything", "Subject: to carol"]


def test_the_mailbox_entries_beside_a_catch_all_are_what_keeps_mailboxes_mail(tmp_path, boot_sandbox) -> None:
    (tmp_path / "p.mailpolicy").write_text(CATCH_ALL)
    compiled = compile_policy(tmp_path / "p.mailpolicy")
    assert compiled.ok, compiled.diagnostics
    table = next(t for t in compiled.plan.tables if t.parameter == "virtual_alias_maps")
    assert "dave@example2.org\tdave@example2.org\n" in compiled.outputs["virtual_aliases"]
    kept = boot(boot_sandbox, compiled)
    send(kept, "dave@example2.org", "to dave")
    assert kept.delivered("dave@example2.org")
    # The same table without the mailbox entries: the catch-all is looked up first (virtual(5)).
    bare = "".join(line for line in compiled.outputs["virtual_aliases"].splitlines(keepends=True)
                   if not line.startswith(("carol@", "dave@")))
    stolen = boot(boot_sandbox, compiled, maps={table.path: bare})
    send(stolen, "dave@example2.org", "to dave")
    assert stolen.delivered("carol@example2.org")
    assert not stolen.delivered("dave@example2.org", timeout=2)


def test_a_domain_in_two_address_classes_is_local_and_postfix_says_so_only_in_its_log(boot_sandbox) -> None:
    compiled = compile_policy(REPO / "examples" / "hosted.mailpolicy")
    inputs = sandbox_inputs(compiled)
    # What MP370 refuses: example1.com in mydestination too.
    both = inputs.main_cf.replace("mydestination = $myhostname, localhost, example0.com",
                                  "mydestination = $myhostname, localhost, example0.com, example1.com")
    assert both != inputs.main_cf
    sandbox = boot(boot_sandbox, compiled, main_cf=both)
    send(sandbox, "alice@example1.com", "local now")
    log = sandbox.wait_log("BOTH mydestination and virtual_mailbox_domains", timeout=10)
    assert "do not list domain example1.com in BOTH mydestination and virtual_mailbox_domains" in log
    assert not sandbox.delivered("alice@example1.com", timeout=2)  # not the mailbox: the local transport
