"""`verify --owners-map REF=ROWS`: the rows file is read as a file the command line names (load/files.py)."""

from __future__ import annotations


import pytest

from mailpolicy.verify.owner_maps import MAX_ROWS_BYTES, OwnerMapsRefused, exact_regexp_rows, stand_in_rows
from tests.fifo_guard import bounded_fifo

REF = "ldap:/etc/postfix/senders.cf"


def test_rows_are_read(tmp_path):
    rows = tmp_path / "rows.txt"
    rows.write_text("alice@example0.com alice\n", encoding="utf-8")
    assert stand_in_rows({REF: rows}) == {REF: "alice@example0.com alice\n"}


def test_a_fifo_is_refused_without_hanging(tmp_path):
    with bounded_fifo(tmp_path / "rows.fifo") as fifo, \
            pytest.raises(OwnerMapsRefused, match=rf"--owners-map {REF}: cannot read .*rows.fifo"):
        stand_in_rows({REF: fifo})


def test_rows_over_the_limit_are_refused(tmp_path):
    rows = tmp_path / "rows.txt"
    rows.write_bytes(b"#" * (MAX_ROWS_BYTES + 1))
    with pytest.raises(OwnerMapsRefused, match="over 1,048,576 bytes"):
        stand_in_rows({REF: rows})


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(OwnerMapsRefused, match="No such file"):
        stand_in_rows({REF: tmp_path / "absent.txt"})


def test_a_service_maps_rows_become_regexps_that_match_each_key_whole():
    rows = "jcricket+tag@example0.com jimminey\n# a comment\n\n@example1.com\talice, bob\na.b/c@x.y z\n"
    assert exact_regexp_rows(rows) == ("/^jcricket\\+tag@example0\\.com$/ jimminey\n"
                                       "/^@example1\\.com$/ alice, bob\n"
                                       "/^a\\.b\\/c@x\\.y$/ z\n")
