"""Splitting deployed values the way the semantic diff compares them."""

from __future__ import annotations

from mailpolicy.maincf.compare import read_map_entries, restriction_entries


def test_restriction_entries_keep_their_arguments() -> None:
    value = ("permit_mynetworks, check_sender_access hash:/etc/postfix/access,\n"
             "reject_rbl_client zen.spamhaus.org=127.0.0.2 sleep 1 reject_unauth_destination")
    assert restriction_entries(value) == (
        "permit_mynetworks", "check_sender_access hash:/etc/postfix/access",
        "reject_rbl_client zen.spamhaus.org=127.0.0.2", "sleep 1", "reject_unauth_destination")


def test_map_entries_lower_case_keys_and_sort_owners() -> None:
    text = "# comment\n\nA@Example0.com\tbob, alice\n@example0.com   ops\n"
    assert read_map_entries(text) == {"a@example0.com": ("alice", "bob"), "@example0.com": ("ops",)}


def test_map_entries_are_read_as_postmap_reads_them() -> None:
    # Measured with postmap 3.7: an indented line continues the entry above it, and a key with
    # no value is left out ("expected format: key whitespace value").
    text = "a@example0.com\tbob,\n  alice\nlonely\n"
    assert read_map_entries(text) == {"a@example0.com": ("alice", "bob")}


def test_restriction_entries_keep_a_braced_argument_whole() -> None:
    value = "check_sender_access inline:{ a@x.test=REJECT, {b@x.test = REJECT no} }, permit_mynetworks hash:/x"
    # hash:/x after permit_mynetworks is a short-hand access table, a restriction of its own.
    assert restriction_entries(value) == (
        "check_sender_access inline:{ a@x.test=REJECT, {b@x.test = REJECT no} }", "permit_mynetworks", "hash:/x")


def test_a_repeated_key_keeps_its_first_value_as_postmap_does() -> None:
    # postmap 3.7: "duplicate entry" warning, the first value kept; keys compared lower-cased.
    assert read_map_entries("a@x.test\tbob\n  carol\nA@x.test\tmallory\n") == {"a@x.test": ("bob", "carol")}
