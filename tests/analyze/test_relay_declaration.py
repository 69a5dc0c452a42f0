"""MP324: relay_domains entries judged by the Public Suffix List, each at its column; MP301 not repeated."""

from __future__ import annotations

import pytest

from tests.helpers import compile_text

HEAD = "postfix 3.7\nhostname mx.example0.com\nlocal domains example0.com, example1.org\n"

# (relay_domains value, the names MP324 reports, in order)
CASES = [
    ("com", ["`com`, a public suffix"]),
    ("co.uk", ["`co.uk`, a public suffix"]),
    ("test", ["`test`, a public suffix"]),  # a TLD the list does not know is a suffix (rule `*`)
    ("github.io", ["`github.io`, a public suffix"]),  # a private-section suffix: anyone registers under it
    ("example.org", ["`example.org`, which is not this policy's own"]),
    # `.name` matches nothing while relay_domains is in parent_domain_matches_subdomains (the
    # default; tests/corpus decl-06 on the real Postfix), and every subdomain once it is not.
    (".example.org", []),
    (".example.org\nset parent_domain_matches_subdomains = mynetworks", ["`example.org`, which is not"]),
    ("gmail.test", ["`gmail.test`, which is not this policy's own"]),
    ("$mydestination, partner.example", ["`partner.example`, which is not"]),
    ("inline:{ backup.example0.com=x, other.example=x }", ["`other.example`, which is not"]),
    ("static:ALL", ["relay_domains = static:ALL relays mail for every domain"]),
    # The policy's own registrable domains and their subdomains are a backup MX's business.
    ("backup.example0.com", []),
    (".example0.com", []),
    ("$mydestination, mail.example1.org", []),
    ("inline:{ backup.example0.com=x }", []),
    ("!gmail.test, example0.com", []),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_relay_domains_entries_are_judged_by_the_public_suffix_list(tmp_path, value, expected) -> None:
    c = compile_text(tmp_path, HEAD + f"relay nobody\nset relay_domains = {value}\n")
    found = [d for d in c.diagnostics if d.code == "MP324"]
    assert [d.is_error for d in found] == [True] * len(expected)
    for diagnostic, words in zip(found, expected):
        assert words in diagnostic.message and diagnostic.span.line == 5
        assert "backup MX" in diagnostic.hint
    # The same cause is not reported twice: MP324 at the entry replaces MP301's relay_domains finding.
    assert not [d for d in c.diagnostics if d.code == "MP301"]


def test_an_entry_is_reported_at_its_own_column(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + "relay nobody\nset relay_domains = example0.com, com\n")
    (d,) = [d for d in c.diagnostics if d.code == "MP324"]
    line = "set relay_domains = example0.com, com"
    assert d.span.column == line.index(", com") + 3


def test_a_table_that_cannot_be_read_is_a_stated_assumption(tmp_path) -> None:
    c = compile_text(tmp_path, HEAD + "relay nobody\nset relay_domains = hash:/etc/postfix/relay_domains\n")
    assert not [d for d in c.diagnostics if d.code in ("MP324", "MP301")]
    (d,) = [d for d in c.diagnostics if d.code == "MP326"]
    assert "backup MX" in d.message


# Below compatibility level 2 relay_domains defaults to $mydestination, which names `localhost`;
# the Public Suffix List's `*` rule alone would call `localhost` a public suffix.
OWN_AGAIN = [
    ("postfix 2.11\nsasl dovecot private/auth\n", []),
    (HEAD + "relay nobody\nset relay_domains = localhost, $mydestination, sub.example0.com, com\n", ["`com`"]),
]


@pytest.mark.parametrize(("policy", "expected"), OWN_AGAIN)
def test_a_local_destination_named_again_is_the_policys_own(tmp_path, policy, expected) -> None:
    c = compile_text(tmp_path, policy)
    found = [d.message for d in c.diagnostics if d.code == "MP324"]
    assert len(found) == len(expected) and all(w in m for w, m in zip(expected, found))


# smtpd accepts a bare RCPT TO:<postmaster> before every restriction; cleanup appends @$myorigin.
@pytest.mark.parametrize(("setting", "reported"), [
    ("set myorigin = gmail.test", "`gmail.test`"),
    ("set myorigin = com", "`com`"),
    ("set myorigin = example0.com", None),
    ("set myorigin = mail.example0.com", None),  # another host of the policy's own organisation
    ("set myorigin = gmail.test\nset append_at_myorigin = no", None),
    ("", None),  # the default, $myhostname
])
def test_a_foreign_myorigin_relays_the_bare_postmaster(tmp_path, setting, reported) -> None:
    c = compile_text(tmp_path, HEAD + f"relay nobody\n{setting}\n")
    found = [d for d in c.diagnostics if d.code == "MP324"]
    if reported is None:
        assert found == []
    else:
        (d,) = found
        assert d.span.line == 5 and reported in d.message and "RCPT TO:<postmaster>" in d.message
