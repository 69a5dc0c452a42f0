"""Every refusal of the loader, exactly: code, place, message, hint and related note.

Tests as data. Each case writes a folder, loads `site.mailpolicy` and compares the loader's whole
diagnostics, so a refusal that loses its location, its hint or its reason fails here (the mutation
run of docs/mutation.md found those untested). `TMP` stands for the test's folder.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from mailpolicy.load import files, loader
from mailpolicy.load.files import read_named_file
from mailpolicy.load.loader import load_policy
from tests.fifo_guard import bounded_fifo
from tests.helpers import write_files

HINT_FILE = "check the name; it is relative to the file naming it"
HINT_INSIDE = "keep every included file in the folder of the top policy file or below it"
HINT_TABLE_TEXT = "remove it; a table line may hold only printable text, spaces and tabs"
ALLOW_FROM = 'allow users from "owners.tsv"\n'


def shown(diagnostics, folder: Path) -> list[tuple]:
    def text(message: str) -> str:
        return message.replace(f"{folder}/policy/", "").replace(str(folder), "TMP")

    def place(span):
        return None if span is None else (text(span.path), span.line, span.column, span.end_column)
    return [(d.code, place(d.span), text(d.message), d.hint,
             tuple((r.message, place(r.span)) for r in d.related)) for d in diagnostics]


def loaded(folder: Path, files: dict[str, str], links: dict[str, str] = ()) -> list[tuple]:
    inside = write_files(folder / "policy", files)
    for name, target in dict(links).items():
        (inside / name).symlink_to(target)
    (folder / "secret.mailpolicy").write_text("relay authenticated or trusted\n")
    return shown(load_policy(inside / "site.mailpolicy").diagnostics, folder)


CASES = {
    "an empty name": (
        {"site.mailpolicy": 'relay nobody\ninclude ""\n'}, {},
        [("MP105", ("site.mailpolicy", 2, 9, 11), "the include names no file",
          'write a file name, e.g. "users.mailpolicy"', ())]),
    "an absolute name": (
        {"site.mailpolicy": 'include "/etc/passwd"\n'}, {},
        [("MP107", ("site.mailpolicy", 1, 9, 22), "include `/etc/passwd` is an absolute path",
          "name it relative to the including file, inside the policy's folder", ())]),
    "a home-relative table": (
        {"site.mailpolicy": 'allow users from "~root/x"\n'}, {},
        [("MP107", ("site.mailpolicy", 1, 18, 27), "owners table `~root/x` is an absolute path",
          "name it relative to the including file, inside the policy's folder", ())]),
    "a name climbing out": (
        {"site.mailpolicy": 'include "../secret.mailpolicy"\n'}, {},
        [("MP107", ("site.mailpolicy", 1, 9, 31),
          "include `../secret.mailpolicy` leads to TMP/secret.mailpolicy, outside TMP/policy", HINT_INSIDE, ())]),
    "a symlink leading out": (
        {"site.mailpolicy": 'include "inner.mailpolicy"\n'}, {"inner.mailpolicy": "../secret.mailpolicy"},
        [("MP107", ("site.mailpolicy", 1, 9, 27),
          "include `inner.mailpolicy` leads through a symlink to TMP/secret.mailpolicy, outside TMP/policy",
          HINT_INSIDE, ())]),
    "a missing include": (
        {"site.mailpolicy": 'include "none.mailpolicy"\n'}, {},
        [("MP105", ("site.mailpolicy", 1, 9, 26), "the include none.mailpolicy does not exist", HINT_FILE, ())]),
    "a folder as a table": (
        {"site.mailpolicy": 'allow users from "sub"\n', "sub/x": ""}, {},
        [("MP105", ("site.mailpolicy", 1, 18, 23), "the owners table sub is not a regular file", HINT_FILE, ())]),
    "an include named twice": (
        {"site.mailpolicy": 'include "a.mailpolicy"\ninclude "a.mailpolicy"\n', "a.mailpolicy": "relay nobody\n"},
        {},
        [("MP111", ("site.mailpolicy", 2, 9, 23), "a.mailpolicy is already included", "name each file once",
          (("first named here", ("site.mailpolicy", 1, 9, 23)),))]),
    "the top file included": (
        {"site.mailpolicy": 'include "b.mailpolicy"\n', "b.mailpolicy": 'include "site.mailpolicy"\n'}, {},
        [("MP106", ("b.mailpolicy", 1, 9, 26),
          "include cycle: site.mailpolicy -> b.mailpolicy -> site.mailpolicy", "remove one of the includes", ())]),
    "a table read twice": (
        {"site.mailpolicy": "sasl dovecot private/auth\n" + ALLOW_FROM * 2, "owners.tsv": "a@example0.com jim\n"},
        {},
        [("MP111", ("site.mailpolicy", 3, 18, 30), "owners.tsv is already read", "name each file once",
          (("first named here", ("site.mailpolicy", 2, 18, 30)),))]),
    "control characters in a table": (
        {"site.mailpolicy": "sasl dovecot private/auth\n" + ALLOW_FROM,
         # CRLF ends are no finding (line 1); a character last on a line, or last before its CR, is.
         "owners.tsv": "a@example0.com jim\r\nb@exa\x00mple0.com jim\r\n\tc@example0.com\u2028 jim\r\n"
                       "d@example0.com jim\x07\ne@example0.com jim\x1b\r\n"}, {},
        [("MP110", ("owners.tsv", 2, 6, 7), "U+0000 (a control character) in the owners table", HINT_TABLE_TEXT, ()),
         ("MP110", ("owners.tsv", 3, 16, 17), "U+2028 LINE SEPARATOR in the owners table", HINT_TABLE_TEXT, ()),
         ("MP110", ("owners.tsv", 4, 19, 20), "U+0007 (a control character) in the owners table", HINT_TABLE_TEXT, ()),
         ("MP110", ("owners.tsv", 5, 19, 20), "U+001B (a control character) in the owners table", HINT_TABLE_TEXT,
          ())]),
    "the top file named as a table": (
        {"site.mailpolicy": 'sasl dovecot private/auth\nallow users from "site.mailpolicy"\n'}, {},
        # The top file was named on the command line, not at a line: nothing to point back at.
        [("MP111", ("site.mailpolicy", 2, 18, 35), "site.mailpolicy is already read", "name each file once", ())]),
}


def test_a_symlink_loop_names_the_loop(tmp_path) -> None:
    found = loaded(tmp_path, {"site.mailpolicy": 'include "loop"\n'}, {"loop": "loop"})
    # Python before 3.13 raises RuntimeError (no strerror) for the loop, later ones ELOOP.
    assert [d[:2] + d[3:] for d in found] == [("MP105", ("site.mailpolicy", 1, 9, 15),
                                              "check the name and any symlinks on the way", ())]
    assert found[0][2] in ("cannot resolve include `loop`: Too many levels of symbolic links",
                           "cannot resolve include `loop`: Symlink loop from 'loop'")


@pytest.mark.parametrize("name", CASES)
def test_each_refusal_says_where_what_and_what_to_do(tmp_path, name) -> None:
    files, links, expected = CASES[name]
    assert loaded(tmp_path, files, links) == expected


def test_a_table_reports_at_most_fifty_characters_and_is_not_used(tmp_path) -> None:
    table = "".join(f"u{i:02d}@example0.com\x7fjim\n" for i in range(60))
    files = {"site.mailpolicy": "sasl dovecot private/auth\n" + ALLOW_FROM, "owners.tsv": table}
    found = loaded(tmp_path, files)
    assert [d[1] for d in found] == [("owners.tsv", n, 17, 18) for n in range(1, 51)]
    policy = load_policy(tmp_path / "policy" / "site.mailpolicy")
    assert policy.tables == {}, "a table with control characters must not be read as owners"


def test_a_clean_table_after_crlf_lines_is_used(tmp_path) -> None:
    files = {"site.mailpolicy": "sasl dovecot private/auth\n" + ALLOW_FROM, "owners.tsv": "a@example0.com\tjim\r\n"}
    assert loaded(tmp_path, files) == []
    assert len(load_policy(tmp_path / "policy" / "site.mailpolicy").tables) == 1


def test_read_named_file_refuses_a_fifo_as_an_os_error_naming_it(tmp_path) -> None:
    with bounded_fifo(tmp_path / "fifo") as fifo, pytest.raises(OSError) as raised:
        read_named_file(fifo)
    assert (raised.value.errno, raised.value.filename) == (errno.EINVAL, str(fifo))
    assert raised.value.strerror == f"{fifo} is not a regular file"


def test_read_named_file_refuses_a_file_over_the_limit(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 11)
    with pytest.raises(OSError) as raised:
        read_named_file(big)
    assert raised.value.filename == str(big) and "over the limit of 10 bytes" in raised.value.strerror
    (tmp_path / "small").write_bytes(b"x" * 10)
    assert read_named_file(tmp_path / "small") == b"x" * 10


def test_includes_nest_at_most_sixteen_files(tmp_path) -> None:
    files = {"site.mailpolicy": 'include "f1.mailpolicy"\n'}
    files |= {f"f{i}.mailpolicy": f'include "f{i + 1}.mailpolicy"\n' for i in range(1, 16)}
    files["f16.mailpolicy"] = "relay nobody\n"
    chain = " -> ".join(["site.mailpolicy", *(f"f{i}.mailpolicy" for i in range(1, 17))])
    assert loaded(tmp_path, files) == [("MP108", ("f15.mailpolicy", 1, 9, 25),
                                        f"includes nest deeper than 16 files: {chain}",
                                        "include the inner files from a shallower file", ())]


def test_table_lines_do_not_count_against_the_policy_line_budget(tmp_path, monkeypatch) -> None:
    # A table line is one value, not a statement: only the value budget counts it.
    monkeypatch.setattr(loader, "MAX_LINES", 5)
    table = "".join(f"u{i}@example0.com jim\n" for i in range(8))
    files = {"site.mailpolicy": "sasl dovecot private/auth\n" + ALLOW_FROM, "owners.tsv": table}
    assert loaded(tmp_path, files) == []
    monkeypatch.setattr(loader, "MAX_VALUES", 10)
    (refused,) = loaded(tmp_path / "again", files)
    assert (refused[0], refused[1], refused[3]) == ("MP109", ("site.mailpolicy", 2, 18, 30),
                                                    "split the policy into separate policies")
    assert refused[2] == "with owners.tsv the policy has over 10 values in all files together"


def test_read_named_file_says_why_a_missing_file_cannot_be_read(tmp_path) -> None:
    missing = tmp_path / "none"
    with pytest.raises(OSError) as raised:
        read_named_file(missing)
    assert (raised.value.errno, raised.value.filename, raised.value.strerror) == (
        errno.EINVAL, str(missing), "No such file or directory")


def test_read_named_file_follows_a_symlink_the_user_named(tmp_path) -> None:
    # A command line names the file (`--base`, a deployed map): its symlink is the user's choice.
    (tmp_path / "real").write_bytes(b"mynetworks = 127.0.0.0/8\n")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert read_named_file(tmp_path / "link") == b"mynetworks = 127.0.0.0/8\n"


def test_a_symlink_planted_after_the_check_is_not_followed(tmp_path, monkeypatch) -> None:
    # The race O_NOFOLLOW closes: the include is checked as a regular file inside the folder, then
    # swapped for a link to a file outside before it is opened. The link must not be read.
    checked = loader._not_a_file

    def check_then_swap(path):
        verdict = checked(path)
        if path.name == "inner.mailpolicy":
            path.unlink()
            path.symlink_to(tmp_path / "secret.mailpolicy")
        return verdict

    monkeypatch.setattr(loader, "_not_a_file", check_then_swap)
    files = {"site.mailpolicy": 'relay nobody\ninclude "inner.mailpolicy"\n', "inner.mailpolicy": "\n"}
    found = loaded(tmp_path, files)
    assert [(code, place[:2]) for code, place, *_ in found] == [("MP104", ("site.mailpolicy", 2))]
    assert found[0][2] == "cannot read inner.mailpolicy: Too many levels of symbolic links"
    policy = load_policy(tmp_path / "policy" / "site.mailpolicy")
    assert all("secret" not in source.path for source in policy.sources)
