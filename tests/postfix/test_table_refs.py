"""`type:name` table references read as Postfix reads them (postfix/table_refs.py), and where the readers differed.

Every reader of a reference in the package goes through postfix/table_refs.py now; before, six
readers split references by hand, each a little differently. Where one was wrong, the real
Postfix 3.7.11 says so below (check_recipient_access, an outside client, a local recipient):
types are case-sensitive (`INLINE:`, `PCRE:` and `Proxy:` are unsupported types whose lookups
fail: 451 4.3.5; the simulator read them as inline tables or ignored them), and proxymap strips
every leading `proxy:` (the simulator stripped one and called the rest unknown).
"""

from __future__ import annotations

import pytest

from mailpolicy.checks.relay_declaration import _named_domains
from mailpolicy.postfix.table_refs import TableRef, parse_table_ref, table_ref, through_proxy
from mailpolicy.postfix.tables import table_reference
from mailpolicy.sandbox import Sandbox
from mailpolicy.simulate import PostfixModel, Request
from mailpolicy.simulate.assumptions import _written_inline
from mailpolicy.simulate.lookup import Tables, pattern_table
from mailpolicy.simulate.rewrite import tables
from tests.postfix_support import require_postfix

PARSED = [
    ("hash:/etc/postfix/x", TableRef("hash", "/etc/postfix/x")),
    ("inline:{ a=b, {c = d e} }", TableRef("inline", "{ a=b, {c = d e} }")),
    ("proxy:mysql:/etc/postfix/m.cf", TableRef("mysql", "/etc/postfix/m.cf")),
    ("proxy:proxy:hash:/x", TableRef("hash", "/x")),  # proxymap.c strips every leading proxy:
    ("Proxy:hash:/x", TableRef("Proxy", "hash:/x")),  # not proxy: an unsupported type
    ("HASH:/x", TableRef("HASH", "/x")),
    ("regexp:{ {/a:b/ OK} }", TableRef("regexp", "{ {/a:b/ OK} }")),  # split at the first colon only
    ("permit_mynetworks", None),
    ("hash:", None),  # dict_open: "expecting type:name form"
    (":/x", None),
    ("proxy:", None),
]


@pytest.mark.parametrize(("written", "parsed"), PARSED)
def test_a_reference_is_split_at_its_first_colon_through_every_proxy(written, parsed) -> None:
    assert table_ref(written) == parsed


def test_the_inline_body_and_supported_types() -> None:
    ref = parse_table_ref("cidr:{ {10.0.0.0/8 OK} }")
    assert ref.inline and ref.body == " {10.0.0.0/8 OK} " and ref.supported
    assert not parse_table_ref("hash:/x").inline and parse_table_ref("hash:/x").body == ""
    assert not parse_table_ref("Inline:{a=b}").supported


def test_every_reader_follows_the_one_parser() -> None:
    # The six readers that split by hand, on the references where they differed.
    assert table_reference("proxy:proxy:hash:/etc/x") == ("hash", "/etc/x")
    assert table_reference("HASH:/etc/x") is None
    known = Tables({})
    assert known.table("proxy:proxy:inline:{a=OK}").find("a") == "OK"
    assert known.table("INLINE:{a=OK}") is None and known.table("Proxy:inline:{a=OK}") is None
    assert pattern_table("proxy:proxy:pcre:{ {/a/ OK} }") is not None
    assert pattern_table("PCRE:{ {/a/ OK} }") is None
    assert [t.kind for t in tables("proxy:proxy:regexp:{ {/(.*)@x/ $1@y} }")] == ["pattern"]
    assert [t.kind for t in tables("Regexp:{ {/(.*)@x/ $1@y} }")] == ["exact"]  # lookups fail: rewrites nothing
    assert _written_inline("proxy:proxy:regexp:{ {/a/ b} }") and not _written_inline("regexp:/etc/x")
    assert _named_domains("proxy:static:all") == [None]  # proxymap opens static:all: every domain
    assert _named_domains("STATIC:all") == []  # an unsupported type: its lookups fail, it names nothing
    assert _named_domains("[192.0.2.1]") == []


@pytest.mark.parametrize(("written", "proxied"), [
    ("proxy:ldap:/etc/postfix/x.cf", True), ("proxy:proxy:hash:/x", True), ("ldap:/etc/postfix/x.cf", False),
    ("Proxy:hash:/x", False),  # an unsupported type, not proxymap (measured above: 451)
    ("proxy:", False), ("/etc/postfix/proxy:x", False),
])
def test_whether_a_reference_goes_through_proxymap(written, proxied) -> None:
    # The import keeps such a map as `owners from map` (importer/statements.py, importer/hosting.py)
    # and MP339 asks whether proxymap serves it (checks/proxy_maps.py).
    assert through_proxy(written) is proxied


BASE = {"compatibility_level": "3.6", "mydestination": "example0.com", "mynetworks": "127.0.0.1/32",
        "local_recipient_maps": ""}
REJECTED = "554 5.7.1 <x@example0.com>: Recipient address rejected: Access denied"
LOOKUP_ERROR = "451 4.3.5 <x@example0.com>: Recipient address rejected: Server configuration error"
# table reference in check_recipient_access -> the reply Postfix 3.7.11 gave to RCPT TO:<x@example0.com>
MEASURED = {
    "inline:{x@example0.com=REJECT}": REJECTED,
    "proxy:proxy:inline:{x@example0.com=REJECT}": REJECTED,
    "INLINE:{x@example0.com=REJECT}": LOOKUP_ERROR,
    "Proxy:inline:{x@example0.com=REJECT}": LOOKUP_ERROR,
    "PCRE:{ {/^x@/ REJECT} }": LOOKUP_ERROR,
}


def _main_cf(table: str) -> dict[str, str]:
    return {**BASE, "smtpd_relay_restrictions": f"check_recipient_access {table}, permit_mynetworks, "
                                                 f"reject_unauth_destination"}


def _request() -> Request:
    return Request("127.0.0.9", None, "a@x.test", "x@example0.com", helo="sandbox-client.test")


@pytest.mark.parametrize(("table", "reply"), MEASURED.items(), ids=MEASURED.keys())
def test_the_simulator_gives_the_measured_reply(table, reply) -> None:
    model = PostfixModel.from_parameters(_main_cf(table), {}, "3.7")
    assert model.decide(_request()).reply == reply


@pytest.mark.postfix
@pytest.mark.parametrize(("table", "reply"), MEASURED.items(), ids=MEASURED.keys())
def test_the_real_server_gives_the_measured_reply(table, reply) -> None:
    require_postfix()
    text = "".join(f"{name} = {value}\n" for name, value in _main_cf(table).items())
    with Sandbox(text, chroot=False) as sandbox:
        attempt = sandbox.try_send("127.0.0.9", None, None, "a@x.test", "x@example0.com", timeout=5)
    assert f"{attempt.code} {attempt.reply}" == reply
