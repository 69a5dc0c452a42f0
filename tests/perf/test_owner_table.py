"""The owners table reader: postmap's reading, located errors, and a fast path equal to the full one."""

from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mailpolicy.model import owner_table
from mailpolicy.model.owner_table import read_owner_table
from mailpolicy.model.owners import OwnersBuilder
from mailpolicy.source import SourceFile


def read(text: str):
    owners, problems = read_owner_table(SourceFile("owners.tsv", text))
    pairs = [(o.address, o.login, o.span.line, o.span.column) for o in owners]
    return pairs, [(d.code, d.span.line, d.span.column, d.span.end_column) for d in problems]


def test_entries_with_tabs_spaces_commas_and_comments() -> None:
    pairs, problems = read("# owners\na@example0.com\talice\n\nB@Example0.com  bob, carol\n  # indented comment\n"
                           "@example1.org pm\r\n")
    assert problems == []
    assert pairs == [("a@example0.com", "alice", 2, 16), ("b@example0.com", "bob", 4, 17),
                     ("b@example0.com", "carol", 4, 22), ("@example1.org", "pm", 6, 15)]


def test_an_indented_line_continues_the_entry_above_even_across_comments() -> None:
    pairs, problems = read("shared@example0.com alice,\n bob\n# a comment\n\n\tcarol dave\nnext@example0.com eve\n")
    assert problems == []
    assert pairs == [("shared@example0.com", "alice", 1, 21), ("shared@example0.com", "bob", 2, 2),
                     ("shared@example0.com", "carol", 5, 2), ("shared@example0.com", "dave", 5, 8),
                     ("next@example0.com", "eve", 6, 19)]


def test_every_bad_line_is_reported_at_its_column() -> None:
    pairs, problems = read("  orphan@example0.com x\n"        # indented first line: continues nothing
                           "not-an-address bob\n"             # MP201 at the key
                           "c@example0.com\n"                 # MP215: no owner
                           "d@example0.com ok bad!login\n"     # MP203 at the login, ok still read
                           "e@example0.com eve # why\n")      # `#` is data in postmap: MP203 at `#`
    assert problems == [("MP215", 1, 3, None), ("MP201", 2, 1, 15), ("MP215", 3, 1, 15), ("MP203", 4, 19, 28),
                        ("MP203", 5, 20, 21)]
    assert pairs == [("d@example0.com", "ok", 4, 16), ("e@example0.com", "eve", 5, 16),
                     ("e@example0.com", "why", 5, 22)]


def test_a_first_line_header_is_skipped_and_only_there() -> None:
    pairs, problems = read("Address\tLogin\na@example0.com alice\naddress login\n")
    assert pairs == [("a@example0.com", "alice", 2, 16)]
    assert problems == [("MP201", 3, 1, 8)]
    assert read("# exported\naddress owners\n")[1] == []
    assert read("address somebody\n")[1] == [("MP201", 1, 1, 8)]


def test_an_address_on_several_lines_keeps_every_owner() -> None:
    pairs, _ = read("s@example0.com alice\ns@example0.com bob\n")
    assert [(a, login) for a, login, _, _ in pairs] == [("s@example0.com", "alice"), ("s@example0.com", "bob")]


_ADDRESSES = ("a@example0.com", "A.B@Example0.com", "@example1.org", "bad", "x@-bad-.com", "q@b..c", "é@x.org", "a@b,c")
_LOGINS = ("alice", "b.o+b@corp", "_x", "-no", "bad!", "#", ",", "a,b", "é")


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.sampled_from(_ADDRESSES), st.lists(st.sampled_from(_LOGINS), max_size=3),
       st.sampled_from((" ", "\t", "  \t")), st.sampled_from(("", " ", "\t")))
def test_the_one_line_fast_path_reads_as_the_full_reader(address: str, logins: list[str], gap: str, tail: str) -> None:
    line = address + gap + " ".join(logins) + tail
    simple = owner_table._SIMPLE.fullmatch(line)
    assume(simple is not None)
    fast, full = owner_table._TableReader("t", OwnersBuilder()), owner_table._TableReader("t", OwnersBuilder())
    fast.first = full.first = False
    fast.simple(4, simple)
    full.entry([(4, line)])
    assert (list(fast.owners.finish()), fast.problems) == (list(full.owners.finish()), full.problems)


@pytest.mark.postfix
def test_postmap_reads_the_table_as_we_do(tmp_path) -> None:
    text = ("# owners\na@example0.com alice\nshared@example0.com alice,\n bob\n# inside\n\n\tcarol\n"
            "b@example0.com\tdave, eve\n")
    source = tmp_path / "owners"
    source.write_text(text)
    subprocess.run(["postmap", f"hash:{source}"], check=True, capture_output=True)
    dumped = subprocess.run(["postmap", "-s", f"hash:{source}"], check=True, capture_output=True, text=True).stdout
    theirs = {}
    for line in dumped.splitlines():
        key, value = line.split("\t", 1)
        theirs[key] = sorted(filter(None, re.split(r"[,\s]+", value)))
    pairs, problems = read(text)
    ours: dict[str, list[str]] = {}
    for address, login, _, _ in pairs:
        ours.setdefault(address, []).append(login)
    assert problems == []
    assert {k: sorted(v) for k, v in ours.items()} == theirs


_TABLE_LINES = ("a@example0.com alice", "A.B@Example0.com\tbob", "@example1.org carol", "address login",
                "bad alice", "x@example0.com bad!", "# comment", "", "s@example0.com alice, bob", "q@b.example alice\r",
                "u@example0.com  alice  ", "\rjunk", " # indented", "\t", "\r", "v@example0.com alice\r\r",
                "#", "w@example0.com\tcarol # no", "address login, owner", "m@example0.com alice ,bob\tcarol")


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(_TABLE_LINES), max_size=8), st.sampled_from(("", "\n")))
def test_a_table_read_at_once_is_the_table_read_entry_by_entry(lines: list[str], end: str) -> None:
    text = "\n".join(lines) + end
    at_once = OwnersBuilder()
    problems = owner_table.read_owner_table_into(SourceFile("t", text), at_once)
    one_by_one = OwnersBuilder()
    expected = owner_table.read_entries("t", text.split("\n"), False, one_by_one)
    assert (list(at_once.finish()), problems) == (list(one_by_one.finish()), expected)
    assert at_once.domains == one_by_one.domains


def test_a_plain_export_takes_the_read_at_once_and_anything_else_does_not() -> None:
    plain = ("address\tlogin\r\n# exported\r\n\r\na@example0.com alice\r\n  # note\nb@example0.com\tbob\n"
             "s@example0.com carol,dave  erin")
    owners = OwnersBuilder()
    assert owner_table._read_simple_table("t", plain, owners)
    assert [(o.address, o.login, str(o.span)) for o in owners.finish()] == [
        ("a@example0.com", "alice", "t:4:16"), ("b@example0.com", "bob", "t:6:16"),
        ("s@example0.com", "carol", "t:7:16"), ("s@example0.com", "dave", "t:7:22"), ("s@example0.com", "erin", "t:7:28")]
    for other in ("a@example0.com alice,\n", "a@example0.com bad!\n", "x alice\n", "\rjunk\n", "a@example0.com a #c\n"):
        untouched = OwnersBuilder()
        assert not owner_table._read_simple_table("t", plain + "\n" + other, untouched)
        assert not untouched.addresses
